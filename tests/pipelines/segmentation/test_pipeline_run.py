"""End to end: ``kedro run`` of segmentation and segmentation_predict."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dl_pipelines.datasets import NpzDataset
from tests.conftest import KedroProject

pytestmark = pytest.mark.e2e


def test_training_run_is_tracked_and_beats_all_background(
    segmentation_project: KedroProject,
) -> None:
    (run,) = segmentation_project.runs("segmentation")
    assert run.info.status == "FINISHED"
    assert run.data.params["segmentation.model.depth"] == "2"
    metrics = run.data.metrics
    client = segmentation_project.client()
    losses = [m.value for m in client.get_metric_history(run.info.run_id, "train_loss")]
    assert losses[-1] < losses[0]
    test = NpzDataset(
        str(segmentation_project.path / "data/05_model_input/segmentation/test.npz")
    ).load()
    background = float(np.mean(test["masks"] == 0))
    # "everything is background": accuracy = its share, mIoU = that share / 5 classes
    assert metrics["seg_pixel_accuracy"] > background + 0.03
    assert metrics["seg_miou"] > background / 5 + 0.1
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {"plots/examples.png", "plots/training_curves.png", "plots/overlays.png"} <= artifacts
    report = json.loads(
        (segmentation_project.path / "data/08_reporting/segmentation/test_metrics.json").read_text()
    )
    matrix = np.asarray(report["confusion_matrix"]["rows_true_columns_predicted"])
    assert matrix.sum() == test["masks"].size


def test_predict_pipeline_writes_masks_of_the_image_size(
    segmentation_project: KedroProject, tmp_path: Path
) -> None:
    test = NpzDataset(
        str(segmentation_project.path / "data/05_model_input/segmentation/test.npz")
    ).load()
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(test["images"][0]).resize((50, 40)).save(folder / "one.png")
    Image.fromarray(test["images"][1]).save(folder / "two.jpg")
    segmentation_project.run(
        "--pipelines", "segmentation_predict", "--params", f"input_dir={folder}"
    )
    output = segmentation_project.path / "data/07_model_output/segmentation"
    with Image.open(output / "masks/one.png") as mask:
        assert mask.mode == "L" and mask.size == (50, 40)
        assert np.asarray(mask).max() <= 4
    assert (output / "masks/two.png").is_file() and (output / "overlays/two.png").is_file()


def test_mask_of_the_wrong_size_fails_the_run_naming_the_file(project: KedroProject) -> None:
    raw = project.path / "data/01_raw/segmentation"
    (raw / "images").mkdir(parents=True)
    (raw / "masks").mkdir()
    Image.fromarray(np.zeros((32, 32, 3), dtype=np.uint8)).save(raw / "images/s1.png")
    Image.fromarray(np.zeros((16, 32), dtype=np.uint8)).save(raw / "masks/s1.png")
    result = project.run("--pipelines", "segmentation", check=False)
    assert result.returncode != 0
    assert "s1.png" in result.stderr and "masks must have the image's size" in result.stderr
    assert project.runs("segmentation")[0].info.status == "FAILED"
    assert project.outputs() == []
