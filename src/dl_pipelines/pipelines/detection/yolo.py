"""YOLO-style single-stage detection: grid targets, the network, the YOLO loss, decoding.

The image is cut into an S×S grid; each cell has B anchor boxes (shapes found by k-means
on the training boxes, :func:`dl_pipelines.vision.boxes.kmeans_anchors`). Per cell and anchor
the network predicts the notes' vector ``[p_c, b_x, b_y, b_h, b_w, c_1 … c_n]``:

* ``p_c`` – is there an object whose centre falls in this cell, matched to this anchor
  (a logit; σ gives the probability);
* ``b_x, b_y`` – the centre's offset inside the cell, in cell units (σ of the output);
* ``b_h, b_w`` – log of the box size over the anchor size (the anchor times ``exp``);
* ``c_i`` – class logits (softmax).

The encoding (:func:`encode_targets`) and decoding (:func:`decode`) are inverse: a box
encoded into targets comes back unchanged (tests). Model and loss use ``keras`` and
``keras.ops`` only (any backend); encoding and decoding are NumPy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from dl_pipelines.vision.boxes import assign_anchors, corners_to_center, iou_wh

logger = logging.getLogger(__name__)


# -------------------------------------------------------------------------- targets
def encode_targets(
    boxes: np.ndarray,
    classes: np.ndarray,
    image_size: tuple[int, int],
    grid: int,
    anchors: np.ndarray,
    num_classes: int,
) -> tuple[np.ndarray, int]:
    """Ground-truth boxes of one image → the ``(S, S, B, 5 + C)`` target tensor.

    A box goes to the cell holding its centre and to the free anchor of that cell with
    the highest shape IoU. Coordinates are stored as the network should output them
    *after* its activations: ``b_x, b_y`` in [0, 1) within the cell, ``b_h, b_w`` as
    ``log(size / anchor)``.

    Returns:
        The targets and the number of boxes dropped because every anchor of their cell
        was already taken.
    """
    height, width = image_size
    anchors = np.asarray(anchors, dtype=np.float64)
    n_anchors = len(anchors)
    target = np.zeros((grid, grid, n_anchors, 5 + num_classes), dtype=np.float32)
    cell_h, cell_w = height / grid, width / grid
    dropped = 0
    centres = corners_to_center(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
    for (bx, by, bh, bw), label in zip(centres, np.asarray(classes).reshape(-1), strict=True):
        col = min(int(bx // cell_w), grid - 1)
        row = min(int(by // cell_h), grid - 1)
        preference = np.argsort(-iou_wh([[bh, bw]], anchors)[0], kind="stable")
        free = [a for a in preference if target[row, col, a, 0] == 0]
        if not free:
            dropped += 1
            continue
        a = free[0]
        target[row, col, a, 0] = 1.0
        target[row, col, a, 1] = bx / cell_w - col
        target[row, col, a, 2] = by / cell_h - row
        target[row, col, a, 3] = np.log(bh / anchors[a, 0])
        target[row, col, a, 4] = np.log(bw / anchors[a, 1])
        target[row, col, a, 5 + int(label)] = 1.0
    return target, dropped


def best_anchor(boxes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The anchor each corner box would be matched to when its cell is free."""
    centres = corners_to_center(np.asarray(boxes).reshape(-1, 4))
    return assign_anchors(centres[:, 2:4], anchors)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def decode(
    raw: np.ndarray, image_size: tuple[int, int], anchors: np.ndarray, activated: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network output (or targets, ``activated=True``) of one image → every box.

    Args:
        raw: ``(S, S, B, 5 + C)``.
        image_size: ``(height, width)`` in pixels of the network input.
        anchors: ``(B, 2)`` anchor ``(h, w)`` in pixels.
        activated: ``raw`` already holds probabilities, cell offsets and one-hot classes
            (as :func:`encode_targets` writes them) rather than logits.

    Returns:
        Corner boxes ``(S·S·B, 4)``, scores ``p_c · max_i p(c_i)`` and classes.
    """
    raw = np.asarray(raw, dtype=np.float64)
    grid_h, grid_w = raw.shape[:2]
    height, width = image_size
    cell_h, cell_w = height / grid_h, width / grid_w
    anchors = np.asarray(anchors, dtype=np.float64)
    if activated:
        p_c, offset, class_p = raw[..., 0], raw[..., 1:3], raw[..., 5:]
    else:
        p_c, offset, class_p = (
            _sigmoid(raw[..., 0]),
            _sigmoid(raw[..., 1:3]),
            _softmax(raw[..., 5:]),
        )
    rows, cols = np.meshgrid(np.arange(grid_h), np.arange(grid_w), indexing="ij")
    bx = (cols[..., None] + offset[..., 0]) * cell_w
    by = (rows[..., None] + offset[..., 1]) * cell_h
    bh = anchors[None, None, :, 0] * np.exp(np.clip(raw[..., 3], -10, 10))
    bw = anchors[None, None, :, 1] * np.exp(np.clip(raw[..., 4], -10, 10))
    corners = np.stack([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2], axis=-1)
    corners[..., [0, 2]] = np.clip(corners[..., [0, 2]], 0, width)
    corners[..., [1, 3]] = np.clip(corners[..., [1, 3]], 0, height)
    classes = np.argmax(class_p, axis=-1)
    scores = p_c * np.max(class_p, axis=-1)
    return corners.reshape(-1, 4), scores.reshape(-1), classes.reshape(-1)


# ---------------------------------------------------------------------------- model
def build_detector(
    image_size: tuple[int, int],
    grid: int,
    n_anchors: int,
    num_classes: int,
    filters: Sequence[int],
    head_filters: int,
    p_c_prior: float = 0.01,
):
    """A small fully-convolutional YOLO-style detector.

    ``[conv 3×3 → BN → ReLU → max-pool 2] × len(filters)``
    (:func:`dl_pipelines.vision.backbone.conv_pool_stack`) brings the image down to the
    grid (``image / 2**len(filters) == grid``), then a 3×3 conv-BN-ReLU and a 1×1 conv give
    ``B · (5 + C)`` numbers per cell, reshaped to ``(S, S, B, 5 + C)``. The model takes
    raw 0–255 pixels.
    """
    import keras
    from keras import layers

    from dl_pipelines.nn.blocks import conv_bn_act
    from dl_pipelines.vision.backbone import conv_pool_stack, with_batch_norm_momentum

    height, width = image_size
    if height != width or height // 2 ** len(filters) != grid or height % 2 ** len(filters):
        raise ValueError(
            f"image {image_size} halved {len(filters)} times (one per entry of "
            f"filters) must give the {grid}×{grid} grid: use a square image of "
            f"{grid * 2 ** len(filters)} px or change detection.model.filters."
        )
    inputs = keras.Input(shape=(height, width, 3), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    x = conv_pool_stack(x, filters)
    x = conv_bn_act(x, head_filters, name="head")
    head = layers.Conv2D(n_anchors * (5 + num_classes), 1, name="head_out")
    x = head(x)
    outputs = layers.Reshape((grid, grid, n_anchors, 5 + num_classes), name="yolo")(x)
    model = with_batch_norm_momentum(keras.Model(inputs, outputs, name="yolo_detector"))
    # Start p_c at a prior of 1 % (logit −4.6) rather than ½: nearly every slot is empty,
    # and without this the first epochs only learn that (RetinaNet's initialisation).
    bias = np.zeros((n_anchors, 5 + num_classes), dtype="float32")
    bias[:, 0] = -np.log((1 - p_c_prior) / p_c_prior)
    head.bias.assign(bias.reshape(-1))
    return model


def yolo_loss(lambda_coord: float = 5.0, lambda_noobj: float = 0.5):
    """The YOLO loss, summed over the grid and averaged over the batch.

    With ``1obj`` = 1 where a ground-truth box sits on that cell and anchor:

    * objectness: binary cross-entropy of ``p_c`` — full weight on ``1obj`` slots,
      ``lambda_noobj`` on the others (most slots are empty);
    * coordinates (``1obj`` only): ``lambda_coord`` · squared error of ``σ(t_x), σ(t_y)``
      against the cell offsets and of ``t_h, t_w`` against ``log(size / anchor)``;
    * classes (``1obj`` only): categorical cross-entropy of the softmax.
    """
    from keras import ops

    def loss(y_true, y_pred):
        obj = y_true[..., 0]
        logit = y_pred[..., 0]
        # BCE with logits, written out: max(z, 0) − z·y + log(1 + e^(−|z|))
        bce = ops.maximum(logit, 0) - logit * obj + ops.log1p(ops.exp(-ops.abs(logit)))
        objectness = ops.sum(bce * (obj + lambda_noobj * (1 - obj)), axis=(1, 2, 3))
        xy = ops.sum(ops.square(ops.sigmoid(y_pred[..., 1:3]) - y_true[..., 1:3]), axis=-1)
        hw = ops.sum(ops.square(y_pred[..., 3:5] - y_true[..., 3:5]), axis=-1)
        coords = lambda_coord * ops.sum(obj * (xy + hw), axis=(1, 2, 3))
        log_p = ops.log_softmax(y_pred[..., 5:], axis=-1)
        classes = ops.sum(obj * -ops.sum(y_true[..., 5:] * log_p, axis=-1), axis=(1, 2, 3))
        return objectness + coords + classes

    loss.__name__ = "yolo_loss"
    return loss
