"""Augmented scenes keep exact labels; the training keys of scene models are checked."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.nn.training import BatchFitParams
from dl_pipelines.vision.boxes import validate_boxes
from dl_pipelines.vision.scene_augment import SceneFitParams, augment_scene
from dl_pipelines.vision.scene_drawing import SceneParams, make_scenes
from dl_pipelines.vision.scene_packing import boxes_of

PARAMS = SceneParams(image_size=(48, 64), objects=(1, 3), object_size=(0.3, 0.6))
FIT = {
    "epochs": 2,
    "batch_size": 4,
    "learning_rate": 0.01,
    "early_stopping_patience": 1,
    "augment": True,
    "max_shift_px": 4,
}


def test_scene_fit_params_extend_the_batch_fit_params() -> None:
    config = SceneFitParams(**FIT)
    assert isinstance(config, BatchFitParams) and config.verbose == 0
    assert (config.augment, config.max_shift_px) == (True, 4)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("max_shift_px", -1, "max_shift_px must be >= 0"), ("batch_size", 0, "batch_size")],
)
def test_bad_scene_fit_params(field, value, message) -> None:
    with pytest.raises(ValueError, match=message):
        SceneFitParams(**{**FIT, field: value})


def test_augmented_scenes_keep_exact_labels(photos) -> None:
    data = make_scenes(photos, PARAMS, 6, seed=8)
    generator = np.random.default_rng(0)
    for _ in range(5):
        for i in range(6):
            boxes, classes = boxes_of(data, i)
            points = data["keypoints"][data["box_image"] == i]
            image, mask, moved, moved_points = augment_scene(
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
