"""Tracking helpers and the Keras → MLflow callback."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest

from dl_pipelines.tracking import runs as tracking


def test_reproducibility_tags(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    tags = tracking.reproducibility_tags(str(tmp_path), seed=7)
    assert tags["seed"] == "7"
    assert tags["keras_backend"] == "jax"
    assert tags["git_commit"] == "unknown"  # tmp_path is not a git work tree
    assert tags["version.numpy"] == np.__version__


def test_device_tags_name_the_devices_keras_trains_on() -> None:
    tags = tracking.device_tags()
    assert tags["accelerator"] in {"cpu", "gpu", "tpu"}
    assert tags["devices"].split(",")[0].split(":")[0] in {"cpu", "gpu", "tpu"}


def test_keras_backend_read_from_keras_json(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert tracking.keras_backend_name() == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "torch"}')
    assert tracking.keras_backend_name() == "torch"


def test_as_mlflow_metrics() -> None:
    assert tracking.as_mlflow_metrics({"a": 1}) == {"a": {"value": 1.0, "step": 0}}


def test_logging_without_an_active_run_is_a_no_op() -> None:
    assert mlflow.active_run() is None
    assert tracking.log_metrics_to_active_run({"x": 1.0}) is False
    assert tracking.set_tags_on_active_run({"x": "1"}) is False


@pytest.fixture
def mlflow_run(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = mlflow.create_experiment("t", artifact_location=(tmp_path / "a").as_uri())
    with mlflow.start_run(experiment_id=experiment) as run:
        yield run
    mlflow.set_tracking_uri(None)


def test_callback_logs_every_epoch_to_the_active_run(mlflow_run) -> None:
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    x, y = np.random.default_rng(0).random((16, 3)), np.repeat([0.0, 1.0], 8)
    model.fit(
        x, y, validation_data=(x, y), epochs=3, verbose=0, callbacks=[MlflowMetricsCallback()]
    )

    client = mlflow.MlflowClient()
    for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "epoch_seconds"):
        history = client.get_metric_history(mlflow_run.info.run_id, name)
        assert [m.step for m in history] == [0, 1, 2], name


def test_two_models_in_one_run_write_separate_series(mlflow_run) -> None:
    """A second model's callback with a prefix (faces' pair head beside its encoder)
    writes its own curves, its epoch time included: no series gets two points a step."""
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback

    x, y = np.random.default_rng(0).random((16, 3)), np.repeat([0.0, 1.0], 8)
    for callback in (MlflowMetricsCallback(), MlflowMetricsCallback(prefix="pair_")):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[callback])

    client = mlflow.MlflowClient()
    run = client.get_run(mlflow_run.info.run_id)
    assert {"train_pair_loss", "val_pair_loss", "pair_epoch_seconds"} <= set(run.data.metrics)
    for name in run.data.metrics:
        steps = [m.step for m in client.get_metric_history(mlflow_run.info.run_id, name)]
        assert steps == [0, 1], name


def test_a_nested_run_carries_its_parents_reproducibility_tags(tmp_path) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with mlflow.start_run(run_name="parent", tags={"git_commit": "abc", "seed": "7"}):
            with tracking.nested_run("member") as run_id:
                mlflow.log_metric("m", 1.0)
        child = mlflow.get_run(run_id)
        assert child.data.tags["git_commit"] == "abc" and child.data.tags["seed"] == "7"
        assert child.data.tags["mlflow.runName"] == "member"
        assert child.data.tags["mlflow.parentRunId"] != run_id
    finally:
        mlflow.set_tracking_uri(None)
    with tracking.nested_run("no run") as none:
        assert none is None


def test_inherited_tags_leave_out_mlflows_own_and_the_parents_summary() -> None:
    tags = {
        "git_commit": "abc",
        "mlflow.runName": "p",
        "dl_pipelines.applications": "a,b",
        "kedro_command": "kedro run",
        "version.keras": "3",
    }
    assert tracking.inherited_tags(tags) == {"git_commit": "abc", "version.keras": "3"}
