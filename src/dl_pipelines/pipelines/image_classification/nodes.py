"""Nodes of the ``image_classification`` pipeline: data → split → train the zoo → compare.

The nodes that read ``params:image_classification`` parse it here (``load_config``) and
hand the typed section to the module that does the work: :mod:`.data` (load and split),
:mod:`.training` (one zoo member), :mod:`.evaluation` (test scores and ranking),
:mod:`.plots` (every figure). Nodes without parameters are those modules' functions,
imported here. Keras is imported inside the training and evaluation code only, so
listing or drawing the pipelines does not pay for it. Each zoo member is trained in its
own MLflow run nested under the pipeline's run.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.image_classification import data, plots
from dl_pipelines.pipelines.image_classification import params as cfg
from dl_pipelines.pipelines.image_classification.evaluation import evaluate_models
from dl_pipelines.pipelines.image_classification.plots import (
    plot_comparison,
    plot_examples,
    plot_linear_templates,
    plot_training,
)

logger = logging.getLogger(__name__)

__all__ = [
    "edge_detection",
    "evaluate_models",
    "plot_best",
    "plot_comparison",
    "plot_examples",
    "plot_linear_templates",
    "plot_training",
    "prepare_data",
    "train_models",
]


def prepare_data(
    digits: dict[str, np.ndarray], fashion_mnist: dict[str, Any], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Load the chosen data set and split it: train / stratified validation / test.

    Args:
        digits: scikit-learn's digits (``images`` 8×8 in 0–16, ``labels``, ``class_names``).
        fashion_mnist: Lazy loaders of the four Fashion-MNIST IDX files; called only when
            ``dataset`` is ``fashion_mnist``.
        params: ``image_classification``.
        seed: The run's seed.

    Returns:
        ``train``, ``val``, ``test`` and the data report
        (:func:`~dl_pipelines.pipelines.image_classification.data.split_dataset`).
    """
    config = cfg.load_config(params)
    return data.split_dataset(config.dataset, config.data, digits, fashion_mnist, seed)


def train_models(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    data_report: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train every selected zoo member, each in its own nested MLflow run.

    Returns:
        ``{member: trained model}`` and ``{member: summary}`` (builder, loss, input size,
        parameter count, MACs, train seconds, epochs run, history, MLflow run id).
    """
    from dl_pipelines.pipelines.image_classification.training import train_member

    config = cfg.load_config(params)
    names = cfg.selected_members(config)
    logger.info("Training %d zoo members on %s: %s", len(names), config.dataset, ", ".join(names))
    models, summaries = {}, {}
    for i, name in enumerate(names, start=1):
        logger.info("[%d/%d] %s", i, len(names), name)
        models[name], summaries[name] = train_member(
            name,
            cfg.member(config, name),
            cfg.training(config, name),
            train,
            val,
            len(data_report["class_names"]),
            seed,
        )
    return models, summaries


def plot_best(
    test: dict[str, np.ndarray],
    best_predictions: dict[str, np.ndarray],
    report: dict[str, Any],
    params: dict[str, Any],
) -> tuple[Figure, Figure]:
    """Confusion matrix and a grid of misclassified test images of the best member."""
    config = cfg.load_config(params)
    return plots.best_member_figures(
        test, best_predictions, report, config.evaluation.misclassified_grid
    )


def edge_detection(photos: dict[str, np.ndarray], params: dict[str, Any]) -> Figure:
    """Vertical, horizontal, Sobel and Scharr edges of a real photo (the notes' filters)."""
    config = cfg.load_config(params)
    return plots.edge_detection_figure(photos, config.edge_detection)
