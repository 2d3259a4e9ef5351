"""Scoring the test split: metrics at the threshold, the report and its figures."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn import metrics as skm

from dl_pipelines.pipelines.day_night.inference import predict_probabilities
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting

logger = logging.getLogger(__name__)


def score_test_set(
    model: Any, test: dict[str, np.ndarray], threshold: float, classes: list[str]
) -> tuple[dict[str, float], dict[str, Any], dict[str, np.ndarray]]:
    """Accuracy, precision, recall, F1 (night = positive), ROC AUC and log loss.

    Returns:
        The figures (``test_*``), a JSON report with the confusion matrix and the
        misclassified names, and the predictions (``p_night``, ``predicted``).
    """
    y_true = test["labels"]
    p_night = predict_probabilities(model, test["images"])
    y_pred = (p_night >= threshold).astype(np.int64)
    figures = {
        "test_accuracy": skm.accuracy_score(y_true, y_pred),
        "test_precision": skm.precision_score(y_true, y_pred, zero_division=0),
        "test_recall": skm.recall_score(y_true, y_pred, zero_division=0),
        "test_f1": skm.f1_score(y_true, y_pred, zero_division=0),
        "test_roc_auc": (
            skm.roc_auc_score(y_true, p_night) if len(set(y_true.tolist())) == 2 else float("nan")
        ),
        "test_loss": float(skm.log_loss(y_true, np.clip(p_night, 1e-7, 1 - 1e-7), labels=[0, 1])),
    }
    figures = {k: float(v) for k, v in figures.items()}
    matrix = skm.confusion_matrix(y_true, y_pred, labels=list(range(len(classes))))
    logger.info("Test: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    report = {
        "metrics": figures,
        "threshold": threshold,
        "n_test": int(len(y_true)),
        "classes": list(classes),
        "confusion_matrix": {"rows_true_columns_predicted": matrix.tolist()},
        "misclassified": [str(n) for n in test["names"][y_pred != y_true]],
    }
    return figures, report, {"p_night": p_night, "predicted": y_pred}


def evaluation_figures(
    test: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    report: dict[str, Any],
    grid_size: int,
    seed: int,
) -> tuple[Figure, Figure, Figure]:
    """Confusion matrix, ROC curve and a grid of ``grid_size`` test predictions.

    The grid shows the mistakes first (up to half of it, in red), then random right
    answers (green).
    """
    classes = report["classes"]
    matrix = np.asarray(report["confusion_matrix"]["rows_true_columns_predicted"])
    confusion = plotting.confusion_matrix_figure(matrix, classes, "day_night test set")

    y_true, p_night = test["labels"], predictions["p_night"]
    if len(set(y_true.tolist())) == 2:
        fpr, tpr, _ = skm.roc_curve(y_true, p_night)
    else:
        fpr, tpr = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    roc = plotting.roc_curve_figure(
        fpr, tpr, report["metrics"]["test_roc_auc"], "day_night test ROC"
    )

    wrong = np.flatnonzero(predictions["predicted"] != y_true)
    right = np.flatnonzero(predictions["predicted"] == y_true)
    generator = rng(seed, "prediction_grid")
    n_wrong = min(len(wrong), grid_size // 2)
    chosen = np.concatenate(
        [
            wrong[:n_wrong],
            generator.choice(right, min(len(right), grid_size - n_wrong), replace=False),
        ]
    ).astype(np.int64)
    captions = [f"{classes[predictions['predicted'][i]]} p={p_night[i]:.2f}" for i in chosen]
    colours = [
        "tab:red" if predictions["predicted"][i] != y_true[i] else "tab:green" for i in chosen
    ]
    grid = plotting.image_grid(
        test["images"][chosen],
        captions,
        colours,
        title="Test predictions (p = p(night); red = wrong)",
    )
    return confusion, roc, grid
