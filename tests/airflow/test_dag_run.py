"""End to end: Airflow itself runs the generated DAG of day_night (``--env test`` sizes).

In a temporary copy of the project, ``kedro airflow create`` writes the DAG (the template
and settings of ``make airflow-dags``), and ``airflow dags test`` (Airflow 3, from
``.venv-airflow``, its metadata in SQLite) runs it, offline. The evaluation task fails once
on purpose, right after it registered the model, and Airflow retries it: the run must
still hold each metric once and one registered version.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.airflow.conftest import skip_or_fail
from tests.conftest import KEDRO, PROJECT_ROOT, KedroProject, make_project_copy

pytestmark = pytest.mark.e2e

AIRFLOW = PROJECT_ROOT / ".venv-airflow/bin/airflow"
DAG_ID = "dl_pipelines_day_night"
NODE_TASKS = ("ingestion", "training", "evaluation")

# Registers the model like the catalog's entry, then fails the first time it is saved.
FAULT_MODULE = """
from pathlib import Path

from dl_pipelines.datasets.mlflow_keras import MlflowKerasModelDataset


class FailOnceAfterRegistering(MlflowKerasModelDataset):
    def __init__(self, marker: str, **kwargs):
        super().__init__(**kwargs)
        self._marker = Path(marker)

    def _save(self, model):
        super()._save(model)
        if not self._marker.exists():
            self._marker.touch()
            raise RuntimeError("injected failure after registering the model")
"""


def _airflow(home: Path, project: KedroProject, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "MLFLOW_TRACKING_URI": project.tracking_uri,  # the tasks' tracking store
        "KEDRO_DISABLE_TELEMETRY": "1",
    }
    env.pop("KEDRO_LOGGING_CONFIG", None)
    return subprocess.run(
        [str(AIRFLOW), *args], env=env, capture_output=True, text=True, timeout=900
    )


def _prepare(project: KedroProject, tmp_path: Path) -> Path:
    """The airflow environment at test sizes, the injected fault and the generated DAG."""
    airflow_conf = project.path / "conf/airflow"
    for parameters in (project.path / "conf/test").glob("parameters*.yml"):
        shutil.copy2(parameters, airflow_conf / parameters.name)
    (project.path / "src/airflow_faults.py").write_text(FAULT_MODULE)
    base = yaml.safe_load((project.path / "conf/base/catalog_day_night.yml").read_text())
    faulty = {
        **base["day_night_registered_model"],
        "type": "airflow_faults.FailOnceAfterRegistering",
        "marker": str(tmp_path / "failed_once"),
    }
    (airflow_conf / "catalog_faults.yml").write_text(
        yaml.safe_dump({"day_night_registered_model": faulty})
    )
    home = tmp_path / "airflow_home"
    params = f"project_path={project.path},python={sys.executable},retry_delay_seconds=0"
    result = subprocess.run(
        [str(KEDRO), "airflow", "create", "--env", "airflow", "--pipelines", "day_night"]
        + ["--jinja-file", "conf/airflow/dag_template.j2", "--target-dir", str(home / "dags")]
        + ["--params", params],
        cwd=project.path,
        env={**os.environ, "MLFLOW_TRACKING_URI": project.tracking_uri},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def dag_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[KedroProject, dict, str]:
    """The project copy, ``{task: state}`` and the output of ``airflow dags test``."""
    if not AIRFLOW.exists():
        skip_or_fail("Airflow is not installed: `make airflow-venv` (make test does it)")
    tmp_path = tmp_path_factory.mktemp("airflow")
    project = make_project_copy(tmp_path / "project")
    home = _prepare(project, tmp_path)
    migrated = _airflow(home, project, "db", "migrate")
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]
    tested = _airflow(home, project, "dags", "test", DAG_ID)
    output = tested.stdout + tested.stderr
    runs = _json(_airflow(home, project, "dags", "list-runs", DAG_ID, "-o", "json"))
    assert len(runs) == 1, output[-5000:]
    states = _json(
        _airflow(
            home, project, "tasks", "states-for-dag-run", DAG_ID, runs[0]["run_id"], "-o", "json"
        )
    )
    return project, {t["task_id"]: t["state"] for t in states}, output


def _json(result: subprocess.CompletedProcess) -> list[dict]:
    """The JSON table an ``airflow … -o json`` command printed last (warnings may precede)."""
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_task_succeeds_and_the_failed_evaluation_is_retried(dag_run) -> None:
    _, tasks, output = dag_run
    expected = dict.fromkeys(["mlflow_run", *NODE_TASKS, "mlflow_run_end"], "success")
    assert tasks == expected, output[-5000:]
    tries = {task: output.count(f"[DAG TEST] starting task_id={task} ") for task in tasks}
    assert tries == {**dict.fromkeys(tasks, 1), "evaluation": 2}  # Airflow retried it once
    assert "injected failure after registering the model" in output
    assert "Node day_night.register_model_node left out" in output  # the retry does not register


def test_the_tasks_write_the_pipeline_outputs(dag_run) -> None:
    project, _, _ = dag_run
    outputs = {p.relative_to(project.path).as_posix() for p in project.outputs()}
    for expected in (
        "data/02_intermediate/day_night/images.npz",
        "data/05_model_input/day_night/train.npz",
        "data/05_model_input/day_night/heldout.npz",
        "data/06_models/day_night/model.keras",
        "data/08_reporting/day_night/test_metrics.json",
        "data/08_reporting/day_night/heldout_metrics.json",
        "data/08_reporting/day_night/training_curves.png",
    ):
        assert expected in outputs
    assert "data/06_models/day_night/model.candidate.keras" not in outputs  # promoted


def test_one_mlflow_run_holds_every_metric_once_and_one_registered_version(dag_run) -> None:
    project, _, _ = dag_run
    client = project.client()
    experiment = client.get_experiment_by_name("dl_pipelines")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "day_night"
    assert run.info.status == "FINISHED"
    tags = run.data.tags
    assert tags["airflow.dag_id"] == DAG_ID
    assert {tags[f"airflow.task.{task}"] for task in NODE_TASKS} == {"success"}

    metrics = run.data.metrics
    for key in ("test_accuracy", "heldout_accuracy", "val_loss", "train_loss"):
        assert key in metrics
    epochs = yaml.safe_load((project.path / "conf/test/parameters_day_night.yml").read_text())
    history = client.get_metric_history(run.info.run_id, "val_loss")
    assert 1 <= len(history) <= epochs["day_night"]["training"]["epochs"]
    for key in metrics:  # no point twice, the retried task's included
        steps = Counter(m.step for m in client.get_metric_history(run.info.run_id, key))
        assert max(steps.values()) == 1, (key, steps)
    assert run.data.params["day_night.training.epochs"] == str(
        epochs["day_night"]["training"]["epochs"]
    )

    versions = client.search_model_versions("name = 'day_night'")
    assert [v.run_id for v in versions] == [run.info.run_id]
    assert str(client.get_model_version_by_alias("day_night", "champion").version) == "1"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "reports")}
    assert "reports/test_metrics.json" in artifacts
