"""Labelled scenes for localisation, detection and segmentation: the scene set of a run.

A pipeline's data is either the user's labelled images or, when its raw folder is
empty, synthetic scenes drawn offline from the seed; both are *packed* into flat arrays
and split at random into train, validation and test. The pieces:

* :mod:`~dl_pipelines.vision.scene_drawing` draws the default scenes (shapes of
  ``CLASSES`` pasted on photo crops, with exact boxes, masks and keypoints);
* :mod:`~dl_pipelines.vision.scene_packing` is the packed format (``pack_scenes``,
  ``pack_records`` for real images, ``subset``, ``boxes_of``);
* :mod:`~dl_pipelines.vision.scene_augment` varies training scenes at random;
* this module turns a pipeline's ``data`` section into its scene set
  (:class:`SceneDataParams`, :func:`scene_set`) and splits it (:func:`split_scene_set`),
  and re-exports the names above, so ``from dl_pipelines.vision.scenes import …`` finds
  every one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dl_pipelines.runtime.seeding import rng as seeded_rng
from dl_pipelines.vision.scene_augment import augment_scene
from dl_pipelines.vision.scene_drawing import CLASSES, SceneParams, make_scene, make_scenes
from dl_pipelines.vision.scene_packing import (
    N_KEYPOINTS,
    Scene,
    boxes_of,
    pack_records,
    pack_scenes,
    subset,
)

logger = logging.getLogger(__name__)

__all__ = [
    "CLASSES",
    "N_KEYPOINTS",
    "Scene",
    "SceneDataParams",
    "SceneParams",
    "augment_scene",
    "boxes_of",
    "make_scene",
    "make_scenes",
    "pack_records",
    "pack_scenes",
    "scene_set",
    "split_scene_set",
    "subset",
]


@dataclass(frozen=True)
class SceneDataParams:
    """A pipeline's ``<name>.data`` section: class names, default scenes, split.

    Attributes:
        classes: Class names, in label order. The default scenes draw
            ``ellipse, rectangle, triangle, cross``; a real data set may name others.
        count: Number of default scenes made when the raw folder is empty.
        scenes: How the default scenes are drawn (also the model's input size).
        split: Shares of ``train``, ``val`` and ``test``.
    """

    classes: tuple[str, ...]
    count: int
    scenes: SceneParams
    split: dict[str, float]

    def __post_init__(self) -> None:
        if self.count < 10:
            raise ValueError(f"count must be >= 10, got {self.count}")
        if set(self.split) != {"train", "val", "test"} or min(self.split.values()) <= 0:
            raise ValueError(
                f"split must give positive train, val and test shares, got {self.split}"
            )
        if len(set(self.classes)) != len(self.classes) or not self.classes:
            raise ValueError(f"classes must be distinct names, got {self.classes}")


def scene_set(
    records: Sequence[Mapping] | None,
    photos: Mapping[str, np.ndarray],
    params: SceneDataParams,
    seed: int,
    stream: str,
) -> dict[str, np.ndarray]:
    """The real labelled images if there are any, else ``params.count`` default scenes.

    Real records (from :class:`~dl_pipelines.datasets.CocoDetectionDataset` or
    :class:`~dl_pipelines.datasets.ImageMaskFolderDataset`) are resized to the model
    size with their boxes, keypoints and masks (see :func:`pack_records`).

    Args:
        records: The labelled images of ``data/01_raw/<stream>``; none: draw.
        photos: Background photos of the default scenes.
        params: The pipeline's ``data`` section.
        seed: The run's seed.
        stream: The pipeline's name: the seed stream of its default scenes.

    Raises:
        ValueError: when default scenes are asked for other class names than theirs.
    """
    if records:
        scenes = pack_records(records, params.classes, params.scenes.image_size)
    else:
        scenes = _default_scenes(photos, params, seed, stream)
    logger.info("%d images with %d boxes.", len(scenes["images"]), len(scenes["boxes"]))
    return scenes


def _default_scenes(
    photos: Mapping[str, np.ndarray], params: SceneDataParams, seed: int, stream: str
) -> dict[str, np.ndarray]:
    """``params.count`` drawn scenes, once their class names are checked."""
    if tuple(params.classes) != CLASSES[: len(params.classes)] or len(params.classes) != len(
        CLASSES
    ):
        raise ValueError(
            f"The default scenes draw the classes {list(CLASSES)}; the "
            f"parameters name {list(params.classes)}. Set classes to "
            f"{list(CLASSES)} or provide a labelled data set."
        )
    logger.info(
        "data/01_raw/%s is empty: drawing %d default scenes of %s px over %d photos.",
        stream,
        params.count,
        params.scenes.image_size,
        len(photos),
    )
    return make_scenes(photos, params.scenes, params.count, seed, stream)


def split_scene_set(
    data: Mapping[str, np.ndarray], fractions: Mapping[str, float], seed: int
) -> tuple[dict, dict, dict, dict]:
    """A seeded random train/val/test split of packed scenes (each scene is its own
    source), and a report of the sizes and boxes per class."""
    n = len(data["images"])
    order = seeded_rng(seed, "split").permutation(n)
    total = sum(fractions.values())
    n_train = int(round(n * fractions["train"] / total))
    n_val = max(1, int(round(n * fractions["val"] / total)))
    parts = {
        "train": np.sort(order[:n_train]),
        "val": np.sort(order[n_train : n_train + n_val]),
        "test": np.sort(order[n_train + n_val :]),
    }
    if min(len(p) for p in parts.values()) == 0:
        raise ValueError(
            f"{n} images are too few to split {dict(fractions)}: add images or raise data.count."
        )
    out = {name: subset(data, idx) for name, idx in parts.items()}
    report = {
        name: {
            "images": int(len(part["images"])),
            "boxes": int(len(part["boxes"])),
            "boxes_per_class": np.bincount(part["box_classes"]).tolist(),
        }
        for name, part in out.items()
    }
    return out["train"], out["val"], out["test"], report
