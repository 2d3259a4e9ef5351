"""End to end: ``kedro run --pipelines image_classification`` in a project copy."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import KedroProject

pytestmark = pytest.mark.e2e

REPORTING = "data/08_reporting/image_classification"
MEMBERS = ["softmax_linear", "svm_linear", "mlp_2layer"]  # conf/test


def test_run_is_tracked_with_one_nested_run_per_member(classification_project):
    (run,) = classification_project.runs("image_classification")
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    for member in MEMBERS:
        assert 0.0 <= metrics[f"{member}.test_accuracy"] <= 1.0
        assert metrics[f"{member}.params_count"] > 0
    assert metrics["test_accuracy"] == max(metrics[f"{m}.test_accuracy"] for m in MEMBERS)
    assert run.data.params["image_classification.dataset"] == "digits"

    client = classification_project.client()
    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run.info.run_id}'"
    )
    assert sorted(child.info.run_name for child in children) == sorted(MEMBERS)
    for child in children:
        assert child.info.status == "FINISHED"
        assert child.data.metrics["test_accuracy"] == pytest.approx(
            metrics[f"{child.info.run_name}.test_accuracy"]
        )
        assert child.data.metrics["params_count"] == metrics[f"{child.info.run_name}.params_count"]
        history = client.get_metric_history(child.info.run_id, "val_accuracy")
        assert [m.step for m in history] == list(range(len(history))) and history
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {
        "plots/accuracy_vs_params.png",
        "plots/confusion_matrix.png",
        "plots/linear_templates.png",
        "plots/misclassified.png",
        "plots/edge_detection.png",
    } <= artifacts
    reports = {a.path for a in client.list_artifacts(run.info.run_id, "reports")}
    assert "reports/comparison.csv" in reports


def test_comparison_table_and_learning(classification_project):
    table = pd.read_csv(classification_project.path / REPORTING / "comparison.csv")
    assert list(table.columns) == [
        "model",
        "builder",
        "loss",
        "input",
        "params",
        "macs",
        "test_accuracy",
        "train_seconds",
        "epochs",
    ]
    assert sorted(table["model"]) == sorted(MEMBERS)
    assert table["test_accuracy"].is_monotonic_decreasing
    assert table.set_index("model").loc["softmax_linear", "params"] == 650
    # a few epochs on real digits beat chance (0.1) by far
    assert table["test_accuracy"].max() > 0.6
    training = json.loads((classification_project.path / REPORTING / "training.json").read_text())
    for member in MEMBERS:
        losses = training[member]["history"]["loss"]
        assert losses[-1] < losses[0], member


def test_reports_models_and_splits(classification_project):
    root = classification_project.path
    report = json.loads((root / REPORTING / "test_report.json").read_text())
    matrix = np.array(report["best_confusion_matrix"]["rows_true_columns_predicted"])
    assert matrix.sum() == report["n_test"] == 360  # 20 % of the 1,797 digits
    data = json.loads((root / REPORTING / "data_report.json").read_text())
    assert data["train"]["images"] + data["val"]["images"] + data["test"]["images"] == 1797
    assert data["class_names"] == [str(d) for d in range(10)]
    models = sorted(p.stem for p in (root / "data/06_models/image_classification").iterdir())
    assert models == sorted(MEMBERS)
    for name in (
        "examples",
        "training_curves",
        "accuracy_vs_params",
        "confusion_matrix",
        "misclassified",
        "linear_templates",
        "edge_detection",
    ):
        assert (root / REPORTING / f"{name}.png").stat().st_size > 2000, name


def _use(project: KedroProject, **overrides) -> None:
    path = project.path / "conf/test/parameters_image_classification.yml"
    params = yaml.safe_load(path.read_text())
    params["image_classification"].update(overrides)
    path.write_text(yaml.safe_dump(params))


def test_missing_fashion_mnist_files_fail_with_the_fix(project):
    _use(project, dataset="fashion_mnist")
    result = project.run("--pipelines", "image_classification", check=False)
    assert result.returncode != 0
    assert "data/01_raw/fashion_mnist" in result.stderr
    assert "dataset-fashion-mnist" in result.stderr
    # only the independent edge-detection report may have finished before the data node
    written = {p.name for p in project.outputs() if "image_classification" in str(p)}
    assert written <= {"edge_detection.png"}
    (run,) = project.runs("image_classification")
    assert run.info.status == "FAILED"
