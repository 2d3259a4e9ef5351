"""Boxes: formats, IoU, NMS, anchors and mAP against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.vision import boxes as bx


def test_format_round_trip() -> None:
    corners = np.array([[2.0, 4.0, 10.0, 8.0]])
    center = bx.corners_to_center(corners)
    np.testing.assert_allclose(center, [[6.0, 6.0, 4.0, 8.0]])  # b_x, b_y, b_h, b_w
    np.testing.assert_allclose(bx.center_to_corners(center), corners)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 2, 2), (5, 5, 7, 7), 0.0),  # disjoint
        ((0, 0, 2, 2), (2, 0, 4, 2), 0.0),  # touching edges
        ((1, 2, 5, 9), (1, 2, 5, 9), 1.0),  # identical
        ((0, 0, 2, 2), (1, 1, 3, 3), 1 / 7),  # overlap 1, union 4 + 4 − 1
        ((0, 0, 4, 4), (1, 1, 3, 3), 4 / 16),  # contained
    ],
)
def test_iou_hand_values(a, b, expected) -> None:
    assert bx.iou(np.array(a), np.array(b)) == pytest.approx(expected)


def test_pairwise_iou_matches_elementwise() -> None:
    generator = np.random.default_rng(0)
    xy = generator.uniform(0, 50, (7, 2))
    a = np.concatenate([xy, xy + generator.uniform(1, 20, (7, 2))], axis=1)
    b = a[::-1] + 1.5
    matrix = bx.pairwise_iou(a, b)
    assert matrix.shape == (7, 7)
    for i in range(7):
        for j in range(7):
            assert matrix[i, j] == pytest.approx(bx.iou(a[i], b[j]))
    np.testing.assert_allclose(np.diag(bx.pairwise_iou(a, a)), 1.0)


def test_nms_keeps_the_right_boxes() -> None:
    boxes = np.array(
        [
            [0, 0, 10, 10],  # 0: best of the cluster
            [1, 1, 11, 11],  # 1: IoU 81/119 = 0.68 with 0 → dropped
            [20, 20, 30, 30],  # 2: elsewhere → kept
            [0, 0, 10, 9],  # 3: IoU 0.9 with 0 → dropped
            [5, 0, 15, 10],
        ]
    )  # 4: IoU 50/150 = 0.33 with 0 → kept
    scores = np.array([0.9, 0.8, 0.7, 0.95, 0.6])
    # 3 has the highest score: it is kept and suppresses 0 and 1 (IoU 0.9 and 72/118).
    assert bx.nms(boxes, scores, 0.5).tolist() == [3, 2, 4]
    assert bx.nms(boxes[:3], scores[:3], 0.5).tolist() == [0, 2]
    assert bx.nms(boxes[:3], scores[:3], 0.7).tolist() == [0, 1, 2]
    assert bx.nms(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []


def test_nms_per_class_never_suppresses_across_classes() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [1, 1, 11, 11]])
    scores = np.array([0.9, 0.8, 0.7])
    classes = np.array([0, 1, 0])
    assert bx.nms_per_class(boxes, scores, classes, 0.5).tolist() == [0, 1]


def test_anchor_assignment_by_shape_iou() -> None:
    anchors = np.array([[10.0, 10.0], [20.0, 40.0], [40.0, 10.0]])  # (h, w)
    hw = np.array([[11.0, 9.0], [18.0, 42.0], [35.0, 12.0], [30.0, 30.0]])
    # (30, 30): IoU 100/900, 600/1100, 300/1000 → anchor 1
    assert bx.assign_anchors(hw, anchors).tolist() == [0, 1, 2, 1]
    assert bx.iou_wh([[10, 10]], [[20, 40]])[0, 0] == pytest.approx(100 / 800)


def test_kmeans_finds_the_shape_clusters() -> None:
    generator = np.random.default_rng(1)
    small = np.array([8.0, 8.0]) * generator.uniform(0.9, 1.1, (50, 2))
    tall = np.array([30.0, 10.0]) * generator.uniform(0.9, 1.1, (50, 2))
    wide = np.array([10.0, 30.0]) * generator.uniform(0.9, 1.1, (50, 2))
    anchors = bx.kmeans_anchors(np.concatenate([small, tall, wide]), 3, np.random.default_rng(0))
    assert anchors.shape == (3, 2)
    np.testing.assert_allclose(anchors[0], [8, 8], rtol=0.1)
    np.testing.assert_allclose(sorted(anchors[1:].tolist()), [[10, 30], [30, 10]], rtol=0.1)
    with pytest.raises(ValueError, match="at least k=3"):
        bx.kmeans_anchors(small[:2], 3, np.random.default_rng(0))


def test_average_precision_all_point_interpolation() -> None:
    # precision 1, ½, ⅔ at recall ½, ½, 1 → envelope 1 on (0, ½], ⅔ on (½, 1]
    assert bx.average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(5 / 6)


def test_mean_average_precision_hand_value() -> None:
    truth = [
        bx.Detections(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0, 0])),
        bx.Detections(np.array([[0, 0, 8, 8]]), np.array([1])),
    ]
    predictions = [
        bx.Detections(
            np.array(
                [
                    [0, 0, 10, 10],  # TP (score .9)
                    [40, 40, 50, 50],  # FP (.8)
                    [21, 21, 31, 31],  # IoU 81/119 = .68: TP at .5, FP at .75
                    [0, 0, 10, 10],
                ]
            ),  # duplicate of a matched box: FP (.6)
            np.array([0, 0, 0, 0]),
            np.array([0.9, 0.8, 0.7, 0.6]),
        ),
        bx.Detections(np.array([[0, 0, 8, 8]]), np.array([1]), np.array([0.5])),
    ]
    # class 0 at 0.5: AP = ½·1 + ½·⅔ = 5/6; class 1: AP 1 → mAP = 11/12
    assert bx.mean_average_precision(predictions, truth, 2) == pytest.approx(11 / 12)
    # at 0.75 class 0 finds only one of two boxes: AP = ½ → mAP = ¾
    assert bx.mean_average_precision(predictions, truth, 2, (0.75,)) == pytest.approx(0.75)
    assert bx.mean_average_precision(predictions, truth, 2, (0.5, 0.75)) == pytest.approx(
        (11 / 12 + 0.75) / 2
    )
    # a class with no ground truth is left out of the mean
    assert bx.mean_average_precision(predictions, truth, 3) == pytest.approx(11 / 12)


def test_perfect_predictions_score_one_at_every_threshold() -> None:
    truth = [bx.Detections(np.array([[1, 2, 9, 12]]), np.array([0]))]
    predictions = [bx.Detections(truth[0].boxes, truth[0].classes, np.array([0.7]))]
    assert bx.mean_average_precision(
        predictions, truth, 1, bx.COCO_IOU_THRESHOLDS
    ) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ((5, 5, 5, 9), "zero area"),
        ((-1, 0, 4, 4), "outside"),
        ((0, 0, 4, 40), "outside"),
    ],
)
def test_bad_boxes_are_rejected_naming_the_source(box, message) -> None:
    with pytest.raises(ValueError, match=message) as error:
        bx.validate_boxes(np.array([box]), (32, 32), "img_007.png")
    assert "img_007.png" in str(error.value)
