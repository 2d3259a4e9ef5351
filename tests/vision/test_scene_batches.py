"""SceneBatches: seeded, augmented batches whose targets follow the augmented labels."""

from __future__ import annotations

import numpy as np

from dl_pipelines.vision.scene_batches import SceneBatches
from dl_pipelines.vision.scenes import SceneParams, make_scenes


def _scenes() -> dict[str, np.ndarray]:
    photos = {"noise": np.random.default_rng(0).integers(0, 256, (60, 60, 3), dtype=np.uint8)}
    return make_scenes(photos, SceneParams((32, 32), (1, 2), (0.3, 0.6)), 10, seed=1)


def test_batches_are_seeded_and_targets_follow_the_augmentation() -> None:
    scenes = _scenes()

    def targets(boxes, classes, mask, keypoints):
        # the mask's foreground must lie inside the moved boxes
        inside = np.zeros_like(mask, dtype=bool)
        for x0, y0, x1, y1 in boxes.astype(int):
            inside[y0:y1, x0:x1] = True
        assert not (mask[~inside] > 0).any()
        assert keypoints.shape == (len(boxes), 4, 2)
        return mask

    first = SceneBatches(scenes, targets, 4, seed=3, max_shift=5)
    second = SceneBatches(scenes, targets, 4, seed=3, max_shift=5)
    assert len(first) == 3
    x, y = first[0]
    assert x.shape == (4, 32, 32, 3) and x.dtype == np.float32 and y.shape == (4, 32, 32)
    np.testing.assert_array_equal(x, second[0][0])
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], x)  # a new variant next epoch


def test_without_augmentation_scenes_come_as_they_are() -> None:
    scenes = _scenes()
    batches = SceneBatches(scenes, lambda b, c, m, k: m, 4, seed=0, augment=False, shuffle=False)
    x, y = batches[1]
    np.testing.assert_array_equal(x, scenes["images"][4:8])
    np.testing.assert_array_equal(y, scenes["masks"][4:8])
