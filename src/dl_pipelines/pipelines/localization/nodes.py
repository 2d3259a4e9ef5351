"""Nodes of ``localization``: one object per image → ``p_c``, box, class and landmarks.

Each node parses its ``params:`` inputs (``parse(…Params, params, "localization.…")``,
read by :mod:`dl_pipelines.runtime.parameter_check` before the run starts) and hands the
typed parameters to the module that does the work:

* ``data.py``: the user's COCO-style set or the default scenes;
* ``targets.py``: the notes' target vector ``y`` of an image, and back;
* ``training.py``: the network and loss of ``model.py``, trained with early stopping;
* ``evaluation.py``: test metrics and the predictions figure.

Keras is imported inside the training code only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.localization import data, evaluation, training
from dl_pipelines.pipelines.localization.params import (
    EvaluationParams,
    ModelParams,
    TrainingParams,
)
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.scenes import SceneDataParams, split_scene_set


# ------------------------------------------------------------------------------------ data
def make_scenes(
    records: list | None, photos: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> dict[str, np.ndarray]:
    """The user's COCO-style set (one object or none per image, 4 keypoints each),
    resized, or the default single-shape scenes."""
    config = parse(SceneDataParams, params, "localization.data")
    return data.localization_scenes(records, photos, config, seed)


def split_scenes(
    scenes: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict]:
    """Seeded train/val/test split and a report of the sizes."""
    config = parse(SceneDataParams, params, "localization.data")
    return split_scene_set(scenes, config.split, seed)


def plot_examples(train: dict[str, np.ndarray], classes: list[str], count: int = 16) -> Figure:
    """Training scenes with box and landmarks (empty scenes have none)."""
    return data.examples_figure(train, classes, count)


# -------------------------------------------------------------------------------- training
def train_localizer(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    classes: list[str],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict]:
    """Train the localiser with the composite loss (early stopping on ``val_loss``).

    Returns:
        The model and its history (``loss`` and ``val_loss`` per epoch).
    """
    arch = parse(ModelParams, model_params, "localization.model")
    config = parse(TrainingParams, training_params, "localization.training")
    return training.train_localizer(train, val, classes, arch, config, seed)


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation loss per epoch."""
    return plotting.training_curves(history, title="localization training")


# ------------------------------------------------------------------------------ evaluation
def evaluate_localizer(
    model: Any, test: dict[str, np.ndarray], classes: list[str], params: dict[str, Any]
) -> tuple[dict, dict[str, Any], dict]:
    """``loc_mean_iou``, ``loc_class_accuracy``, ``landmark_mean_error_px`` (over images
    with an object) and ``loc_pc_accuracy`` (object / no object, over all images).

    Returns:
        The MLflow metrics, a JSON report and the decoded test predictions.
    """
    config = parse(EvaluationParams, params, "localization.evaluation")
    figures, report, predictions = evaluation.evaluate_localizer(model, test, classes, config)
    return as_mlflow_metrics(figures), report, predictions


def plot_predictions(
    test: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    classes: list[str],
    params: dict[str, Any],
) -> Figure:
    """Test scenes with the predicted box, class and landmarks (when ``p_c`` ≥ threshold)."""
    config = parse(EvaluationParams, params, "localization.evaluation")
    return evaluation.predictions_figure(test, predictions, classes, config)
