"""Synthetic scenes: exact labels, determinism, packing and splitting."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.vision import scenes
from dl_pipelines.vision.boxes import validate_boxes


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    generator = np.random.default_rng(0)
    return {
        "noise": generator.integers(0, 256, (80, 120, 3), dtype=np.uint8),
        "flat": np.full((50, 50, 3), 128, dtype=np.uint8),
    }


PARAMS = scenes.SceneParams(image_size=(48, 64), objects=(1, 3), object_size=(0.3, 0.6))


def test_labels_are_exact_and_consistent(photos) -> None:
    data = scenes.make_scenes(photos, PARAMS, 30, seed=7)
    assert data["images"].shape == (30, 48, 64, 3) and data["images"].dtype == np.uint8
    assert data["masks"].shape == (30, 48, 64)
    assert len(data["boxes"]) == len(data["box_classes"]) == len(data["keypoints"])
    assert np.bincount(data["box_image"], minlength=30).min() >= 1
    for i in range(30):
        boxes, classes = scenes.boxes_of(data, i)
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
    a = scenes.make_scenes(photos, PARAMS, 5, seed=3)
    b = scenes.make_scenes(photos, PARAMS, 8, seed=3)
    c = scenes.make_scenes(photos, PARAMS, 5, seed=4)
    np.testing.assert_array_equal(a["images"], b["images"][:5])
    np.testing.assert_array_equal(a["boxes"], b["boxes"][b["box_image"] < 5])
    assert not np.array_equal(a["images"], c["images"])


def test_every_class_and_the_occlusion_limit(photos) -> None:
    params = scenes.SceneParams(
        image_size=(64, 64), objects=(3, 4), object_size=(0.4, 0.7), max_occlusion=0.2
    )
    data = scenes.make_scenes(photos, params, 40, seed=1)
    assert set(data["box_classes"].tolist()) == set(range(len(scenes.CLASSES)))
    # any visible share of a shape is at least 1 − max_occlusion of its full area; the box
    # area bounds the full area from above, so each shape shows a good part of its box
    for i in range(40):
        boxes, classes = scenes.boxes_of(data, i)
        for box, label in zip(boxes, classes, strict=True):
            x0, y0, x1, y1 = box.astype(int)
            visible = (data["masks"][i][y0:y1, x0:x1] == label + 1).sum()
            assert visible >= 0.2 * (x1 - x0) * (y1 - y0)


def test_empty_share_and_zero_objects(photos) -> None:
    params = scenes.SceneParams(
        image_size=(32, 32), objects=(1, 1), object_size=(0.4, 0.8), empty_share=0.5
    )
    data = scenes.make_scenes(photos, params, 40, seed=2)
    empties = 40 - len(np.unique(data["box_image"]))
    assert 8 <= empties <= 32
    assert (data["masks"][np.setdiff1d(np.arange(40), data["box_image"])] == 0).all()


def test_split_keeps_boxes_with_their_images(photos) -> None:
    data = scenes.make_scenes(photos, PARAMS, 20, seed=5)
    train, val, test, report = scenes.split_scene_set(
        data, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=0
    )
    assert (report["train"]["images"], report["val"]["images"], report["test"]["images"]) == (
        12,
        4,
        4,
    )
    assert sorted(np.concatenate([train["names"], val["names"], test["names"]])) == sorted(
        data["names"]
    )
    for part in (train, val, test):
        for i, name in enumerate(part["names"]):
            original = int(np.flatnonzero(data["names"] == name)[0])
            np.testing.assert_array_equal(
                scenes.boxes_of(part, i)[0], scenes.boxes_of(data, original)[0]
            )


def test_pack_records_scales_and_rejects_unknown_classes() -> None:
    record = {
        "name": "a.png",
        "image": np.zeros((20, 40, 3), dtype=np.uint8),
        "boxes": np.array([[4.0, 2.0, 20.0, 10.0]]),
        "labels": ["rectangle"],
        "mask": np.ones((20, 40), dtype=np.int64),
    }
    packed = scenes.pack_records([record], scenes.CLASSES, (10, 10))
    np.testing.assert_allclose(packed["boxes"], [[1.0, 1.0, 5.0, 5.0]])
    assert packed["box_classes"].tolist() == [1]
    assert packed["masks"].shape == (1, 10, 10)
    with pytest.raises(ValueError, match="a.png.*unknown class name.*'hexagon'"):
        scenes.pack_records([{**record, "labels": ["hexagon"]}], scenes.CLASSES, (10, 10))
    with pytest.raises(ValueError, match="a.png.*class index 9"):
        scenes.pack_records([{**record, "mask": np.full((20, 40), 9)}], scenes.CLASSES, (10, 10))


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
        scenes.SceneParams(**raw)


def test_augmented_scenes_keep_exact_labels(photos) -> None:
    data = scenes.make_scenes(photos, PARAMS, 6, seed=8)
    generator = np.random.default_rng(0)
    for _ in range(5):
        for i in range(6):
            boxes, classes = scenes.boxes_of(data, i)
            points = data["keypoints"][data["box_image"] == i]
            image, mask, moved, moved_points = scenes.augment_scene(
                data["images"][i],
                data["masks"][i],
                boxes,
                generator,
                max_shift=10,
                flip=False,
                keypoints=points,
            )
            shift = moved[:, None, :2] - boxes[:, None, :2]  # without a mirror: a shift
            np.testing.assert_allclose(
                moved_points - points, np.broadcast_to(shift, points.shape), atol=1e-4
            )
            assert image.shape == data["images"][i].shape and mask.shape == (48, 64)
            validate_boxes(moved, (48, 64), "augmented")
            np.testing.assert_allclose(moved[:, 2] - moved[:, 0], boxes[:, 2] - boxes[:, 0])
            assert (mask > 0).sum() == (data["masks"][i] > 0).sum()  # nothing pushed out
            for box, label in zip(moved.astype(int), classes, strict=True):
                assert (mask[box[1] : box[3], box[0] : box[2]] == label + 1).any()
