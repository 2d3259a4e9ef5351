"""Drawn scenes: exact labels, determinism, classes, occlusion and empty scenes."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.vision import scene_drawing as drawing
from dl_pipelines.vision.boxes import validate_boxes
from dl_pipelines.vision.scene_packing import boxes_of

PARAMS = drawing.SceneParams(image_size=(48, 64), objects=(1, 3), object_size=(0.3, 0.6))


def test_labels_are_exact_and_consistent(photos) -> None:
    data = drawing.make_scenes(photos, PARAMS, 30, seed=7)
    assert data["images"].shape == (30, 48, 64, 3) and data["images"].dtype == np.uint8
    assert data["masks"].shape == (30, 48, 64)
    assert len(data["boxes"]) == len(data["box_classes"]) == len(data["keypoints"])
    assert np.bincount(data["box_image"], minlength=30).min() >= 1
    for i in range(30):
        boxes, classes = boxes_of(data, i)
        validate_boxes(boxes, (48, 64), f"scene {i}")
        mask = data["masks"][i]
        assert set(np.unique(mask)) - {0} <= set((classes + 1).tolist())
        for box, label in zip(boxes, classes, strict=True):
            x0, y0, x1, y1 = box.astype(int)
            # the shape is visible inside its box, and only background is left outside
            # the union of all boxes
            assert (mask[y0:y1, x0:x1] == label + 1).any()
        covered = np.zeros_like(mask, dtype=bool)
        for x0, y0, x1, y1 in boxes.astype(int):
            covered[y0:y1, x0:x1] = True
        assert (mask[~covered] == 0).all()
    # keypoints lie in (or on the edge of) their box
    boxes = data["boxes"]
    kp = data["keypoints"]
    assert (kp[..., 0] >= boxes[:, None, 0] - 1.5).all()
    assert (kp[..., 0] <= boxes[:, None, 2] + 1.5).all()
    assert (kp[..., 1] >= boxes[:, None, 1] - 1.5).all()
    assert (kp[..., 1] <= boxes[:, None, 3] + 1.5).all()


def test_same_seed_same_scenes_whatever_the_count(photos) -> None:
    a = drawing.make_scenes(photos, PARAMS, 5, seed=3)
    b = drawing.make_scenes(photos, PARAMS, 8, seed=3)
    c = drawing.make_scenes(photos, PARAMS, 5, seed=4)
    np.testing.assert_array_equal(a["images"], b["images"][:5])
    np.testing.assert_array_equal(a["boxes"], b["boxes"][b["box_image"] < 5])
    assert not np.array_equal(a["images"], c["images"])


def test_every_class_and_the_occlusion_limit(photos) -> None:
    params = drawing.SceneParams(
        image_size=(64, 64), objects=(3, 4), object_size=(0.4, 0.7), max_occlusion=0.2
    )
    data = drawing.make_scenes(photos, params, 40, seed=1)
    assert set(data["box_classes"].tolist()) == set(range(len(drawing.CLASSES)))
    # any visible share of a shape is at least 1 − max_occlusion of its full area; the box
    # area bounds the full area from above, so each shape shows a good part of its box
    for i in range(40):
        boxes, classes = boxes_of(data, i)
        for box, label in zip(boxes, classes, strict=True):
            x0, y0, x1, y1 = box.astype(int)
            visible = (data["masks"][i][y0:y1, x0:x1] == label + 1).sum()
            assert visible >= 0.2 * (x1 - x0) * (y1 - y0)


def test_empty_share_and_zero_objects(photos) -> None:
    params = drawing.SceneParams(
        image_size=(32, 32), objects=(1, 1), object_size=(0.4, 0.8), empty_share=0.5
    )
    data = drawing.make_scenes(photos, params, 40, seed=2)
    empties = 40 - len(np.unique(data["box_image"]))
    assert 8 <= empties <= 32
    assert (data["masks"][np.setdiff1d(np.arange(40), data["box_image"])] == 0).all()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("image_size", (8, 8), "at least 16"),
        ("objects", (3, 1), "min <= max"),
        ("object_size", (0.5, 1.5), "object_size"),
        ("rotation_deg", 60.0, "rotation_deg"),
    ],
)
def test_bad_scene_parameters(field, value, message) -> None:
    raw = {"image_size": (32, 32), "objects": (1, 2), "object_size": (0.2, 0.5), field: value}
    with pytest.raises(ValueError, match=message):
        drawing.SceneParams(**raw)
