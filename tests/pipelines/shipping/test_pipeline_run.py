"""``kedro run --pipelines shipping`` end to end on a trained day_night model; the REST
server round trip; bad model names and versions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import KedroProject

pytestmark = pytest.mark.e2e

FORMATS = ["saved_model", "onnx", "tflite_float", "tflite_dynamic_range", "tflite_int8"]
EXPORTS = "data/06_models/shipping/day_night"


@pytest.fixture(scope="module")
def shipped(trained_project: KedroProject) -> KedroProject:
    trained_project.run("--pipelines", "shipping", "--params", "model=day_night")
    return trained_project


def _registered_keras_model(project: KedroProject, name: str = "day_night"):
    import mlflow

    import dl_pipelines.nn.losses  # noqa: F401  (the registered loss)

    with project.tracking():
        return mlflow.keras.load_model(f"models:/{name}/1")


def _test_images(project: KedroProject) -> np.ndarray:
    with np.load(project.path / "data/05_model_input/day_night/test.npz") as data:
        return data["images"].astype(np.float32)


def test_every_format_is_written_with_its_runner_config(shipped: KedroProject) -> None:
    folder = shipped.path / EXPORTS
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "model.keras",
        "model.onnx",
        "model_float.tflite",
        "model_dynamic_range.tflite",
        "model_int8.tflite",
        "model.json",
        "saved_model/saved_model.pb",
    } <= names
    config = json.loads((folder / "model.json").read_text())
    assert config["model"] == "day_night" and config["version"] == "1"
    assert config["task"] == "binary_classifier"
    assert config["input"]["shape"] == [1, 64, 64, 3]
    assert config["files"]["int8"] == "model_int8.tflite"


def test_run_is_linked_to_the_model_version_with_parity_and_timings(shipped: KedroProject) -> None:
    (run,) = shipped.runs("shipping")
    assert run.info.status == "FINISHED"
    (version,) = shipped.client().search_model_versions("name = 'day_night'")
    assert run.data.tags["source_model_uri"] == "models:/day_night/1"
    assert run.data.tags["source_run_id"] == version.run_id
    metrics = run.data.metrics
    for fmt in FORMATS:
        assert metrics[f"parity_agreement_{fmt}"] >= (0.95 if "int8" in fmt else 1.0)
        assert metrics[f"latency_p50_ms_{fmt}"] > 0
        assert metrics[f"size_mb_{fmt}"] > 0
    for fmt in ("saved_model", "onnx", "tflite_float"):
        assert metrics[f"parity_max_abs_{fmt}"] <= 1e-4
    assert metrics["size_mb_tflite_int8"] < metrics["size_mb_tflite_float"]
    artifacts = {a.path for a in shipped.client().list_artifacts(run.info.run_id, "exports")}
    assert "exports/model_int8.tflite" in artifacts


def test_tradeoff_table_and_chart_are_written(shipped: KedroProject) -> None:
    reporting = shipped.path / "data/08_reporting/shipping"
    table = (reporting / "day_night.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert [row.split("|")[1].strip() for row in rows] == ["keras", *FORMATS]
    assert (reporting / "day_night.png").stat().st_size > 10_000
    parity = json.loads((reporting / "day_night_parity.json").read_text())
    assert set(parity["formats"]) == set(FORMATS)


def test_rest_server_answers_like_the_keras_model(shipped: KedroProject, tmp_path) -> None:
    from dl_pipelines.tracking.servers import ModelServer

    images = _test_images(shipped)[:4]
    expected = _registered_keras_model(shipped).predict(images, verbose=0)
    with ModelServer("models:/day_night/1", shipped.tracking_uri, tmp_path / "serve.log") as server:
        served = server.predict(images)
        group = server._process.pid
    assert served.shape == expected.shape
    np.testing.assert_allclose(served, expected, atol=1e-5)
    with pytest.raises(ProcessLookupError):  # the whole group is gone
        import os

        os.killpg(group, 0)


def test_a_version_that_is_not_registered_fails_clearly(
    trained_project: KedroProject,
) -> None:
    """``model_version`` picks a version (``version`` is a key Kedro drops silently)."""
    result = trained_project.run(
        "--pipelines", "shipping", "--params", "model=day_night,model_version=99", check=False
    )
    assert result.returncode != 0
    assert "has no version 99 (versions: " in result.stderr
    assert "--params model_version=<n>" in result.stderr


def test_unknown_model_name_fails_clearly(project: KedroProject) -> None:
    result = project.run("--pipelines", "shipping", "--params", "model=no_such_model", check=False)
    project.assert_failed_cleanly(
        result, "shipping", "No registered model named 'no_such_model'", "--params model=<name>"
    )
    assert project.outputs() == []


def test_version_without_signature_fails_clearly(project: KedroProject) -> None:
    import keras
    import mlflow

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with project.tracking(), mlflow.start_run():
        mlflow.keras.log_model(
            model, name="model", registered_model_name="unsigned", pip_requirements=["keras"]
        )
    result = project.run("--pipelines", "shipping", "--params", "model=unsigned", check=False)
    project.assert_failed_cleanly(
        result, "shipping", "models:/unsigned/1 was logged without a signature"
    )
