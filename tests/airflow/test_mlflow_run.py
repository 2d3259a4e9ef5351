"""One MLflow run per DAG run; a retried task logs its metrics once and registers once."""

from __future__ import annotations

from types import SimpleNamespace

import mlflow
import pytest

from dl_pipelines.tracking.airflow import (
    AirflowTaskError,
    HeldMetrics,
    dag_run_mlflow_run,
    end_run,
    registering_nodes,
)


@pytest.fixture
def client(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        yield mlflow.MlflowClient()
    finally:
        mlflow.set_tracking_uri(None)


def _history(client, run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in client.get_metric_history(run_id, key)]


def test_metrics_are_held_until_the_task_succeeded(client) -> None:
    run = client.create_run("0").info.run_id
    other = client.create_run("0").info.run_id
    with HeldMetrics(run) as held:
        with mlflow.start_run(run_id=run):
            mlflow.log_metric("val_loss", 0.5, step=0)
            mlflow.log_metrics({"val_loss": 0.4, "accuracy": 0.9}, step=1)
            mlflow.log_param("epochs", 2)  # parameters and tags go through
        client.log_metric(other, "elsewhere", 1.0)  # so do other runs' metrics
        assert client.get_run(run).data.metrics == {}
        assert client.get_run(run).data.params == {"epochs": "2"}
        assert _history(client, other, "elsewhere") == [(0, 1.0)]
        assert _history(client, run, "val_loss") == [(0, 0.5), (1, 0.4)]  # reads see them
        held.log(tags={"airflow.task.training": "success"})
    data = client.get_run(run).data
    assert data.metrics == {"val_loss": 0.4, "accuracy": 0.9}
    assert data.tags["airflow.task.training"] == "success"
    assert _history(client, run, "val_loss") == [(0, 0.5), (1, 0.4)]


def test_a_failed_attempt_leaves_no_metric_behind(client) -> None:
    run = client.create_run("0").info.run_id
    with pytest.raises(RuntimeError), HeldMetrics(run):
        client.log_metric(run, "test_accuracy", 0.7)
        raise RuntimeError("the task failed")
    client.log_metric(run, "after", 1.0)  # the client is itself again
    assert client.get_run(run).data.metrics == {"after": 1.0}


class _Catalog(dict):
    def get(self, name):
        return self[name]


def _registering(name: str) -> SimpleNamespace:
    return SimpleNamespace(_save_args={"registered_model_name": name})


def test_a_node_that_registered_already_is_left_out() -> None:
    catalog = _Catalog(
        model=_registering("day_night"), report=SimpleNamespace(), other=_registering("faces")
    )
    register = SimpleNamespace(name="register_model_node", outputs=["model"])
    evaluate = SimpleNamespace(name="evaluate_model_node", outputs=["report"])
    nodes = [evaluate, register]
    assert registering_nodes(catalog, nodes, {"day_night"}) == ["register_model_node"]
    assert registering_nodes(catalog, nodes, {"faces"}) == []
    assert registering_nodes(catalog, nodes, set()) == []
    both = SimpleNamespace(name="train_and_register", outputs=["model", "report"])
    with pytest.raises(AirflowTaskError, match="neither rerun nor left out"):
        registering_nodes(catalog, [both], {"day_night"})


def test_a_dag_run_has_one_mlflow_run_whatever_the_retries(client) -> None:
    first = dag_run_mlflow_run(client, "0", "day_night", "dl_pipelines_day_night", "manual__1")
    again = dag_run_mlflow_run(client, "0", "day_night", "dl_pipelines_day_night", "manual__1")
    other = dag_run_mlflow_run(client, "0", "day_night", "dl_pipelines_day_night", "manual__2")
    assert first == again != other
    run = client.get_run(first)
    assert run.info.run_name == "day_night"
    assert run.data.tags["airflow.dag_run_id"] == "manual__1"


def test_the_run_ends_finished_only_when_every_task_succeeded(client) -> None:
    run = client.create_run("0").info.run_id
    client.set_tag(run, "airflow.task.ingestion", "success")
    assert not end_run(client, run, ["ingestion", "training"])
    assert client.get_run(run).info.status == "FAILED"
    client.set_tag(run, "airflow.task.training", "success")
    assert end_run(client, run, ["ingestion", "training"])
    assert client.get_run(run).info.status == "FINISHED"
