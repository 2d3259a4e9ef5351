"""Training batches of scenes, augmented afresh every epoch, with YOLO targets."""

from __future__ import annotations

import numpy as np

from dl_pipelines.keras_data import ArrayBatches
from dl_pipelines.pipelines.detection.yolo import encode_targets
from dl_pipelines.scenes import augment_scene, boxes_of
from dl_pipelines.seeding import rng as seeded_rng


class DetectionBatches(ArrayBatches):
    """Mini-batches of packed scenes: each image mirrored, shifted and colour-permuted at
    random (:func:`dl_pipelines.scenes.augment_scene`), its boxes moved with it and
    encoded into YOLO targets. Seeded per (epoch, batch) like :class:`ArrayBatches`."""

    def __init__(self, scenes: dict[str, np.ndarray], spec: dict, batch_size: int, seed: int,
                 max_shift: int, augment: bool = True) -> None:
        super().__init__(scenes["images"], np.arange(len(scenes["images"])), batch_size,
                         shuffle=augment, seed=seed)
        self.scenes = scenes
        self.spec = spec
        self.max_shift = max_shift
        self.augment_scenes = augment
        self._boxes = [boxes_of(scenes, i) for i in range(len(scenes["images"]))]

    def __getitem__(self, index: int):
        rows = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        generator = seeded_rng(self.seed, "scene-augment", self._epoch, index)
        images, targets = [], []
        for row in rows:
            image, (boxes, classes) = self.scenes["images"][row], self._boxes[row]
            if self.augment_scenes:
                image, _, boxes = augment_scene(image, self.scenes["masks"][row], boxes,
                                                generator, self.max_shift)
            target, _ = encode_targets(boxes, classes, tuple(self.spec["image_size"]),
                                       self.spec["grid"], np.asarray(self.spec["anchors_hw"]),
                                       len(self.spec["classes"]))
            images.append(image)
            targets.append(target)
        return np.stack(images).astype("float32"), np.stack(targets)
