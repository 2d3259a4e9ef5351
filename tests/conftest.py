"""Fixtures shared by the test suite.

End-to-end tests run ``kedro run --env test`` in a temporary copy of the project
(configuration, source, data folders and the shipped example images), each with its own
MLflow database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KEDRO = Path(sys.executable).with_name("kedro")
PREDICT_EXAMPLES = PROJECT_ROOT / "data/01_raw/day_night/predict"


@dataclass
class KedroProject:
    """A throw-away copy of the project that ``kedro run`` can be called in."""

    path: Path

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.path / 'mlflow.db'}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "KEDRO_DISABLE_TELEMETRY": "1",
        }
        env.pop("KEDRO_LOGGING_CONFIG", None)
        result = subprocess.run(
            [str(KEDRO), "run", "--env", "test", *args],
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kedro run {' '.join(args)} failed:\n{result.stderr[-5000:]}")
        return result

    @contextlib.contextmanager
    def tracking(self) -> Iterator[None]:
        """MLflow's fluent API (``mlflow.*``, its registry included) on this project's
        store for the block, then back to the default: no test leaks its URI into the
        next."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        try:
            yield
        finally:
            mlflow.set_tracking_uri(None)

    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri)

    def runs(self, run_name: str) -> list:
        """MLflow runs of the project's experiment with this name, newest first."""
        client = self.client()
        experiment = client.get_experiment_by_name("dl_pipelines")
        if experiment is None:
            return []
        return client.search_runs(
            [experiment.experiment_id],
            filter_string=f"attributes.run_name = '{run_name}'",
            order_by=["attributes.start_time DESC"],
        )

    def assert_failed_cleanly(
        self, result: subprocess.CompletedProcess, run_name: str, *expected: str
    ) -> None:
        """The run failed, its error output holds each of ``expected`` (the file, the
        fix) and its newest MLflow run of that name is marked FAILED."""
        assert result.returncode != 0
        for text in expected:
            assert text in result.stderr, f"{text!r} not in the error output"
        assert self.runs(run_name)[0].info.status == "FAILED"

    def outputs(self) -> list[Path]:
        """Every file written under data/02_intermediate … data/08_reporting."""
        return sorted(
            p
            for p in (self.path / "data").glob("0[2-8]*/**/*")
            if p.is_file() and p.name != ".gitkeep"
        )


def make_project_copy(destination: Path) -> KedroProject:
    """Copy what ``kedro run`` needs: pyproject, conf (not conf/local), src, data skeleton."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy2(PROJECT_ROOT / name, destination / name)
    shutil.copytree(
        PROJECT_ROOT / "src",
        destination / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    shutil.copytree(
        PROJECT_ROOT / "conf", destination / "conf", ignore=shutil.ignore_patterns("local")
    )
    (destination / "conf" / "local").mkdir()
    # The data skeleton and the shipped prediction examples only: images a developer
    # put in data/01_raw/day_night/{day,night} must not change what the tests train on.
    for source in (PROJECT_ROOT / "data").rglob("*"):
        shipped = source.name == ".gitkeep" or source.parent == PREDICT_EXAMPLES
        if source.is_file() and shipped:
            target = destination / source.relative_to(PROJECT_ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return KedroProject(destination)


@pytest.fixture(autouse=True)
def mlflow_left_as_found() -> Iterator[None]:
    """No test leaves behind the experiment it chose with ``mlflow.set_experiment`` (a
    module global plus the ``MLFLOW_EXPERIMENT_ID`` variable): a later test against
    another store would look for it there ("No Experiment with id=1 exists")."""
    before = os.environ.get("MLFLOW_EXPERIMENT_ID")
    yield
    fluent = sys.modules.get("mlflow.tracking.fluent")
    if fluent is None:  # MLflow never imported: nothing to undo
        return
    fluent._active_experiment_id = None  # no public way to forget set_experiment's choice
    if before is None:
        os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    else:
        os.environ["MLFLOW_EXPERIMENT_ID"] = before


@pytest.fixture
def project(tmp_path: Path) -> KedroProject:
    """A fresh copy of the project, nothing run yet."""
    return make_project_copy(tmp_path / "project")


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A copy of the project in which ``kedro run --pipelines day_night`` has run once."""
    project = make_project_copy(tmp_path_factory.mktemp("trained") / "project")
    project.run("--pipelines", "day_night")
    return project
