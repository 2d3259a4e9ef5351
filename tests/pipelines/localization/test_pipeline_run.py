"""End to end: ``kedro run --pipelines localization``."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.boxes import iou
from dl_pipelines.datasets import NpzDataset
from tests.conftest import KedroProject, make_project_copy

pytestmark = pytest.mark.e2e

METRICS = ("loc_mean_iou", "loc_class_accuracy", "landmark_mean_error_px", "loc_pc_accuracy")


@pytest.fixture(scope="module")
def localization_project(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    project = make_project_copy(tmp_path_factory.mktemp("localization") / "project")
    project.run("--pipelines", "localization")
    return project


def test_training_run_is_tracked_and_beats_the_mean_box(
        localization_project: KedroProject) -> None:
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


def test_several_objects_per_image_are_rejected(tmp_path) -> None:
    import json

    from PIL import Image

    project = make_project_copy(tmp_path / "project")
    raw = project.path / "data/01_raw/localization"
    (raw / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((32, 32, 3), dtype=np.uint8)).save(raw / "images/two.png")
    (raw / "annotations.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": "two.png"}],
        "categories": [{"id": 1, "name": "ellipse"}],
        "annotations": [{"id": i, "image_id": 1, "category_id": 1, "bbox": [1, 1, 9, 9],
                         "keypoints": [2, 2, 2] * 4} for i in (1, 2)],
    }))
    result = project.run("--pipelines", "localization", check=False)
    assert result.returncode != 0 and "two.png" in result.stderr
    assert "one object" in result.stderr
    assert project.runs("localization")[0].info.status == "FAILED"
