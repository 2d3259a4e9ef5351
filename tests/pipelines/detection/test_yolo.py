"""YOLO targets, decoding, model shapes and loss."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.detection.yolo import (
    best_anchor,
    build_detector,
    decode,
    encode_targets,
    yolo_loss,
)
from dl_pipelines.vision.boxes import pairwise_iou

ANCHORS = np.array([[8.0, 8.0], [20.0, 10.0], [10.0, 20.0]])  # (h, w)


def test_encoding_places_a_box_in_its_cell_and_best_anchor() -> None:
    boxes = np.array([[10.0, 20.0, 20.0, 40.0]])  # centre (15, 30), h 20, w 10
    target, dropped = encode_targets(boxes, np.array([2]), (64, 64), 8, ANCHORS, 4)
    assert dropped == 0 and target.shape == (8, 8, 3, 9)
    assert target[..., 0].sum() == 1
    assert target[3, 1, 1, 0] == 1  # row 30 // 8 = 3, col 15 // 8 = 1, tall
    np.testing.assert_allclose(target[3, 1, 1, 1:5], [15 / 8 - 1, 30 / 8 - 3, 0.0, 0.0], atol=1e-6)
    assert target[3, 1, 1, 5:].tolist() == [0, 0, 1, 0]
    assert best_anchor(boxes, ANCHORS).tolist() == [1]


def test_encoding_round_trips_through_decoding() -> None:
    boxes = np.array(
        [
            [2.0, 3.0, 12.0, 11.0],
            [30.0, 5.0, 41.0, 29.0],
            [40.0, 40.0, 63.0, 50.0],
            [3.0, 2.0, 13.0, 12.0],
        ]
    )  # the last shares the first's cell
    classes = np.array([0, 3, 1, 2])
    target, dropped = encode_targets(boxes, classes, (64, 64), 8, ANCHORS, 4)
    assert dropped == 0  # it took the next-best anchor
    decoded, scores, labels = decode(target, (64, 64), ANCHORS, activated=True)
    found = scores > 0.5
    assert found.sum() == 4
    matched = pairwise_iou(boxes, decoded[found])
    np.testing.assert_allclose(matched.max(axis=1), 1.0, atol=1e-6)
    assert labels[found][matched.argmax(axis=1)].tolist() == classes.tolist()


def test_a_full_cell_drops_extra_boxes() -> None:
    boxes = np.tile([[0.0, 0.0, 7.0, 7.0]], (4, 1))
    target, dropped = encode_targets(boxes, np.zeros(4, dtype=int), (64, 64), 8, ANCHORS, 2)
    assert dropped == 1 and target[0, 0, :, 0].tolist() == [1, 1, 1]


def test_logits_decode_like_activated_targets() -> None:
    target, _ = encode_targets(
        np.array([[8.0, 8.0, 24.0, 20.0]]), np.array([1]), (64, 64), 8, ANCHORS, 2
    )
    logits = np.full_like(target, -20.0)
    slot = target[..., 0] == 1
    offsets = np.clip(target[..., 1:3], 1e-6, 1 - 1e-6)
    logits[..., 1:3] = np.log(offsets / (1 - offsets))
    logits[..., 3:5] = target[..., 3:5]
    logits[..., 0] = np.where(slot, 20.0, -20.0)
    logits[..., 5:] = np.where(target[..., 5:] == 1, 20.0, 0.0)
    a = decode(logits, (64, 64), ANCHORS)
    b = decode(target, (64, 64), ANCHORS, activated=True)
    best = np.argmax(a[1])
    np.testing.assert_allclose(a[0][best], b[0][np.argmax(b[1])], atol=1e-4)
    assert a[2][best] == 1


def test_detector_output_shape_and_bad_grid() -> None:
    model = build_detector((64, 64), 8, 3, 4, (4, 8, 8), 8)
    assert model.output_shape == (None, 8, 8, 3, 9)
    with pytest.raises(ValueError, match="grid"):
        build_detector((64, 64), 4, 3, 4, (4, 8, 8), 8)


def test_yolo_loss_is_small_for_right_and_large_for_wrong_predictions() -> None:
    from keras import ops

    target, _ = encode_targets(
        np.array([[8.0, 8.0, 24.0, 20.0]]), np.array([1]), (64, 64), 8, ANCHORS, 2
    )
    good = np.full_like(target, -8.0)
    offsets = np.clip(target[..., 1:3], 1e-4, 1 - 1e-4)
    good[..., 1:3] = np.log(offsets / (1 - offsets))
    good[..., 3:5] = target[..., 3:5]
    good[..., 0] = np.where(target[..., 0] == 1, 8.0, -8.0)
    good[..., 5:] = np.where(target[..., 5:] == 1, 8.0, -8.0)
    bad = good.copy()
    bad[..., 0] = -good[..., 0]
    loss = yolo_loss()
    y = ops.convert_to_tensor(target[None])
    small = float(ops.convert_to_numpy(loss(y, ops.convert_to_tensor(good[None])))[0])
    large = float(ops.convert_to_numpy(loss(y, ops.convert_to_tensor(bad[None])))[0])
    assert small < 0.2 < 10 < large
