"""Packed scenes: packing, sub-setting and real labelled images."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.vision.scene_drawing import CLASSES
from dl_pipelines.vision.scene_packing import Scene, boxes_of, pack_records, pack_scenes, subset


def _scene(n_boxes: int, value: int) -> Scene:
    return Scene(
        image=np.full((16, 16, 3), value, dtype=np.uint8),
        mask=np.zeros((16, 16), dtype=np.uint8),
        boxes=np.tile(np.array([[value, 1.0, value + 4.0, 5.0]], "float32"), (n_boxes, 1)),
        classes=np.full(n_boxes, value % 4, dtype=np.int64),
        keypoints=np.zeros((n_boxes, 4, 2), dtype=np.float32),
    )


def test_packing_and_subset_keep_boxes_with_their_images() -> None:
    packed = pack_scenes([_scene(2, 0), _scene(0, 1), _scene(1, 2)], ["a", "b", "c"])
    assert packed["images"].shape == (3, 16, 16, 3) and packed["image_size"].tolist() == [16, 16]
    assert packed["box_image"].tolist() == [0, 0, 2]
    part = subset(packed, np.array([2, 0]))
    assert part["names"].tolist() == ["c", "a"]
    assert part["box_image"].tolist() == [0, 1, 1]  # re-indexed, in image order
    assert boxes_of(part, 0)[0].tolist() == [[2.0, 1.0, 6.0, 5.0]]
    assert boxes_of(part, 1)[1].tolist() == [0, 0]


def test_pack_records_scales_and_rejects_unknown_classes() -> None:
    record = {
        "name": "a.png",
        "image": np.zeros((20, 40, 3), dtype=np.uint8),
        "boxes": np.array([[4.0, 2.0, 20.0, 10.0]]),
        "labels": ["rectangle"],
        "mask": np.ones((20, 40), dtype=np.int64),
    }
    packed = pack_records([record], CLASSES, (10, 10))
    np.testing.assert_allclose(packed["boxes"], [[1.0, 1.0, 5.0, 5.0]])
    assert packed["box_classes"].tolist() == [1]
    assert packed["masks"].shape == (1, 10, 10)
    with pytest.raises(ValueError, match="a.png.*unknown class name.*'hexagon'"):
        pack_records([{**record, "labels": ["hexagon"]}], CLASSES, (10, 10))
    with pytest.raises(ValueError, match="a.png.*class index 9"):
        pack_records([{**record, "mask": np.full((20, 40), 9)}], CLASSES, (10, 10))
