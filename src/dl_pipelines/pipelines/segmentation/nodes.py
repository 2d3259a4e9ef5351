"""Nodes of ``segmentation`` and ``segmentation_predict``: scenes → U-Net → mIoU → masks.

Each node parses its ``params:`` inputs (``parse(…Params, params, "segmentation.…")``,
read by :mod:`dl_pipelines.runtime.parameter_check` before the run starts) and hands the
typed parameters to the module that does the work:

* :mod:`dl_pipelines.vision.scenes`: the user's labelled images or the default scenes,
  and the split;
* ``data.py``: the figure of the training scenes and their masks;
* ``training.py``: the U-Net and loss of ``unet.py``, trained with early stopping;
* ``evaluation.py``: mean IoU and pixel accuracy on the test split, the overlays figure;
* ``inference.py``: the masks of a batch of images or of a folder.

The registry gate passes the model on to ``segmentation_registered_model`` (the MLflow
registry) only if its test mIoU is good enough; ``segmentation_predict`` loads that entry.

Keras is imported inside the training code only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.segmentation import data, evaluation, inference, training
from dl_pipelines.pipelines.segmentation.params import ModelParams, TrainingParams
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking import registry_gate
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.scenes import SceneDataParams, scene_set, split_scene_set


# ------------------------------------------------------------------------------------ data
def make_scenes(
    records: list | None, photos: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> dict[str, np.ndarray]:
    """The user's image + mask pairs resized to the model size, or the default scenes."""
    config = parse(SceneDataParams, params, "segmentation.data")
    return scene_set(records, photos, config, seed, "segmentation")


def split_scenes(
    scenes: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict]:
    """Seeded train/val/test split and a report of the sizes."""
    config = parse(SceneDataParams, params, "segmentation.data")
    return split_scene_set(scenes, config.split, seed)


def plot_examples(train: dict[str, np.ndarray], count: int = 8) -> Figure:
    """Training scenes next to their class masks."""
    return data.examples_figure(train, count)


# -------------------------------------------------------------------------------- training
def train_unet(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    classes: list[str],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the U-Net with cross-entropy + Dice (early stopping on ``val_loss``).

    Returns:
        The model and its history (``loss``, ``pixel_accuracy`` and their ``val_``).
    """
    arch = parse(ModelParams, model_params, "segmentation.model")
    config = parse(TrainingParams, training_params, "segmentation.training")
    return training.train_unet(train, val, classes, arch, config, seed)


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation loss and pixel accuracy per epoch."""
    return plotting.training_curves(history, title="segmentation training")


# ------------------------------------------------------------------------------ evaluation
def evaluate_unet(
    model: Any, test: dict[str, np.ndarray], classes: list[str]
) -> tuple[dict, dict[str, Any], np.ndarray]:
    """``seg_miou`` (mean IoU over background + classes) and ``seg_pixel_accuracy``.

    Returns:
        The MLflow metrics, a JSON report and the predicted test masks.
    """
    figures, report, predicted = evaluation.evaluate_unet(model, test, classes)
    return as_mlflow_metrics(figures), report, predicted


def plot_overlays(test: dict[str, np.ndarray], predicted: np.ndarray, count: int = 12) -> Figure:
    """Test scenes: the image, the true mask overlaid, the predicted mask overlaid."""
    return evaluation.overlays_figure(test, predicted, count)


def gate_for_registry(model: Any, report: dict[str, Any], min_test_seg_miou: float) -> Any:
    """The model to register, only if its test mIoU is good enough.

    The registered copy is uncompiled (:func:`~dl_pipelines.nn.copies.uncompiled_copy`):
    the training loss is a closure of this project, and without it the model loads — and
    ``mlflow models serve`` serves it — without this project's code.

    Raises:
        ValueError: when ``seg_miou`` is below ``min_test_seg_miou`` (the run then fails,
            and no new version is registered).
    """
    from dl_pipelines.nn.copies import uncompiled_copy

    registry_gate.require(
        "seg_miou",
        report["metrics"]["seg_miou"],
        min_test_seg_miou,
        "segmentation.registry.min_test_seg_miou",
        hint="Inspect the run's overlays plot, or lower the threshold in "
        "parameters_segmentation.yml.",
    )
    return uncompiled_copy(model)


# ------------------------------------------------------------------------------ prediction
def segment_folder(model: Any, images: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Mask every image of a folder (``segmentation_predict``) with the registered U-Net.

    Returns:
        ``{name: mask PNG}`` (8-bit grey, the class index per pixel, at the image's own
        size) and ``{name: overlay PNG}``.
    """
    return inference.segment_folder(model, images)
