"""Nodes of ``day_night`` and ``day_night_predict``: data → split → train → evaluate → register.

Each node parses its ``params:`` inputs (``parse(…Params, params, "day_night.…")``, read
by :mod:`dl_pipelines.runtime.parameter_check` before the run starts) and hands the typed
parameters to the module that does the work:

* ``data.py``: the user's class folders or the offline default set, the split;
* ``training.py``: the shallow CNN of ``model.py``, trained with early stopping;
* ``evaluation.py``: test metrics and figures; ``heldout.py``: the held-out set;
* ``inference.py``: p(night) of a batch of images or of a folder.

Keras is imported inside the training code only, so that listing or drawing the
pipelines does not pay for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.pipelines.day_night import data, evaluation, inference, training
from dl_pipelines.pipelines.day_night.heldout import (
    draw_heldout_set,
    heldout_figure,
    score_heldout,
)
from dl_pipelines.pipelines.day_night.params import (
    DataParams,
    EvaluationParams,
    HeldoutParams,
    ModelParams,
    TrainingParams,
)
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking import registry_gate
from dl_pipelines.tracking.runs import as_mlflow_metrics


# ------------------------------------------------------------------------------------ data
def assemble_images(
    raw_images: dict[str, np.ndarray],
    sample_photos: dict[str, np.ndarray],
    params: dict[str, Any],
    seed: int,
    held_out: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """Resize the user's class folders to the model size, or make the default set.

    Args:
        raw_images: ``{"<class>/<file>": image}`` from ``data/01_raw/day_night``.
        sample_photos: Real photographs shipped with installed packages; used only when
            ``raw_images`` is empty.
        params: ``day_night.data``.
        seed: The run's seed.
        held_out: ``day_night.heldout.photos``: photos kept for the held-out evaluation,
            left out of the training pool should ``sample_photos`` hold one.

    Returns:
        ``images`` (n, h, w, 3) uint8, ``labels`` (n,) 0 = day / 1 = night, ``groups``
        (n,) the source of every image (photos never straddle splits) and ``names``.
    """
    config = parse(DataParams, params, "day_night.data")
    if raw_images:
        return data.from_class_folders(raw_images, config)
    return data.default_set(data.training_photos(sample_photos, held_out), config, seed)


def split_images(
    images: dict[str, np.ndarray], fractions: dict[str, float], seed: int, classes: list[str]
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Stratified train/val/test split by source (no photo feeds two splits).

    Returns:
        The three splits (same keys as ``images``) and a report of the class balance.

    Raises:
        ValueError: when ``fractions`` does not name exactly train, val and test.
    """
    if set(fractions) != {"train", "val", "test"}:
        raise ValueError(f"day_night.split must give train, val and test, got {list(fractions)}")
    parts = data.split_by_source(images, fractions, seed)
    report = data.balance_report(parts, classes)
    return parts["train"], parts["val"], parts["test"], report


def plot_examples(
    train: dict[str, np.ndarray], classes: list[str], seed: int, per_class: int = 8
) -> Figure:
    """A grid of training images: one row of each class."""
    return data.examples_figure(train, classes, seed, per_class)


# -------------------------------------------------------------------------------- training
def train_model(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the shallow CNN with early stopping on the validation loss.

    Every epoch's metrics go to the active MLflow run as ``train_*`` / ``val_*``.

    Returns:
        The trained model (best weights restored) and its history.
    """
    arch = parse(ModelParams, model_params, "day_night.model")
    config = parse(TrainingParams, training_params, "day_night.training")
    return training.train_cnn(train, val, arch, config, seed)


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation curves of every metric."""
    return plotting.training_curves(history, title="day_night training")


# ------------------------------------------------------------------------------ evaluation
def evaluate_model(
    model: Any, test: dict[str, np.ndarray], params: dict[str, Any], classes: list[str]
) -> tuple[dict, dict[str, Any], dict[str, np.ndarray]]:
    """Score the test split: accuracy, precision, recall, F1, ROC AUC, confusion matrix.

    Returns:
        The metrics for MLflow (``test_*``), a JSON report with the confusion matrix, and
        the test predictions (for the figures).
    """
    config = parse(EvaluationParams, params, "day_night.evaluation")
    figures, report, predictions = evaluation.score_test_set(model, test, config.threshold, classes)
    return as_mlflow_metrics(figures), report, predictions


def plot_evaluation(
    test: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    report: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> tuple[Figure, Figure, Figure]:
    """Confusion matrix, ROC curve and a grid of test predictions (red = wrong)."""
    config = parse(EvaluationParams, params, "day_night.evaluation")
    return evaluation.evaluation_figures(test, predictions, report, config.sample_grid_size, seed)


def make_heldout_set(
    photos: dict[str, np.ndarray], params: dict[str, Any], image_size: list[int], classes: list[str]
) -> dict[str, np.ndarray]:
    """Draw the held-out geometric scenes and crop the held-out photos.

    Args:
        photos: ``day_night_heldout_photos``: real photographs training never sees.
        params: ``day_night.heldout``.
        image_size: ``day_night.data.image_size``.
        classes: ``day_night.data.classes``.

    Returns:
        The held-out set (``images``, ``labels``, ``groups``, ``names``); the same for
        every run with the same ``heldout.seed``.
    """
    config = parse(HeldoutParams, params, "day_night.heldout")
    return draw_heldout_set(photos, config, tuple(image_size), classes)


def evaluate_heldout(
    model: Any, heldout: dict[str, np.ndarray], threshold: float, classes: list[str]
) -> tuple[dict, pd.DataFrame, dict[str, Any]]:
    """Score the held-out set: overall, per class and per group accuracy.

    Returns:
        The MLflow metrics (``heldout_accuracy``, ``heldout_accuracy_<class>``,
        ``heldout_accuracy_<group>``, ``heldout_roc_auc``), one row per image and a JSON
        report that names every misclassified image.
    """
    figures, table, report = score_heldout(model, heldout, threshold, classes)
    return as_mlflow_metrics(figures), table, report


def plot_heldout(
    heldout: dict[str, np.ndarray], predictions: pd.DataFrame, params: dict[str, Any]
) -> Figure:
    """A grid of held-out images with p(night): every mistake first, then each group."""
    config = parse(HeldoutParams, params, "day_night.heldout")
    return heldout_figure(heldout, predictions, config)


def gate_for_registry(model: Any, report: dict[str, Any], min_test_accuracy: float) -> Any:
    """Pass the model on to the MLflow registry only if it is good enough.

    Raises:
        ValueError: when ``test_accuracy`` is below ``min_test_accuracy`` (the run then
            fails, and no new version is registered).
    """
    registry_gate.require(
        "test_accuracy",
        report["metrics"]["test_accuracy"],
        min_test_accuracy,
        "day_night.registry.min_test_accuracy",
        hint="Inspect the run's plots, or lower the threshold in parameters_day_night.yml.",
    )
    return model


# ------------------------------------------------------------------------------ prediction
def predict_folder(
    model: Any,
    images: dict[str, np.ndarray],
    image_size: list[int],
    params: dict[str, Any],
    classes: list[str],
) -> pd.DataFrame:
    """Score every image of a folder: columns ``file``, ``p_night``, ``label``.

    Raises:
        ValueError: when the folder holds no image.
    """
    config = parse(EvaluationParams, params, "day_night.evaluation")
    if not images:
        raise ValueError(
            "The predict folder holds no image: pass a folder of JPEG/PNG "
            "files with `--params input_dir=<folder>`."
        )
    return inference.label_images(model, images, tuple(image_size), config.threshold, classes)
