"""The DAGs of `make airflow-dags`: one per training application, nodes grouped in tasks.

The DAG files are read as Python source (their ``TASKS``): no Airflow needed.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
import yaml
from kedro.framework.startup import bootstrap_project

from tests.airflow.conftest import skip_or_fail
from tests.conftest import PROJECT_ROOT

try:
    import kedro_airflow  # noqa: F401
except ImportError:
    skip_or_fail("the project's `airflow` extra is not installed: make airflow-venv")
pytestmark = pytest.mark.filterwarnings("ignore:register_new_resolver")

STAGES = ("ingestion", "training", "evaluation")


def _applications() -> list[str]:
    """The applications conf/airflow/airflow.yml configures (the Makefile lists the same)."""
    settings = yaml.safe_load((PROJECT_ROOT / "conf/airflow/airflow.yml").read_text())
    return [name for name in settings if name != "default"]


@pytest.fixture(scope="module")
def dags(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """``{pipeline: the DAG file's constants}`` as `make airflow-dags` writes them."""
    folder = tmp_path_factory.mktemp("dags")
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed-airflow", "airflow-dags", f"AIRFLOW_DAGS={folder}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {path.name: _constants(path) for path in sorted(folder.glob("*.py"))}


def _constants(path: Path) -> dict:
    """The module-level constants of a DAG file (``TASKS``, ``ENV``, ``PIPELINE``, …)."""
    source = path.read_text()
    compile(source, str(path), "exec")  # valid Python
    constants = {}
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            try:
                constants[statement.targets[0].id] = ast.literal_eval(statement.value)
            except ValueError:  # os.environ.get(…): its default
                constants[statement.targets[0].id] = ast.literal_eval(statement.value.args[1])
    return constants


def _pipelines() -> dict:
    bootstrap_project(PROJECT_ROOT)
    from dl_pipelines.pipeline_registry import register_pipelines

    return register_pipelines()


def test_one_dag_per_training_application(dags: dict[str, dict]) -> None:
    applications = _applications()
    assert {"day_night", "trigger_word"} <= set(applications)
    assert sorted(dags) == sorted(f"dl_pipelines_airflow_{app}_dag.py" for app in applications)
    for constants in dags.values():
        assert constants["ENV"] == "airflow"
        assert constants["DAG_ID"] == f"dl_pipelines_{constants['PIPELINE']}"
        assert list(constants["TASKS"]) == [s for s in STAGES if s in constants["TASKS"]]
        assert "training" in constants["TASKS"]
        assert Path(constants["PROJECT"]) == PROJECT_ROOT
        assert Path(constants["PYTHON"]).parent.parent == PROJECT_ROOT / ".venv"
    trigger_word = dags["dl_pipelines_airflow_trigger_word_dag.py"]
    assert trigger_word["TASK_ENV"] == {"KERAS_BACKEND": "jax"}


def test_every_node_runs_once_in_a_task_after_the_tasks_it_reads_from(dags) -> None:
    pipelines = _pipelines()
    for constants in dags.values():
        pipeline = pipelines[constants["PIPELINE"]]
        task_of = {node: task for task, nodes in constants["TASKS"].items() for node in nodes}
        assert sum(len(nodes) for nodes in constants["TASKS"].values()) == len(task_of)
        assert set(task_of) == {node.name for node in pipeline.nodes}
        producer = {out: node.name for node in pipeline.nodes for out in node.outputs}
        for node in pipeline.nodes:
            for name in node.inputs:
                if name in producer:
                    upstream = STAGES.index(task_of[producer[name]])
                    assert upstream <= STAGES.index(task_of[node.name]), (node.name, name)
        assert len(constants["TASKS"]["training"]) < len(pipeline.nodes) // 2


def test_no_memory_dataset_crosses_a_task_boundary(dags) -> None:
    """A task is a `kedro run` of its own: what it hands on must be a file (conf/airflow)."""
    from kedro.framework.project import settings
    from kedro.io.catalog_config_resolver import CatalogConfigResolver

    pipelines = _pipelines()
    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(PROJECT_ROOT / "conf"), env="airflow", **settings.CONFIG_LOADER_ARGS
    )
    resolver = CatalogConfigResolver(config=loader["catalog"])
    for constants in dags.values():
        pipeline = pipelines[constants["PIPELINE"]]
        task_of = {node: task for task, nodes in constants["TASKS"].items() for node in nodes}
        written_by = {out: task_of[node.name] for node in pipeline.nodes for out in node.outputs}
        for node in pipeline.nodes:
            for name in node.inputs:
                if name in written_by and written_by[name] != task_of[node.name]:
                    kind = resolver.resolve_pattern(name).get("type", "")
                    assert not kind.endswith("MemoryDataset"), (constants["PIPELINE"], name)
