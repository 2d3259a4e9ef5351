"""Training batches of labelled scenes, augmented afresh every epoch (any Keras backend).

Shared by the ``detection``, ``segmentation`` and ``localization`` pipelines: each epoch sees every
training scene in a new random variant — mirrored, shifted, colour channels permuted
(:func:`dl_pipelines.vision.scenes.augment_scene`) — with its labels moved along exactly and
turned into the model's targets by a pipeline-specific function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dl_pipelines.nn.keras_data import ArrayBatches
from dl_pipelines.runtime.seeding import rng as seeded_rng
from dl_pipelines.vision.scenes import augment_scene, boxes_of

#: ``targets(boxes, classes, mask, keypoints) -> y`` of one scene.
Targets = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class SceneBatches(ArrayBatches):
    """Mini-batches ``(images, targets)`` of packed scenes (:mod:`dl_pipelines.vision.scenes`).

    Seeded per (epoch, batch) like :class:`~dl_pipelines.nn.keras_data.ArrayBatches`: the
    same seed gives the same batches, whatever the thread timing.

    Args:
        scenes: Packed scenes.
        targets: Turns one scene's boxes, classes and mask into the model's target.
        batch_size: Scenes per batch.
        seed: Seed of the shuffle and of the augmentation.
        max_shift: Largest shift in pixels (0: none).
        augment: Mirror / shift / permute colours; without, scenes are used as they are.
        flip: Include the mirror (off where keypoint order matters).
        shuffle: Reshuffle the scenes every epoch.
    """

    def __init__(
        self,
        scenes: dict[str, np.ndarray],
        targets: Targets,
        batch_size: int,
        seed: int,
        max_shift: int = 0,
        augment: bool = True,
        flip: bool = True,
        shuffle: bool = True,
    ) -> None:
        super().__init__(
            scenes["images"],
            np.arange(len(scenes["images"])),
            batch_size,
            shuffle=shuffle,
            seed=seed,
        )
        self.scenes = scenes
        self.targets = targets
        self.max_shift = max_shift
        self.augment_scenes = augment
        self.flip = flip
        self._boxes = [boxes_of(scenes, i) for i in range(len(scenes["images"]))]
        self._keypoints = [
            scenes["keypoints"][scenes["box_image"] == i] for i in range(len(scenes["images"]))
        ]

    def __getitem__(self, index: int):
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        generator = seeded_rng(self.seed, "scene-augment", self._epoch, index)
        images, targets = [], []
        for row in rows:
            image, mask = self.scenes["images"][row], self.scenes["masks"][row]
            (boxes, classes), keypoints = self._boxes[row], self._keypoints[row]
            if self.augment_scenes:
                image, mask, boxes, keypoints = augment_scene(
                    image,
                    mask,
                    boxes,
                    generator,
                    self.max_shift,
                    flip=self.flip,
                    keypoints=keypoints,
                )
            images.append(image)
            targets.append(self.targets(boxes, classes, mask, keypoints))
        return np.stack(images).astype("float32"), np.stack(targets)
