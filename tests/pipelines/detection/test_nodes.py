"""Unit tests of the detection nodes: scenes, anchors, targets, mAP, prediction, training."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from dl_pipelines.pipelines.detection import nodes
from dl_pipelines.pipelines.detection.data import encode_split
from dl_pipelines.pipelines.detection.params import (
    EvaluationParams,
    ModelParams,
    TrainingParams,
)
from dl_pipelines.pipelines.detection.pipeline import create_pipeline
from dl_pipelines.runtime.config import ParameterError, parse
from dl_pipelines.vision.scene_augment import SceneFitParams
from dl_pipelines.vision.scenes import SceneDataParams
from tests.vision.scene_helpers import (
    CLASSES,
    assert_checked_before_the_run,
    base_params,
    data_params,
    scene_splits,
    tiny_training,
)

BASE = base_params("detection")
DATA = data_params()
MODEL = {"grid": 8, "anchors": 2, "filters": [4, 8], "head_filters": 8}
TRAINING = tiny_training(lambda_coord=5.0, lambda_noobj=0.5)
EVALUATION = {
    "score_threshold": 0.3,
    "nms_iou_threshold": 0.45,
    "map_score_threshold": 0.01,
    "sample_grid_size": 4,
}
ANCHORS = [[8.0, 8.0], [20.0, 10.0], [10.0, 20.0]]  # (h, w)
SPEC = {"anchors_hw": ANCHORS, "grid": 8, "image_size": [64, 64], "classes": CLASSES}


def _packed(boxes: list, classes: list, box_image: list, n_images: int) -> dict:
    return {
        "images": np.zeros((n_images, 64, 64, 3), dtype=np.uint8),
        "image_size": np.array([64, 64]),
        "boxes": np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
        "box_classes": np.asarray(classes, dtype=np.int64),
        "box_image": np.asarray(box_image, dtype=np.int64),
        "keypoints": np.zeros((len(classes), 4, 2), dtype=np.float32),
    }


# one box of each class, in cells of their own, on three images
TEST = _packed(
    [[10, 20, 20, 40], [40, 8, 56, 20], [4, 4, 14, 14], [30, 30, 50, 60]],
    classes=[2, 0, 1, 3],
    box_image=[0, 0, 1, 2],
    n_images=3,
)


class Oracle:
    """A stand-in model whose logits decode to the true boxes of ``TEST``."""

    def __init__(self, blind: bool = False) -> None:
        target, _ = encode_split(TEST, SPEC)
        offsets = np.clip(target[..., 1:3], 1e-6, 1 - 1e-6)
        self.logits = np.zeros_like(target)
        self.logits[..., 0] = np.where((target[..., 0] == 1) & (not blind), 20.0, -20.0)
        self.logits[..., 1:3] = np.log(offsets / (1 - offsets))
        self.logits[..., 3:5] = target[..., 3:5]
        self.logits[..., 5:] = np.where(target[..., 5:] == 1, 20.0, 0.0)

    def predict(self, images, batch_size=None, verbose=0):
        assert len(images) == len(self.logits)
        return self.logits


@pytest.fixture(scope="module")
def splits():
    return scene_splits(nodes, DATA)


def test_base_parameters_parse() -> None:
    parse(SceneDataParams, BASE["data"], "detection.data")
    parse(ModelParams, BASE["model"], "detection.model")
    training = parse(TrainingParams, BASE["training"], "detection.training")
    assert isinstance(training, SceneFitParams) and training.max_shift_px == 8
    parse(EvaluationParams, BASE["evaluation"], "detection.evaluation")


def test_scenes_split_and_anchors_are_seeded(splits) -> None:
    again = scene_splits(nodes, DATA)
    train, val, test, report = splits
    np.testing.assert_array_equal(train["boxes"], again[0]["boxes"])
    assert [report[p]["images"] for p in ("train", "val", "test")] == [18, 6, 6]
    spec = nodes.fit_anchors(train, MODEL, CLASSES, seed=3)
    assert spec == nodes.fit_anchors(train, MODEL, CLASSES, seed=3)
    assert np.asarray(spec["anchors_hw"]).shape == (2, 2)
    assert (spec["grid"], spec["image_size"], spec["classes"]) == (8, [32, 32], CLASSES)


def test_targets_place_hand_placed_boxes_in_their_cell_and_anchor() -> None:
    # centre (15, 30), h 20, w 10: row 30 // 8 = 3, col 15 // 8 = 1, the tall anchor 1;
    # its twin takes the next-best anchor of the same cell; image 1 is empty
    twins = _packed([[10, 20, 20, 40], [10, 20, 20, 40]], [2, 1], [0, 0], 2)
    targets, dropped = encode_split(twins, SPEC)
    assert targets.shape == (2, 8, 8, 3, 9) and dropped == 0
    assert targets[0, 3, 1, 1, 0] == 1 and targets[0, 3, 1, 1, 5:].tolist() == [0, 0, 1, 0]
    assert targets[0, ..., 0].sum() == 2 and targets[1].sum() == 0
    crowd = _packed([[10, 20, 20, 40]] * 4, [0] * 4, [0] * 4, 1)
    assert encode_split(crowd, SPEC)[1] == 1  # three anchors, four boxes: one dropped


def test_map_of_a_perfect_and_of_a_blind_detector() -> None:
    metrics, report, shown = nodes.evaluate_detector(Oracle(), TEST, SPEC, EVALUATION)
    assert metrics["det_map50"]["value"] == pytest.approx(1.0)
    assert metrics["det_map"]["value"] == pytest.approx(1.0)
    assert report["ap50_per_class"] == pytest.approx(dict.fromkeys(CLASSES, 1.0))
    assert (report["n_test"], report["n_boxes"]) == (3, 4)
    assert [len(d.boxes) for d in shown] == [2, 1, 1]
    metrics, _, shown = nodes.evaluate_detector(Oracle(blind=True), TEST, SPEC, EVALUATION)
    assert metrics["det_map50"]["value"] == 0.0 and sum(len(d.boxes) for d in shown) == 0
    plt.close(nodes.plot_detections(TEST, shown, SPEC, EVALUATION))


def test_detect_folder_gives_boxes_in_the_pixels_of_each_file() -> None:
    images = {f"scene{i}.png": np.zeros((128, 128, 3), dtype=np.uint8) for i in range(3)}
    table, pictures = nodes.detect_folder(
        {"model": Oracle(), "detection_spec": SPEC}, images, EVALUATION
    )
    assert list(table.columns) == ["file", "class", "score", "x_min", "y_min", "x_max", "y_max"]
    first = table[table["file"] == "scene0.png"].sort_values("x_min")
    np.testing.assert_allclose(
        first[["x_min", "y_min", "x_max", "y_max"]].to_numpy(), TEST["boxes"][[0, 1]] * 2, atol=0.1
    )
    assert first["class"].tolist() == ["triangle", "ellipse"] and (table["score"] > 0.99).all()
    assert sorted(pictures) == ["scene0", "scene1", "scene2"]
    assert isinstance(pictures["scene0"], Image.Image) and pictures["scene0"].size == (128, 128)
    with pytest.raises(ValueError, match="holds no image"):
        nodes.detect_folder({"model": Oracle(), "detection_spec": SPEC}, {}, EVALUATION)


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("model", {"grid": 0}, r"'detection\.model'.*grid"),
        ("training", {"batch_size": 0}, r"'detection\.training'.*batch_size must be >= 1"),
        ("training", {"lambda_noobj": -0.5}, r"'detection\.training'.*lambda_noobj"),
        ("training", {"augment": "sometimes"}, r"detection\.training\.augment"),
        ("evaluation", {"nms_iou_threshold": 1.0}, r"'detection\.evaluation'.*nms_iou"),
    ],
)
def test_bad_parameters_are_rejected_naming_the_key(splits, section, change, message) -> None:
    train, val, test, _ = splits
    sections = {"model": MODEL, "training": TRAINING, "evaluation": EVALUATION}
    bad = {**sections[section], **change}
    with pytest.raises(ParameterError, match=message):
        if section == "evaluation":
            nodes.evaluate_detector(None, test, SPEC, bad)
        else:
            params = {**sections, section: bad}
            nodes.train_detector(train, val, SPEC, params["model"], params["training"], 0)
    assert_checked_before_the_run(create_pipeline, "detection", section, change, message)


def test_training_node_on_tiny_data(splits) -> None:
    train, val, _, _ = splits
    spec = nodes.fit_anchors(train, MODEL, CLASSES, seed=3)
    model, history = nodes.train_detector(train, val, spec, MODEL, TRAINING, seed=1)
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 2
    assert model.output_shape == (None, 8, 8, 2, 9)
    assert model.get_layer("head_bn").momentum == 0.9
    figures = [nodes.plot_examples(train, CLASSES, count=4), nodes.plot_training(history)]
    assert all(isinstance(figure, Figure) for figure in figures)
    for figure in figures:
        plt.close(figure)
    _registry_gate_passes_an_uncompiled_copy_and_its_spec(model, spec, val["images"][:2])


def _registry_gate_passes_an_uncompiled_copy_and_its_spec(model, spec, images) -> None:
    """The gate rejects a low mAP naming the key; it passes on the spec and a copy that
    predicts the same, uncompiled: the YOLO loss, a closure of this project, stays out."""
    report = {"metrics": {"det_map50": 0.5}}
    with pytest.raises(ValueError, match=r"det_map50 0.5000 is below detection.registry"):
        nodes.gate_for_registry(model, spec, report, 0.51)
    registered = nodes.gate_for_registry(model, spec, report, 0.5)
    assert registered["detection_spec"] is spec
    assert model.compiled and not registered["model"].compiled
    np.testing.assert_allclose(
        registered["model"].predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6
    )


def test_prediction_runs_after_the_registry_gate_on_the_detector_it_registers() -> None:
    from dl_pipelines.pipelines.detection_predict.pipeline import (
        create_pipeline as create_predict_pipeline,
    )

    (predict,) = create_predict_pipeline().nodes
    assert "detection_registered_model" in predict.inputs
    assert "detection_spec" not in predict.inputs  # the registered version's own spec
    order = [n.name for n in (create_pipeline() + create_predict_pipeline()).nodes]
    assert order.index("detection.register_model_node") < order.index(predict.name)
