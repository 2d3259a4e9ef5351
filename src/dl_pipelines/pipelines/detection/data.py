"""The training scenes of ``detection``: their figure, the anchors fitted to their boxes,
and their YOLO targets."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.detection.params import ModelParams
from dl_pipelines.pipelines.detection.yolo import encode_targets
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.boxes import corners_to_center, kmeans_anchors
from dl_pipelines.vision.scenes import boxes_of

logger = logging.getLogger(__name__)


def examples_figure(train: dict[str, np.ndarray], classes: list[str], count: int) -> Figure:
    """Training scenes with their ground-truth boxes."""
    pictures = []
    for i in range(min(count, len(train["images"]))):
        boxes, labels = boxes_of(train, i)
        pictures.append(
            plotting.draw_boxes(
                train["images"][i], boxes, [classes[c] for c in labels], labels, scale=3
            )
        )
    return plotting.image_grid(
        np.stack(pictures), columns=8, title="Training scenes with their boxes"
    )


def anchor_spec(
    train: dict[str, np.ndarray], arch: ModelParams, classes: list[str], seed: int
) -> dict[str, Any]:
    """Anchor shapes by k-means (1 − IoU) on the training boxes, with what decoding needs.

    Returns:
        The ``spec`` saved with the model: ``anchors_hw`` (B, 2) in pixels, ``grid``,
        ``image_size`` and ``classes``.
    """
    anchors = kmeans_anchors(
        corners_to_center(train["boxes"])[:, 2:4], arch.anchors, rng(seed, "anchors")
    )
    logger.info("Anchors (h, w) px: %s", ", ".join(f"({h:.1f}, {w:.1f})" for h, w in anchors))
    return {
        "anchors_hw": np.round(anchors, 3).tolist(),
        "grid": arch.grid,
        "image_size": [int(v) for v in train["image_size"]],
        "classes": list(classes),
    }


def encode_scene(
    boxes: np.ndarray, classes: np.ndarray, spec: dict[str, Any]
) -> tuple[np.ndarray, int]:
    """The ``(S, S, B, 5 + C)`` targets of one scene's boxes, and how many found no slot."""
    return encode_targets(
        boxes,
        classes,
        tuple(spec["image_size"]),
        spec["grid"],
        np.asarray(spec["anchors_hw"]),
        len(spec["classes"]),
    )


def encode_split(data: dict[str, np.ndarray], spec: dict[str, Any]) -> tuple[np.ndarray, int]:
    """Targets ``(n, S, S, B, 5 + C)`` of every image, and how many boxes found no free slot."""
    targets, dropped = [], 0
    for i in range(len(data["images"])):
        target, lost = encode_scene(*boxes_of(data, i), spec)
        targets.append(target)
        dropped += lost
    return np.stack(targets), dropped
