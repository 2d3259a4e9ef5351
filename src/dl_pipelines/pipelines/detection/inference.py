"""Detection with a trained model: a batch of model-size images, or a folder of any size."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from dl_pipelines.pipelines.detection.params import EvaluationParams
from dl_pipelines.pipelines.detection.yolo import decode
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.boxes import Detections, nms_per_class
from dl_pipelines.vision.images import resize

logger = logging.getLogger(__name__)


def detect(
    model: Any,
    images: np.ndarray,
    spec: dict[str, Any],
    score_threshold: float,
    nms_iou_threshold: float,
) -> list[Detections]:
    """Boxes of a batch of model-size images: decode, drop low scores, per-class NMS."""
    if len(images) == 0:
        return []
    raw = np.asarray(model.predict(np.asarray(images, dtype="float32"), batch_size=128, verbose=0))
    anchors = np.asarray(spec["anchors_hw"])
    results = []
    for output in raw:
        boxes, scores, classes = decode(output, tuple(spec["image_size"]), anchors)
        keep = scores >= score_threshold
        boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
        kept = nms_per_class(boxes, scores, classes, nms_iou_threshold)
        results.append(Detections(boxes[kept], classes[kept], scores[kept]))
    return results


def detect_folder(
    model: Any, spec: dict[str, Any], images: dict[str, np.ndarray], config: EvaluationParams
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Detect objects in every image of a folder.

    Returns:
        ``boxes.csv`` rows ``file, class, score, x_min, y_min, x_max, y_max`` in the
        pixels of the original image, and ``{name: annotated PNG}`` pictures.
    """
    from PIL import Image

    if not images:
        raise ValueError(
            "The predict folder holds no image: pass a folder of JPEG/PNG "
            "files with `--params input_dir=<folder>`."
        )
    size = tuple(spec["image_size"])
    files = list(images)
    batch = np.stack([resize(images[f], size) for f in files])
    found = detect(model, batch, spec, config.score_threshold, config.nms_iou_threshold)
    rows, pictures = [], {}
    for file, detections in zip(files, found, strict=True):
        height, width = images[file].shape[:2]
        scale = np.array([width / size[1], height / size[0]] * 2)
        boxes = detections.boxes * scale
        for box, label, score in zip(boxes, detections.classes, detections.scores, strict=True):
            rows.append(
                {
                    "file": file,
                    "class": spec["classes"][int(label)],
                    "score": round(float(score), 4),
                    **{
                        k: round(float(v), 1)
                        for k, v in zip(("x_min", "y_min", "x_max", "y_max"), box, strict=True)
                    },
                }
            )
        labels = [
            f"{spec['classes'][c]} {s:.2f}"
            for c, s in zip(detections.classes, detections.scores, strict=True)
        ]
        drawn = plotting.draw_boxes(images[file], boxes, labels, detections.classes)
        pictures[file.rsplit(".", 1)[0]] = Image.fromarray(drawn)
    logger.info("%d boxes in %d images.", len(rows), len(files))
    table = pd.DataFrame(
        rows, columns=["file", "class", "score", "x_min", "y_min", "x_max", "y_max"]
    )
    return table, pictures
