"""Bounding boxes, once: formats, IoU, non-max suppression, anchors and mAP (NumPy, vectorised).

Conventions used by every vision pipeline:

* **corners** ``(x_min, y_min, x_max, y_max)`` in pixels, ``x`` to the right, ``y`` down;
  a box covering pixel columns 3..5 has ``x_min = 3, x_max = 6`` (area = width × height).
* **center** ``(b_x, b_y, b_h, b_w)`` — the order of the course notes' output vector
  ``y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_n]``: centre x, centre y, height, width.

IoU (intersection over union) = area of the intersection / area of the union; a
detection is "correct" when its IoU with a ground-truth box of its class exceeds a
threshold (0.5 for mAP@0.5, 0.5 … 0.95 for COCO's mAP@[.5:.95]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Detections",
    "average_precision",
    "assign_anchors",
    "box_area",
    "center_to_corners",
    "corners_to_center",
    "iou",
    "iou_wh",
    "kmeans_anchors",
    "mean_average_precision",
    "nms",
    "nms_per_class",
    "pairwise_iou",
    "validate_boxes",
]


# ------------------------------------------------------------------------------- formats
def corners_to_center(boxes: np.ndarray) -> np.ndarray:
    """``(…, 4)`` corners ``(x_min, y_min, x_max, y_max)`` → ``(b_x, b_y, b_h, b_w)``."""
    boxes = np.asarray(boxes, dtype=np.float64)
    x0, y0, x1, y1 = np.moveaxis(boxes, -1, 0)
    return np.stack([(x0 + x1) / 2, (y0 + y1) / 2, y1 - y0, x1 - x0], axis=-1)


def center_to_corners(boxes: np.ndarray) -> np.ndarray:
    """``(…, 4)`` ``(b_x, b_y, b_h, b_w)`` → corners ``(x_min, y_min, x_max, y_max)``."""
    boxes = np.asarray(boxes, dtype=np.float64)
    bx, by, bh, bw = np.moveaxis(boxes, -1, 0)
    return np.stack([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2], axis=-1)


def box_area(boxes: np.ndarray) -> np.ndarray:
    """Area of ``(…, 4)`` corner boxes (0 for degenerate boxes)."""
    boxes = np.asarray(boxes, dtype=np.float64)
    return np.clip(boxes[..., 2] - boxes[..., 0], 0, None) * np.clip(
        boxes[..., 3] - boxes[..., 1], 0, None
    )


def validate_boxes(boxes: np.ndarray, image_size: tuple[int, int], source: str) -> None:
    """Raise ``ValueError`` naming ``source`` if a box has no area or leaves the image.

    Args:
        boxes: ``(n, 4)`` corners in pixels.
        image_size: ``(height, width)`` of the image the boxes belong to.
        source: What to name in the error (a file, an annotation id).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    height, width = image_size
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        if not np.all(np.isfinite([x0, y0, x1, y1])):
            raise ValueError(f"{source}: box {i} has a non-finite coordinate {boxes[i].tolist()}.")
        if x1 <= x0 or y1 <= y0:
            raise ValueError(
                f"{source}: box {i} {boxes[i].tolist()} has zero area "
                "(x_max must exceed x_min and y_max exceed y_min). Fix or remove "
                "the annotation."
            )
        if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
            raise ValueError(
                f"{source}: box {i} {boxes[i].tolist()} lies outside the "
                f"{width}×{height} image. Fix or remove the annotation."
            )


# ----------------------------------------------------------------------------------- IoU
def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise IoU of corner boxes ``a`` and ``b`` (shapes broadcast, last axis 4)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    width = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    height = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    intersection = width * height
    union = box_area(a) + box_area(b) - intersection
    return np.where(union > 0, intersection / np.where(union > 0, union, 1.0), 0.0)


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` ``(n, 4)`` with every box of ``b`` ``(m, 4)``: ``(n, m)``."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return iou(a[:, None, :], b[None, :, :])


def iou_wh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes given by ``(h, w)`` only, all centred on the same point: ``(n, m)``.

    This is how anchors are compared with boxes (k-means, assignment): only shape counts.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 2)
    intersection = np.minimum(a[:, None, 0], b[None, :, 0]) * np.minimum(
        a[:, None, 1], b[None, :, 1]
    )
    union = (a[:, None, 0] * a[:, None, 1] + b[None, :, 0] * b[None, :, 1]) - intersection
    return intersection / np.maximum(union, 1e-12)


# ----------------------------------------------------------------------- non-max suppression
def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-max suppression of one class.

    Repeatedly keep the highest-scoring box left and drop every remaining box whose IoU
    with it is above ``iou_threshold``.

    Returns:
        Indices of the kept boxes, highest score first.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    overlaps = pairwise_iou(boxes, boxes)
    suppressed = np.zeros(len(boxes), dtype=bool)
    kept = []
    for index in order:
        if suppressed[index]:
            continue
        kept.append(index)
        suppressed |= overlaps[index] > iou_threshold
    return np.asarray(kept, dtype=np.int64)


def nms_per_class(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Non-max suppression run separately for each class (boxes of two classes never
    suppress each other). Returns the kept indices, highest score first."""
    classes = np.asarray(classes).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    kept = [
        np.flatnonzero(classes == c)[
            nms(np.asarray(boxes)[classes == c], scores[classes == c], iou_threshold)
        ]
        for c in np.unique(classes)
    ]
    if not kept:
        return np.zeros(0, dtype=np.int64)
    indices = np.concatenate(kept)
    return indices[np.argsort(-scores[indices], kind="stable")]


# ------------------------------------------------------------------------------- anchors
def kmeans_anchors(
    hw: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 100
) -> np.ndarray:
    """Anchor shapes by k-means on box ``(h, w)`` with the distance d = 1 − IoU (YOLOv2).

    Args:
        hw: ``(n, 2)`` heights and widths of the training boxes.
        k: Number of anchors.
        rng: Generator for the initial centres (k-means++-style seeding).
        iterations: Upper bound on Lloyd iterations (stops earlier when stable).

    Returns:
        ``(k, 2)`` anchor ``(h, w)``, sorted by area.
    """
    hw = np.asarray(hw, dtype=np.float64).reshape(-1, 2)
    if len(hw) < k:
        raise ValueError(f"k-means needs at least k={k} boxes, got {len(hw)}.")
    centres = [hw[rng.integers(len(hw))]]
    for _ in range(1, k):
        distance = 1 - iou_wh(hw, np.asarray(centres)).max(axis=1)
        weights = distance**2
        total = weights.sum()
        index = rng.choice(len(hw), p=weights / total) if total > 0 else rng.integers(len(hw))
        centres.append(hw[index])
    centres = np.asarray(centres)
    assignment = None
    for _ in range(iterations):
        new_assignment = np.argmax(iou_wh(hw, centres), axis=1)  # nearest = highest IoU
        if assignment is not None and np.array_equal(assignment, new_assignment):
            break
        assignment = new_assignment
        for j in range(k):
            members = hw[assignment == j]
            if len(members):
                centres[j] = np.median(members, axis=0)
    return centres[np.argsort(centres[:, 0] * centres[:, 1], kind="stable")]


def assign_anchors(hw: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Index of the anchor with the highest shape IoU for each box ``(h, w)``."""
    return np.argmax(iou_wh(hw, anchors), axis=1)


# ------------------------------------------------------------------------------------ mAP
@dataclass(frozen=True)
class Detections:
    """The boxes of one image: corners ``(n, 4)``, classes ``(n,)`` and, for
    predictions, scores ``(n,)`` (``None`` for ground truth)."""

    boxes: np.ndarray
    classes: np.ndarray
    scores: np.ndarray | None = None


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """VOC all-point interpolated AP: the area under the precision envelope.

    The precision at each recall is replaced by the highest precision at any recall
    at or above it, and the area is summed over the points where recall changes.
    """
    r = np.concatenate([[0.0], np.asarray(recall, dtype=np.float64), [1.0]])
    p = np.concatenate([[0.0], np.asarray(precision, dtype=np.float64), [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    steps = np.flatnonzero(r[1:] != r[:-1]) + 1
    return float(np.sum((r[steps] - r[steps - 1]) * p[steps]))


def _class_average_precision(
    predictions: Sequence[Detections],
    truths: Sequence[Detections],
    label: int,
    iou_threshold: float,
) -> float | None:
    n_true = sum(int(np.sum(np.asarray(t.classes) == label)) for t in truths)
    image_ids, scores, boxes = [], [], []
    for i, p in enumerate(predictions):
        mask = np.asarray(p.classes) == label
        image_ids.extend([i] * int(mask.sum()))
        scores.extend(np.asarray(p.scores)[mask].tolist())
        boxes.extend(np.asarray(p.boxes).reshape(-1, 4)[mask].tolist())
    if n_true == 0:
        return None  # the class does not occur: left out of the mean, as in VOC
    if not scores:
        return 0.0
    order = np.argsort(-np.asarray(scores), kind="stable")
    matched = {
        i: np.zeros(int(np.sum(np.asarray(t.classes) == label)), dtype=bool)
        for i, t in enumerate(truths)
    }
    true_positive = np.zeros(len(order))
    for rank, index in enumerate(order):
        image = image_ids[index]
        truth = truths[image]
        gt = np.asarray(truth.boxes).reshape(-1, 4)[np.asarray(truth.classes) == label]
        if len(gt) == 0:
            continue
        overlaps = pairwise_iou(np.asarray(boxes[index])[None], gt)[0]
        best = int(np.argmax(overlaps))
        if overlaps[best] >= iou_threshold and not matched[image][best]:
            matched[image][best] = True
            true_positive[rank] = 1
    cumulative_tp = np.cumsum(true_positive)
    recall = cumulative_tp / n_true
    precision = cumulative_tp / np.arange(1, len(order) + 1)
    return average_precision(recall, precision)


def mean_average_precision(
    predictions: Sequence[Detections],
    truths: Sequence[Detections],
    num_classes: int,
    iou_thresholds: Sequence[float] = (0.5,),
) -> float:
    """mAP over classes (and over IoU thresholds), VOC all-point interpolation.

    A prediction is a true positive when its IoU with a not-yet-matched ground-truth
    box of its class, in its image, is at least the threshold; predictions are taken
    in decreasing score. ``iou_thresholds=(0.5,)`` gives mAP@0.5;
    ``np.arange(0.5, 0.96, 0.05)`` gives COCO's mAP@[.5:.95]. Classes that never occur
    in the ground truth are left out of the mean.
    """
    if len(predictions) != len(truths):
        raise ValueError(f"{len(predictions)} prediction sets for {len(truths)} images.")
    values = []
    for threshold in iou_thresholds:
        per_class = [
            _class_average_precision(predictions, truths, c, float(threshold))
            for c in range(num_classes)
        ]
        per_class = [ap for ap in per_class if ap is not None]
        values.append(float(np.mean(per_class)) if per_class else 0.0)
    return float(np.mean(values))


COCO_IOU_THRESHOLDS = tuple(np.round(np.arange(0.5, 0.96, 0.05), 2).tolist())
