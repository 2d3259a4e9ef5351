"""Scoring the detector on the test split (mAP), and the figure of its detections."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.detection.inference import detect
from dl_pipelines.pipelines.detection.params import EvaluationParams
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.boxes import COCO_IOU_THRESHOLDS, Detections, mean_average_precision
from dl_pipelines.vision.scenes import boxes_of

logger = logging.getLogger(__name__)


def evaluate_detector(
    model: Any, test: dict[str, np.ndarray], spec: dict[str, Any], config: EvaluationParams
) -> tuple[dict[str, float], dict[str, Any], list[Detections]]:
    """mAP@0.5 (``det_map50``) and mAP@[.5:.95] (``det_map``) on the test split.

    Returns:
        The metrics, a JSON report (AP@0.5 per class among others) and the test
        detections scored at least ``config.score_threshold`` (for the figure).
    """
    truths = [Detections(*boxes_of(test, i)) for i in range(len(test["images"]))]
    predictions = detect(
        model, test["images"], spec, config.map_score_threshold, config.nms_iou_threshold
    )
    n_classes = len(spec["classes"])
    figures = {
        "det_map50": mean_average_precision(predictions, truths, n_classes, (0.5,)),
        "det_map": mean_average_precision(predictions, truths, n_classes, COCO_IOU_THRESHOLDS),
    }
    per_class = {
        name: mean_average_precision(
            [
                Detections(
                    p.boxes[p.classes == c], p.classes[p.classes == c], p.scores[p.classes == c]
                )
                for p in predictions
            ],
            [Detections(t.boxes[t.classes == c], t.classes[t.classes == c]) for t in truths],
            n_classes,
            (0.5,),
        )
        for c, name in enumerate(spec["classes"])
    }
    logger.info(
        "Test: det_map50=%.4f det_map=%.4f; AP50 per class %s",
        figures["det_map50"],
        figures["det_map"],
        {k: round(v, 3) for k, v in per_class.items()},
    )
    report = {
        "metrics": figures,
        "ap50_per_class": per_class,
        "n_test": len(truths),
        "n_boxes": int(sum(len(t.classes) for t in truths)),
        "map_score_threshold": config.map_score_threshold,
        "nms_iou_threshold": config.nms_iou_threshold,
    }
    shown = [
        Detections(
            p.boxes[p.scores >= config.score_threshold],
            p.classes[p.scores >= config.score_threshold],
            p.scores[p.scores >= config.score_threshold],
        )
        for p in predictions
    ]
    return figures, report, shown


def detections_figure(
    test: dict[str, np.ndarray],
    predictions: list[Detections],
    spec: dict[str, Any],
    config: EvaluationParams,
) -> Figure:
    """Test scenes with the predicted boxes (class and score) above the score threshold."""
    classes = spec["classes"]
    pictures = [
        plotting.draw_boxes(
            test["images"][i],
            p.boxes,
            [f"{classes[c]} {s:.2f}" for c, s in zip(p.classes, p.scores, strict=True)],
            p.classes,
            scale=3,
        )
        for i, p in enumerate(predictions[: config.sample_grid_size])
    ]
    return plotting.image_grid(
        np.stack(pictures),
        columns=6,
        title=f"Test predictions (score ≥ {config.score_threshold}, after per-class NMS)",
    )
