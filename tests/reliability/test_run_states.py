"""Run states that tell the truth (issue #29): SIGINT and SIGTERM end the MLflow run as
KILLED, and a run left RUNNING by a SIGKILL is marked KILLED by the next run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dl_pipelines.runtime.run_guard import KILLED_TAG, ConcurrentRunError, RunGuard
from tests.conftest import KedroProject
from tests.reliability.conftest import background_log, start_run, wait_for_record


# ------------------------------------------------------------------- the guard alone
@pytest.fixture
def tracking(tmp_path: Path):
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("reliability")
    return uri, client, experiment


def _record(project: Path, **fields) -> None:
    (project / ".kedro-run.json").write_text(
        json.dumps(
            {
                "pid": 999999,
                "host": "elsewhere",
                "pipelines": ["day_night"],
                "env": "test",
                "started": "2026-01-01T00:00:00+00:00",
                **fields,
            }
        )
    )


def test_a_record_left_by_a_dead_run_marks_its_run_killed(tmp_path: Path, tracking) -> None:
    uri, client, experiment = tracking
    left = client.create_run(experiment).info.run_id
    _record(tmp_path, mlflow_run_id=left, tracking_uri=uri)
    guard = RunGuard(tmp_path)
    guard.acquire(["day_night"], "test")
    try:
        run = client.get_run(left)
        assert run.info.status == "KILLED"
        assert "process 999999 on elsewhere died" in run.data.tags[KILLED_TAG]
        assert json.loads((tmp_path / ".kedro-run.json").read_text())["pipelines"] == ["day_night"]
    finally:
        guard.release()
    assert not (tmp_path / ".kedro-run.json").exists()


def test_a_finished_run_named_by_an_old_record_stays_finished(tmp_path: Path, tracking) -> None:
    uri, client, experiment = tracking
    done = client.create_run(experiment).info.run_id
    client.set_terminated(done, "FINISHED")
    _record(tmp_path, mlflow_run_id=done, tracking_uri=uri)
    guard = RunGuard(tmp_path)
    guard.acquire(None, None)
    guard.release()
    assert client.get_run(done).info.status == "FINISHED"


def test_a_second_guard_is_refused_naming_the_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from dl_pipelines.runtime.run_guard import RunGuard
        guard = RunGuard({str(tmp_path)!r})
        guard.acquire(["faces", "faces_verify"], "test")
        print("locked", flush=True)
        time.sleep(60)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ConcurrentRunError) as error:
            RunGuard(tmp_path).acquire(["day_night"], "test")
        message = str(error.value)
        assert f"PID {holder.pid}" in message and "pipelines faces, faces_verify" in message
        assert "started 20" in message and "wait for it to finish" in message
    finally:
        holder.kill()
        holder.wait()
    guard = RunGuard(tmp_path)  # the kernel dropped the dead holder's lock
    guard.acquire(["day_night"], "test")
    guard.release()


# ------------------------------------------------------------------- real kedro runs
@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_the_run_as_killed(project: KedroProject, signum: int) -> None:
    process = start_run(project, "--pipelines", "day_night")
    record = wait_for_record(project, process)
    process.send_signal(signum)
    assert process.wait(timeout=120) != 0
    run = project.client().get_run(record["mlflow_run_id"])
    assert run.info.status == "KILLED", background_log(project)[-3000:]
    assert run.data.tags[KILLED_TAG] == f"{signal.Signals(signum).name} to PID {process.pid}"
    assert "test_accuracy" not in run.data.metrics
    assert f"Received {signal.Signals(signum).name}" in background_log(project)
    assert not (project.path / ".kedro-run.json").exists()  # the lock is released


@pytest.mark.e2e
def test_a_run_killed_by_sigkill_is_marked_killed_by_the_next_run(project: KedroProject) -> None:
    process = start_run(project, "--pipelines", "day_night")
    record = wait_for_record(project, process)
    process.kill()
    process.wait(timeout=60)
    assert project.client().get_run(record["mlflow_run_id"]).info.status == "RUNNING"

    # Any next run finds it, even one that stops at once on a bad parameter.
    result = project.run("--pipelines", "day_night", "--params", "seed=abc", check=False)
    run = project.client().get_run(record["mlflow_run_id"])
    assert run.info.status == "KILLED"
    assert f"process {process.pid}" in run.data.tags[KILLED_TAG]
    assert f"was left RUNNING by PID {process.pid}: marked KILLED" in result.stderr
