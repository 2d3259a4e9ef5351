"""Unit tests of the segmentation nodes: scenes, parameters, scores, prediction, training."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from dl_pipelines.pipelines.segmentation import nodes
from dl_pipelines.pipelines.segmentation.params import ModelParams, TrainingParams
from dl_pipelines.pipelines.segmentation.pipeline import create_pipeline
from dl_pipelines.runtime.config import ParameterError, parse
from dl_pipelines.vision.scene_augment import SceneFitParams
from dl_pipelines.vision.scenes import SceneDataParams
from tests.vision.scene_helpers import (
    CLASSES,
    PHOTOS,
    assert_checked_before_the_run,
    base_params,
    data_params,
    scene_splits,
    tiny_training,
)

BASE = base_params("segmentation")
DATA = data_params()
MODEL = {"depth": 2, "width": 4}
TRAINING = tiny_training(dice_weight=1.0)


class MaskModel:
    """A stand-in model whose softmax is one-hot on the given masks."""

    def __init__(self, masks: np.ndarray, n_classes: int) -> None:
        self.masks = np.asarray(masks)
        self.n_classes = n_classes
        self.input_shape = (None, *self.masks.shape[1:], 3)

    def predict(self, images, batch_size=None, verbose=0):
        assert len(images) == len(self.masks)
        return np.eye(self.n_classes, dtype="float32")[self.masks]


@pytest.fixture(scope="module")
def splits():
    return scene_splits(nodes, DATA)


def test_base_parameters_parse() -> None:
    parse(SceneDataParams, BASE["data"], "segmentation.data")
    parse(ModelParams, BASE["model"], "segmentation.model")
    training = parse(TrainingParams, BASE["training"], "segmentation.training")
    assert isinstance(training, SceneFitParams) and training.dice_weight == 1.0


def test_scenes_are_seeded_and_masks_split_with_their_images(splits) -> None:
    a = nodes.make_scenes(None, PHOTOS, DATA, seed=3)
    np.testing.assert_array_equal(a["masks"], nodes.make_scenes(None, PHOTOS, DATA, 3)["masks"])
    assert a["masks"].shape == (30, 32, 32) and a["masks"].max() <= len(CLASSES)
    train, val, test, _ = splits
    assert [len(part["masks"]) for part in (train, val, test)] == [18, 6, 6]
    for part in (train, val, test):
        for name, mask in zip(part["names"], part["masks"], strict=True):
            np.testing.assert_array_equal(mask, a["masks"][list(a["names"]).index(name)])


def test_scores_of_hand_made_masks() -> None:
    truth = np.array([[[0, 0, 1, 1], [0, 0, 2, 2]]])
    predicted = np.array([[[0, 1, 1, 1], [0, 0, 2, 0]]])
    test = {"images": np.zeros((1, 2, 4, 3), dtype=np.uint8), "masks": truth}
    metrics, report, masks = nodes.evaluate_unet(MaskModel(predicted, 4), test, ["a", "b", "c"])
    # IoU: background 3/(4 + 4 − 3), class a 2/3, class b 1/2; class c absent: left out
    assert metrics["seg_miou"]["value"] == pytest.approx((3 / 5 + 2 / 3 + 1 / 2) / 3)
    assert metrics["seg_pixel_accuracy"]["value"] == pytest.approx(6 / 8)
    assert report["iou_per_class"] == {"background": 0.6, "a": 0.6667, "b": 0.5, "c": None}
    assert report["confusion_matrix"]["rows_true_columns_predicted"][0] == [3, 1, 0, 0]
    np.testing.assert_array_equal(masks, predicted)
    plt.close(nodes.plot_overlays(test, masks))


def test_segment_folder_gives_masks_of_each_image_size() -> None:
    half = np.zeros((1, 8, 8), dtype=np.int64)
    half[:, :, 4:] = 2  # left half background, right half class 2
    images = {"wide.jpg": np.full((16, 24, 3), 200, dtype=np.uint8)}
    masks, overlays = nodes.segment_folder(MaskModel(half, 5), images)
    mask = np.asarray(masks["wide"])
    assert mask.shape == (16, 24) and masks["wide"].mode == "L"
    assert (mask[:, :12] == 0).all() and (mask[:, 12:] == 2).all()
    assert overlays["wide"].size == (24, 16)
    with pytest.raises(ValueError, match="holds no image"):
        nodes.segment_folder(MaskModel(half, 5), {})


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("model", {"depth": 7}, r"'segmentation\.model'.*depth must be in 1\.\.6"),
        ("training", {"learning_rate": 0}, r"'segmentation\.training'.*learning_rate"),
        ("training", {"dice_weight": -1.0}, r"'segmentation\.training'.*dice_weight"),
        ("training", {"max_shift_px": -1}, r"'segmentation\.training'.*max_shift_px"),
    ],
)
def test_bad_parameters_are_rejected_naming_the_key(splits, section, change, message) -> None:
    train, val, _, _ = splits
    params = {"model": MODEL, "training": TRAINING}
    params[section] = {**params[section], **change}
    with pytest.raises(ParameterError, match=message):
        nodes.train_unet(train, val, CLASSES, params["model"], params["training"], 0)
    assert_checked_before_the_run(create_pipeline, "segmentation", section, change, message)


def test_training_node_on_tiny_data(splits) -> None:
    train, val, _, _ = splits
    model, history = nodes.train_unet(train, val, CLASSES, MODEL, TRAINING, seed=1)
    assert set(history) == {"loss", "pixel_accuracy", "val_loss", "val_pixel_accuracy"}
    assert len(history["loss"]) == 2
    assert model.output_shape == (None, 32, 32, 5)
    assert {layer.momentum for layer in model.layers if "_bn" in layer.name} == {0.9}
    figures = [nodes.plot_examples(train, count=2), nodes.plot_training(history)]
    assert all(isinstance(figure, Figure) for figure in figures)
    for figure in figures:
        plt.close(figure)
    _registry_gate_passes_an_uncompiled_copy(model, val["images"][:2])


def test_prediction_runs_after_the_registry_gate_on_the_model_it_registers() -> None:
    from dl_pipelines.pipelines.segmentation_predict.pipeline import (
        create_pipeline as create_predict_pipeline,
    )

    (predict,) = create_predict_pipeline().nodes
    assert "segmentation_registered_model" in predict.inputs
    order = [n.name for n in (create_pipeline() + create_predict_pipeline()).nodes]
    assert order.index("segmentation.register_model_node") < order.index(predict.name)


def _registry_gate_passes_an_uncompiled_copy(model, images: np.ndarray) -> None:
    """The gate rejects a low mIoU naming the key; what it passes on predicts the same,
    uncompiled: the training loss, a closure of this project, is not saved with it."""
    report = {"metrics": {"seg_miou": 0.5}}
    with pytest.raises(ValueError, match=r"seg_miou 0.5000 is below segmentation.registry"):
        nodes.gate_for_registry(model, report, 0.51)
    registered = nodes.gate_for_registry(model, report, 0.5)
    assert model.compiled and not registered.compiled
    assert not registered.get_compile_config()
    np.testing.assert_allclose(
        registered.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6
    )
    assert {layer.momentum for layer in registered.layers if "_bn" in layer.name} == {0.9}
