"""End to end: ``kedro run`` tracked by a team MLflow server whose store is a real PostgreSQL.

One PostgreSQL cluster and one ``mlflow server`` (dl_pipelines.tracking.team) on free
loopback ports, one ``kedro run --env test --pipelines day_night`` with
``MLFLOW_TRACKING_URI`` pointing at the server; the tests then read the run, its
metrics, its artifacts and the registered model back through the server, and the rows
straight from PostgreSQL. Skipped where PostgreSQL is not installed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from dl_pipelines.tracking.postgres import PostgresNotInstalled, postgres_bin
from dl_pipelines.tracking.servers import free_port
from dl_pipelines.tracking.team import TeamTrackingServer
from tests.conftest import KedroProject, make_project_copy

pytestmark = pytest.mark.e2e


@dataclass
class ServerTrackedProject(KedroProject):
    """A copy of the project whose runs log to ``server`` instead of its own mlflow.db."""

    server: TeamTrackingServer

    @property
    def tracking_uri(self) -> str:
        return self.server.tracking_uri


@pytest.fixture(scope="module")
def server() -> Iterator[TeamTrackingServer]:
    try:
        postgres_bin()
    except PostgresNotInstalled as error:
        pytest.skip(str(error))
    # Not pytest's tmp_path: run as root, PostgreSQL runs as the `postgres` user, which
    # cannot enter pytest's private (0700) temporary folder.
    with tempfile.TemporaryDirectory(prefix="team-tracking-") as directory:
        os.chmod(directory, 0o711)
        with TeamTrackingServer(
            Path(directory), port=free_port(), postgres_port=free_port()
        ) as started:
            yield started


@pytest.fixture(scope="module")
def team_project(
    server: TeamTrackingServer, tmp_path_factory: pytest.TempPathFactory
) -> ServerTrackedProject:
    """A project copy in which ``kedro run --pipelines day_night`` ran against ``server``."""
    copy = make_project_copy(tmp_path_factory.mktemp("team") / "project")
    project = ServerTrackedProject(copy.path, server)
    project.run("--pipelines", "day_night")
    return project


def test_run_and_metrics_are_on_the_server(team_project: ServerTrackedProject) -> None:
    (run,) = team_project.runs("day_night")
    assert run.info.status == "FINISHED"
    assert 0.0 <= run.data.metrics["test_accuracy"] <= 1.0
    assert team_project.client().get_metric_history(run.info.run_id, "train_loss")
    assert run.data.params["seed"] == "42"


def test_artifacts_are_served_from_the_server_folder(
    team_project: ServerTrackedProject, tmp_path: Path
) -> None:
    (run,) = team_project.runs("day_night")
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")  # proxied, not a local path
    client = team_project.client()
    assert {"plots", "reports"} <= {a.path for a in client.list_artifacts(run.info.run_id)}

    downloaded = Path(
        client.download_artifacts(run.info.run_id, "plots/confusion_matrix.png", str(tmp_path))
    )
    (stored,) = team_project.server.artifacts.glob(
        f"*/{run.info.run_id}/artifacts/plots/confusion_matrix.png"
    )
    assert downloaded.read_bytes() == stored.read_bytes()
    assert stored.stat().st_size > 1000


def test_model_is_registered_on_the_server(
    team_project: ServerTrackedProject, tmp_path: Path
) -> None:
    import mlflow

    (version,) = team_project.client().search_model_versions("name = 'day_night'")
    (run,) = team_project.runs("day_night")
    assert version.run_id == run.info.run_id
    assert version.status == "READY"
    with team_project.tracking():  # models:/ resolves through the registry URI too
        model = Path(
            mlflow.artifacts.download_artifacts(
                f"models:/day_night/{version.version}", dst_path=str(tmp_path)
            )
        )
    assert "keras" in (model / "MLmodel").read_text()


def test_rows_are_in_postgresql_and_no_sqlite_file_is_used(
    team_project: ServerTrackedProject,
) -> None:
    (run,) = team_project.runs("day_night")
    with closing(team_project.server.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT status FROM runs WHERE run_uuid = %s", (run.info.run_id,))
        assert cursor.fetchall() == [("FINISHED",)]
        cursor.execute("SELECT count(*) FROM metrics WHERE run_uuid = %s", (run.info.run_id,))
        assert cursor.fetchone()[0] >= len(run.data.metrics)
        cursor.execute("SELECT name, version FROM model_versions")
        assert cursor.fetchall() == [("day_night", 1)]
    assert not (team_project.path / "mlflow.db").exists()
    assert not (team_project.path / "mlruns").exists()
