"""Scoring the localiser on the test split, and the figure of its predictions."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.localization.params import EvaluationParams
from dl_pipelines.pipelines.localization.targets import decode_outputs
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.boxes import iou

logger = logging.getLogger(__name__)


def localization_scores(
    test: dict[str, np.ndarray], predictions: dict[str, np.ndarray], p_c_threshold: float
) -> dict[str, float]:
    """The test metrics of decoded ``predictions`` (one row per test image).

    ``loc_mean_iou``, ``loc_class_accuracy``, ``landmark_mean_error_px`` and
    ``loc_iou_above_05`` are over the images with an object (NaN when there is none);
    ``loc_pc_accuracy`` (object / no object at ``p_c_threshold``) over all images.
    """
    has_object = np.zeros(len(predictions["p_c"]), dtype=bool)
    has_object[test["box_image"]] = True
    index = test["box_image"]
    ious = iou(predictions["boxes"][index], test["boxes"])
    errors = np.linalg.norm(predictions["landmarks"][index] - test["keypoints"], axis=-1)
    any_object = len(index) > 0
    nan = float("nan")
    return {
        "loc_mean_iou": float(np.mean(ious)) if any_object else nan,
        "loc_class_accuracy": float(np.mean(predictions["classes"][index] == test["box_classes"]))
        if any_object
        else nan,
        "landmark_mean_error_px": float(np.mean(errors)) if any_object else nan,
        "loc_pc_accuracy": float(np.mean((predictions["p_c"] >= p_c_threshold) == has_object)),
        "loc_iou_above_05": float(np.mean(ious > 0.5)) if any_object else nan,
    }


def evaluate_localizer(
    model: Any, test: dict[str, np.ndarray], classes: list[str], config: EvaluationParams
) -> tuple[dict[str, float], dict[str, Any], dict[str, np.ndarray]]:
    """Predict the test split and score it (:func:`localization_scores`).

    Returns:
        The metrics, a JSON report and the decoded predictions.
    """
    size = tuple(int(v) for v in test["image_size"])
    raw = np.asarray(model.predict(test["images"].astype("float32"), batch_size=128, verbose=0))
    predictions = decode_outputs(raw, size, len(classes))
    figures = localization_scores(test, predictions, config.p_c_threshold)
    logger.info("Test: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    report = {
        "metrics": figures,
        "n_test": int(len(raw)),
        "n_objects": int(len(test["box_image"])),
        "p_c_threshold": config.p_c_threshold,
    }
    return figures, report, predictions


def predictions_figure(
    test: dict[str, np.ndarray],
    predictions: dict[str, np.ndarray],
    classes: list[str],
    config: EvaluationParams,
) -> Figure:
    """Test scenes with the predicted box, class and landmarks (when ``p_c`` ≥ threshold)."""
    pictures, captions = [], []
    for i in range(min(config.sample_grid_size, len(test["images"]))):
        found = predictions["p_c"][i] >= config.p_c_threshold
        label = int(predictions["classes"][i])
        pictures.append(
            plotting.draw_boxes(
                test["images"][i],
                predictions["boxes"][i : i + 1] if found else np.zeros((0, 4)),
                [],
                [label],
                scale=3,
                points=predictions["landmarks"][i : i + 1] if found else None,
            )
        )
        captions.append(
            f"{classes[label]} p_c={predictions['p_c'][i]:.2f}"
            if found
            else f"none p_c={predictions['p_c'][i]:.2f}"
        )
    return plotting.image_grid(
        np.stack(pictures), captions, columns=6, title="Test predictions: box, class, landmarks"
    )
