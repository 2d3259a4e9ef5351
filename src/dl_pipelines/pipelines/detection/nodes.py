"""Nodes of ``detection`` and ``detection_predict``: scenes → anchors → train → mAP → boxes.

Each node parses its ``params:`` inputs (``parse(…Params, params, "detection.…")``, read
by :mod:`dl_pipelines.runtime.parameter_check` before the run starts) and hands the typed
parameters to the module that does the work:

* :mod:`dl_pipelines.vision.scenes`: the user's labelled images or the default scenes,
  and the split;
* ``data.py``: the anchors fitted to the training boxes, the YOLO targets, the figure;
* ``training.py``: the YOLO-style network and loss of ``yolo.py``, trained with early
  stopping;
* ``evaluation.py``: mAP on the test split and the detections figure;
* ``inference.py``: the boxes of a batch of images or of a folder;
* ``registry.py``: the registered detector and the spec stored with each version.

The registry gate passes the model and its spec on to ``detection_registered_model``
(the MLflow registry) only if its test mAP@0.5 is good enough; ``detection_predict``
loads that entry.

Keras is imported inside the training code only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.pipelines.detection import data, evaluation, inference, training
from dl_pipelines.pipelines.detection.params import (
    EvaluationParams,
    ModelParams,
    TrainingParams,
)
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking import registry_gate
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.scenes import SceneDataParams, scene_set, split_scene_set


# ------------------------------------------------------------------------------------ data
def make_scenes(
    records: list | None, photos: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> dict[str, np.ndarray]:
    """The user's COCO-style data set resized to the model size, or the default scenes."""
    config = parse(SceneDataParams, params, "detection.data")
    return scene_set(records, photos, config, seed, "detection")


def split_scenes(
    scenes: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict]:
    """Seeded train/val/test split and a report of the sizes."""
    config = parse(SceneDataParams, params, "detection.data")
    return split_scene_set(scenes, config.split, seed)


def plot_examples(train: dict[str, np.ndarray], classes: list[str], count: int = 16) -> Figure:
    """Training scenes with their ground-truth boxes."""
    return data.examples_figure(train, classes, count)


def fit_anchors(
    train: dict[str, np.ndarray], model_params: dict[str, Any], classes: list[str], seed: int
) -> dict[str, Any]:
    """Anchor shapes by k-means (1 − IoU) on the training boxes, with what decoding needs
    (the ``spec`` saved with the model)."""
    arch = parse(ModelParams, model_params, "detection.model")
    return data.anchor_spec(train, arch, classes, seed)


# -------------------------------------------------------------------------------- training
def train_detector(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    spec: dict[str, Any],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the YOLO-style detector with the YOLO loss (early stopping on ``val_loss``).

    Returns:
        The model and its history (``loss`` and ``val_loss`` per epoch).
    """
    arch = parse(ModelParams, model_params, "detection.model")
    config = parse(TrainingParams, training_params, "detection.training")
    return training.train_detector(train, val, spec, arch, config, seed)


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation YOLO loss per epoch."""
    return plotting.training_curves(history, title="detection training")


# ------------------------------------------------------------------------------ evaluation
def evaluate_detector(
    model: Any, test: dict[str, np.ndarray], spec: dict[str, Any], params: dict[str, Any]
) -> tuple[dict, dict[str, Any], list]:
    """mAP@0.5 (``det_map50``) and mAP@[.5:.95] (``det_map``) on the test split.

    Returns:
        The MLflow metrics, a JSON report and the test detections above the score
        threshold.
    """
    config = parse(EvaluationParams, params, "detection.evaluation")
    figures, report, shown = evaluation.evaluate_detector(model, test, spec, config)
    return as_mlflow_metrics(figures), report, shown


def plot_detections(
    test: dict[str, np.ndarray], predictions: list, spec: dict[str, Any], params: dict[str, Any]
) -> Figure:
    """Test scenes with the predicted boxes (class and score) above the score threshold."""
    config = parse(EvaluationParams, params, "detection.evaluation")
    return evaluation.detections_figure(test, predictions, spec, config)


def gate_for_registry(
    model: Any, spec: dict[str, Any], report: dict[str, Any], min_test_det_map50: float
) -> dict[str, Any]:
    """The detector to register — an uncompiled copy and the spec that decodes it — only
    if its test mAP@0.5 is good enough.

    The copy (:func:`~dl_pipelines.nn.copies.uncompiled_copy`) holds Keras layers only:
    the YOLO loss is a closure of this project, and without it the model loads without
    this project's code.
    The spec is stored in the registered version's metadata (``model_metadata`` of
    ``detection_registered_model``), so each version is decoded with its own.

    Raises:
        ValueError: when ``det_map50`` is below ``min_test_det_map50`` (the run then
            fails, and no new version is registered).
    """
    from dl_pipelines.nn.copies import uncompiled_copy

    registry_gate.require(
        "det_map50",
        report["metrics"]["det_map50"],
        min_test_det_map50,
        "detection.registry.min_test_det_map50",
        hint="Inspect the run's predictions plot, or lower the threshold in "
        "parameters_detection.yml.",
    )
    return {"model": uncompiled_copy(model), "detection_spec": spec}


# ------------------------------------------------------------------------------ prediction
def detect_folder(
    detector: dict[str, Any], images: dict[str, np.ndarray], params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Detect objects in every image of a folder (``detection_predict``) with a
    registered detector: ``{"model", "detection_spec"}``, the spec stored with that
    version.

    Returns:
        ``boxes.csv`` rows ``file, class, score, x_min, y_min, x_max, y_max`` in the
        pixels of the original image, and ``{name: annotated PNG}`` pictures.
    """
    config = parse(EvaluationParams, params, "detection.evaluation")
    return inference.detect_folder(detector["model"], detector["detection_spec"], images, config)
