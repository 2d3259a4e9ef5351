"""End to end: ``kedro run`` of day_night and day_night_predict, tracked in MLflow."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import KedroProject, make_project_copy

pytestmark = pytest.mark.e2e

TEST_METRICS = ("test_accuracy", "test_precision", "test_recall", "test_f1", "test_roc_auc")


def _test_params(project: KedroProject) -> dict:
    return yaml.safe_load((project.path / "conf/test/parameters_day_night.yml").read_text())


def test_training_run_is_tracked_in_mlflow(trained_project: KedroProject) -> None:
    (run,) = trained_project.runs("day_night")
    assert run.info.status == "FINISHED"

    params = run.data.params
    assert params["day_night.training.epochs"] == str(
        _test_params(trained_project)["day_night"]["training"]["epochs"]
    )
    assert params["day_night.model.filters"] == "[8, 16]"
    assert params["seed"] == "42"

    tags = run.data.tags
    assert tags["seed"] == "42"
    assert "git_commit" in tags
    assert tags["version.keras"].startswith("3.")
    assert tags["keras_backend"] in {"tensorflow", "jax", "torch"}

    client = trained_project.client()
    epochs_run = len(client.get_metric_history(run.info.run_id, "train_loss"))
    assert epochs_run >= 1
    for name in ("train_accuracy", "val_loss", "val_accuracy"):
        history = client.get_metric_history(run.info.run_id, name)
        assert [m.step for m in history] == list(range(epochs_run)), name
    for name in TEST_METRICS:
        assert 0.0 <= run.data.metrics[name] <= 1.0, name

    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {
        "plots/training_curves.png",
        "plots/confusion_matrix.png",
        "plots/prediction_grid.png",
        "plots/heldout_grid.png",
    } <= artifacts
    reports = {a.path for a in client.list_artifacts(run.info.run_id, "reports")}
    assert {"reports/heldout_metrics.json", "reports/heldout_predictions.csv"} <= reports


def test_heldout_set_is_reported_apart(trained_project: KedroProject) -> None:
    (run,) = trained_project.runs("day_night")
    metrics = run.data.metrics
    reporting = trained_project.path / "data/08_reporting/day_night"
    table = pd.read_csv(reporting / "heldout_predictions.csv")
    heldout = _test_params(trained_project)["day_night"]["heldout"]
    assert len(table) == 4 * 2 * heldout["scenes_per_kind"] + 2 * heldout["photo_crops"]
    assert metrics["heldout_accuracy"] == pytest.approx(table["correct"].mean())
    for group, rows in table.groupby("group"):
        assert metrics[f"heldout_accuracy_{group}"] == pytest.approx(rows["correct"].mean())
    report = json.loads((reporting / "heldout_metrics.json").read_text())
    assert sorted(m["name"] for m in report["misclassified"]) == sorted(
        table.loc[~table["correct"], "name"]
    )
    assert (reporting / "heldout_grid.png").stat().st_size > 1000


def test_training_loss_falls(trained_project: KedroProject) -> None:
    history = json.loads(
        (trained_project.path / "data/08_reporting/day_night/history.json").read_text()
    )
    assert history["loss"][-1] < history["loss"][0]


def test_model_is_registered_with_a_signature(trained_project: KedroProject) -> None:
    import mlflow

    client = trained_project.client()
    (version,) = client.search_model_versions("name = 'day_night'")
    (run,) = trained_project.runs("day_night")
    assert version.run_id == run.info.run_id

    with trained_project.tracking():
        info = mlflow.models.get_model_info(f"models:/day_night/{version.version}")
    assert "keras" in info.flavors
    (spec,) = info.signature.inputs.inputs
    assert spec.shape == (-1, 64, 64, 3)


def test_reports_are_written(trained_project: KedroProject) -> None:
    reporting = trained_project.path / "data/08_reporting/day_night"
    report = json.loads((reporting / "test_metrics.json").read_text())
    assert set(TEST_METRICS) <= set(report["metrics"])
    matrix = report["confusion_matrix"]["rows_true_columns_predicted"]
    assert sum(map(sum, matrix)) == report["n_test"]
    split = json.loads((reporting / "split_report.json").read_text())
    assert split["train"]["images"] > split["val"]["images"] > 0
    for name in ("examples", "training_curves", "confusion_matrix", "roc_curve", "prediction_grid"):
        assert (reporting / f"{name}.png").stat().st_size > 1000, name


def test_prediction_pipeline_scores_a_folder(trained_project: KedroProject, tmp_path: Path) -> None:
    folder = tmp_path / "to score"
    folder.mkdir()
    examples = trained_project.path / "data/01_raw/day_night/predict"
    for image in sorted(examples.glob("*.jpg"))[:3]:
        shutil.copy(image, folder / image.name)
    trained_project.run("--pipelines", "day_night_predict", "--params", f"input_dir={folder}")

    table = pd.read_csv(trained_project.path / "data/07_model_output/day_night/predictions.csv")
    assert list(table.columns) == ["file", "p_night", "label"]
    assert sorted(table["file"]) == sorted(p.name for p in folder.iterdir())
    assert table["p_night"].between(0, 1).all()
    assert set(table["label"]) <= {"day", "night"}
    assert (table["label"] == "night").tolist() == (table["p_night"] >= 0.5).tolist()
    (run,) = trained_project.runs("day_night_predict")
    assert run.info.status == "FINISHED"


def test_same_seed_gives_same_results(trained_project: KedroProject, tmp_path: Path) -> None:
    again = make_project_copy(tmp_path / "again")
    again.run("--pipelines", "day_night")
    (first,), (second,) = trained_project.runs("day_night"), again.runs("day_night")
    for name in TEST_METRICS:
        assert first.data.metrics[name] == second.data.metrics[name], name
    first_history = json.loads(
        (trained_project.path / "data/08_reporting/day_night/history.json").read_text()
    )
    second_history = json.loads(
        (again.path / "data/08_reporting/day_night/history.json").read_text()
    )
    assert first_history == second_history


# ---------------------------------------------------------------------------- bad input
def test_corrupt_image_fails_the_run_naming_the_file(project: KedroProject) -> None:
    day = project.path / "data/01_raw/day_night/day"
    night = project.path / "data/01_raw/day_night/night"
    examples = project.path / "data/01_raw/day_night/predict"
    shutil.copy(examples / "rocket_day.jpg", day / "good.jpg")
    shutil.copy(examples / "rocket_night.jpg", night / "good.jpg")
    (night / "broken.jpg").write_bytes(b"\xff\xd8 this is not a JPEG")

    result = project.run("--pipelines", "day_night", check=False)
    project.assert_failed_cleanly(result, "day_night", "broken.jpg", "Replace it")
    assert project.outputs() == []


def test_empty_class_folder_fails_the_run_naming_the_folder(project: KedroProject) -> None:
    day = project.path / "data/01_raw/day_night/day"
    shutil.copy(project.path / "data/01_raw/day_night/predict/rocket_day.jpg", day / "a.jpg")

    result = project.run("--pipelines", "day_night", check=False)
    project.assert_failed_cleanly(result, "day_night", "day_night/night", "hold no images")
    assert project.outputs() == []


def test_empty_predict_folder_fails_the_run(trained_project: KedroProject, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    predictions = trained_project.path / "data/07_model_output/day_night/predictions.csv"
    before = predictions.read_bytes() if predictions.exists() else None

    result = trained_project.run(
        "--pipelines", "day_night_predict", "--params", f"input_dir={empty}", check=False
    )
    assert result.returncode != 0
    assert str(empty) in result.stderr and "No .jpg/.jpeg/.png images" in result.stderr
    assert trained_project.runs("day_night_predict")[0].info.status == "FAILED"
    assert (predictions.read_bytes() if predictions.exists() else None) == before
