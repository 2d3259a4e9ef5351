"""Training batches of labelled scenes, augmented afresh every epoch (any Keras backend).

Shared by the ``detection``, ``segmentation`` and ``localization`` pipelines: each epoch
sees every training scene in a new random variant — mirrored, shifted, colour channels
permuted (:func:`dl_pipelines.vision.scene_augment.augment_scene`) — with its labels
moved along exactly and turned into the model's targets by a pipeline-specific function.
:func:`fit_on_scenes` trains a model on such batches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from dl_pipelines.nn.keras_data import ArrayBatches
from dl_pipelines.nn.training import fit
from dl_pipelines.runtime.seeding import rng as seeded_rng
from dl_pipelines.vision.scene_augment import SceneFitParams, augment_scene
from dl_pipelines.vision.scene_packing import boxes_of

logger = logging.getLogger(__name__)

#: ``targets(boxes, classes, mask, keypoints) -> y`` of one scene.
Targets = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class SceneBatches(ArrayBatches):
    """Mini-batches ``(images, targets)`` of packed scenes.

    The scenes are packed as :mod:`dl_pipelines.vision.scene_packing` describes.
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


def fit_on_scenes(
    model: Any,
    train: dict[str, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    targets: Targets,
    config: SceneFitParams,
    seed: int,
    flip: bool = True,
) -> dict[str, list[float]]:
    """Train a compiled ``model`` on :class:`SceneBatches` of the ``train`` scenes.

    Calls :func:`dl_pipelines.nn.training.fit` with the learning rate halved on a
    plateau of ``val_loss``.

    Args:
        model: A compiled ``keras.Model``; trained in place.
        train: Packed training scenes.
        validation: ``(images, targets)`` of the validation scenes.
        targets: Turns one (augmented) scene's labels into the model's target.
        config: The training section (epochs, batch size, augmentation …).
        seed: Seed of the batches' shuffle and augmentation.
        flip: Include the mirror in the augmentation.

    Returns:
        The history, ``{metric: [value per epoch]}``.
    """
    batches = SceneBatches(
        train,
        targets,
        config.batch_size,
        seed,
        config.max_shift_px,
        augment=config.augment,
        flip=flip,
    )
    logger.info(
        "Training %s (%d parameters) on %d images, validating on %d.",
        model.name,
        model.count_params(),
        len(train["images"]),
        len(validation[0]),
    )
    return fit(model, batches, validation, config, reduce_lr_on_plateau=True)
