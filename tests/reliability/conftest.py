"""Helpers for the reliability tests: a ``kedro run`` started in the background."""

from __future__ import annotations

import json
import os
import subprocess
import time

from tests.conftest import KEDRO, KedroProject


def start_run(project: KedroProject, *args: str) -> subprocess.Popen:
    """``kedro run --env test ARGS`` in ``project``, in the background (output to files)."""
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": project.tracking_uri,
        "KEDRO_DISABLE_TELEMETRY": "1",
    }
    env.pop("KEDRO_LOGGING_CONFIG", None)
    log = open(project.path / "background.log", "w")  # noqa: SIM115 - closed by the process
    return subprocess.Popen(
        [str(KEDRO), "run", "--env", "test", *args],
        cwd=project.path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_record(
    project: KedroProject, process: subprocess.Popen, timeout: float = 180.0
) -> dict:
    """The lock record of the background run once it names its MLflow run (its first
    node is about to run)."""
    path = project.path / ".kedro-run.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                "the background run ended early:\n"
                + (project.path / "background.log").read_text()[-5000:]
            )
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            record = {}
        if record.get("mlflow_run_id"):
            return record
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the background run never took the lock")


def background_log(project: KedroProject) -> str:
    return (project.path / "background.log").read_text()
