"""Scoring the U-Net on the test split (mean IoU, pixel accuracy), and the overlays figure."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.segmentation.inference import predict_masks
from dl_pipelines.tracking import plots as plotting

logger = logging.getLogger(__name__)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Pixel confusion matrix, rows = true class, columns = predicted."""
    flat = (
        np.asarray(y_true, dtype=np.int64).ravel() * n_classes
        + np.asarray(y_pred, dtype=np.int64).ravel()
    )
    return np.bincount(flat, minlength=n_classes**2).reshape(n_classes, n_classes)


def segmentation_scores(matrix: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Mean IoU over the classes present (in truth or prediction), pixel accuracy, and
    the IoU of each class (NaN where absent). IoU_k = TP / (TP + FP + FN)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - tp
    per_class = np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)
    return float(np.nanmean(per_class)), float(tp.sum() / max(matrix.sum(), 1)), per_class


def evaluate_unet(
    model: Any, test: dict[str, np.ndarray], classes: list[str]
) -> tuple[dict[str, float], dict[str, Any], np.ndarray]:
    """``seg_miou`` (mean IoU over background + classes) and ``seg_pixel_accuracy``.

    Returns:
        The metrics, a JSON report (IoU per class, the confusion matrix) and the
        predicted test masks.
    """
    predicted = predict_masks(model, test["images"])
    names = ["background", *classes]
    matrix = confusion(test["masks"], predicted, len(names))
    miou, accuracy, per_class = segmentation_scores(matrix)
    figures = {"seg_miou": miou, "seg_pixel_accuracy": accuracy}
    iou_per_class = {
        n: (None if np.isnan(v) else round(float(v), 4))
        for n, v in zip(names, per_class, strict=True)
    }
    logger.info(
        "Test: seg_miou=%.4f seg_pixel_accuracy=%.4f; IoU per class %s",
        miou,
        accuracy,
        iou_per_class,
    )
    report = {
        "metrics": figures,
        "iou_per_class": iou_per_class,
        "n_test": len(predicted),
        "confusion_matrix": {"classes": names, "rows_true_columns_predicted": matrix.tolist()},
    }
    return figures, report, predicted


def overlays_figure(test: dict[str, np.ndarray], predicted: np.ndarray, count: int) -> Figure:
    """Test scenes: the image, the true mask overlaid, the predicted mask overlaid."""
    n = min(count, len(predicted))
    pictures = [
        p
        for i in range(n)
        for p in (
            test["images"][i],
            plotting.overlay_mask(test["images"][i], test["masks"][i]),
            plotting.overlay_mask(test["images"][i], predicted[i]),
        )
    ]
    captions = ["image", "truth", "predicted"] * n
    return plotting.image_grid(
        np.stack(pictures), captions, columns=6, title="Test scenes: truth and predicted masks"
    )
