"""End to end: ``kedro run --pipelines localization``."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.datasets import NpzDataset
from dl_pipelines.vision.boxes import iou
from tests.conftest import KedroProject, make_project_copy

pytestmark = pytest.mark.e2e

METRICS = ("loc_mean_iou", "loc_class_accuracy", "landmark_mean_error_px", "loc_pc_accuracy")


@pytest.fixture(scope="module")
def localization_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    project = make_project_copy(tmp_path_factory.mktemp("localization") / "project")
    project.run("--pipelines", "localization")
    return project


def test_training_run_is_tracked_and_beats_the_mean_box(localization_project: KedroProject) -> None:
    (run,) = localization_project.runs("localization")
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    assert set(METRICS) <= set(metrics)
    client = localization_project.client()
    losses = [m.value for m in client.get_metric_history(run.info.run_id, "train_loss")]
    assert losses[-1] < losses[0]
    folder = localization_project.path / "data/05_model_input/localization"
    train = NpzDataset(str(folder / "train.npz")).load()
    test = NpzDataset(str(folder / "test.npz")).load()
    # trivial baselines: the mean training box and the most frequent class, for every image
    baseline_iou = float(np.mean(iou(train["boxes"].mean(axis=0), test["boxes"])))
    majority = np.bincount(train["box_classes"]).argmax()
    assert metrics["loc_mean_iou"] > baseline_iou + 0.05
    assert metrics["loc_class_accuracy"] > np.mean(test["box_classes"] == majority)
    assert metrics["landmark_mean_error_px"] > 0
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {"plots/examples.png", "plots/predictions.png"} <= artifacts
