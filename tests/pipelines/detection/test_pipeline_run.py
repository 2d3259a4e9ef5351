"""End to end: ``kedro run`` of detection and detection_predict, tracked in MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dl_pipelines.datasets import NpzDataset
from dl_pipelines.vision.boxes import Detections, mean_average_precision
from dl_pipelines.vision.scenes import boxes_of
from tests.conftest import KedroProject

pytestmark = pytest.mark.e2e


def test_training_run_is_tracked_and_beats_a_trivial_detector(
    detection_project: KedroProject,
) -> None:
    (run,) = detection_project.runs("detection")
    assert run.info.status == "FINISHED"
    assert run.data.params["detection.model.grid"] == "8"
    metrics = run.data.metrics
    assert 0 <= metrics["det_map"] <= metrics["det_map50"] <= 1
    client = detection_project.client()
    losses = [m.value for m in client.get_metric_history(run.info.run_id, "train_loss")]
    assert len(losses) >= 2 and losses[-1] < losses[0]
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {"plots/examples.png", "plots/training_curves.png", "plots/predictions.png"} <= artifacts
    assert {a.path for a in client.list_artifacts(run.info.run_id, "model")} == {"model/spec.json"}

    # trivial baseline: every class, with score 1, at the mean training box, in every image
    data = detection_project.path / "data/05_model_input/detection"
    train = NpzDataset(str(data / "train.npz")).load()
    test = NpzDataset(str(data / "test.npz")).load()
    mean_box = train["boxes"].mean(axis=0)
    truths = [Detections(*boxes_of(test, i)) for i in range(len(test["images"]))]
    guesses = [Detections(np.tile(mean_box, (4, 1)), np.arange(4), np.ones(4)) for _ in truths]
    baseline = mean_average_precision(guesses, truths, 4)
    assert metrics["det_map50"] > baseline + 0.05


def test_anchors_and_reports(detection_project: KedroProject) -> None:
    spec = json.loads((detection_project.path / "data/06_models/detection/spec.json").read_text())
    assert np.asarray(spec["anchors_hw"]).shape == (3, 2)
    assert spec["grid"] == 8 and spec["image_size"] == [64, 64]
    report = json.loads(
        (detection_project.path / "data/08_reporting/detection/test_metrics.json").read_text()
    )
    assert set(report["ap50_per_class"]) == {"ellipse", "rectangle", "triangle", "cross"}


def test_predict_pipeline_writes_boxes_and_pictures(
    detection_project: KedroProject, tmp_path: Path
) -> None:
    test = NpzDataset(str(detection_project.path / "data/05_model_input/detection/test.npz")).load()
    folder = tmp_path / "new images"
    folder.mkdir()
    for i in range(3):  # at twice the size: boxes must come back in the file's pixels
        Image.fromarray(test["images"][i]).resize((128, 128)).save(folder / f"scene{i}.png")
    detection_project.run("--pipelines", "detection_predict", "--params", f"input_dir={folder}")
    output = detection_project.path / "data/07_model_output/detection"
    table = pd.read_csv(output / "boxes.csv")
    assert list(table.columns) == ["file", "class", "score", "x_min", "y_min", "x_max", "y_max"]
    assert set(table["file"]) <= {f"scene{i}.png" for i in range(3)}
    assert table["score"].between(0.3, 1).all()
    assert (table["x_max"] <= 128).all() and (table["x_min"] >= 0).all()
    assert sorted(p.name for p in (output / "annotated").glob("*.png")) == [
        "scene0.png",
        "scene1.png",
        "scene2.png",
    ]
    (run,) = detection_project.runs("detection_predict")
    assert run.info.status == "FINISHED"


def test_box_outside_its_image_fails_the_run_naming_the_file(project: KedroProject) -> None:
    raw = project.path / "data/01_raw/detection"
    (raw / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((40, 50, 3), dtype=np.uint8)).save(raw / "images/a.png")
    (raw / "annotations.json").write_text(
        json.dumps(
            {
                "images": [{"id": 1, "file_name": "a.png", "width": 50, "height": 40}],
                "categories": [{"id": 1, "name": "rectangle"}],
                "annotations": [
                    {"id": 9, "image_id": 1, "category_id": 1, "bbox": [30, 10, 30, 10]}
                ],
            }
        )
    )
    result = project.run("--pipelines", "detection", check=False)
    assert result.returncode != 0
    assert "a.png" in result.stderr and "outside" in result.stderr
    (run,) = project.runs("detection")
    assert run.info.status == "FAILED"
    assert project.outputs() == []
