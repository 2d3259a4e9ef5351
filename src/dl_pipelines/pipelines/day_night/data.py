"""The day/night image set: the user's class folders or the offline default set, split.

Every set is a dict of parallel arrays: ``images`` (n, h, w, 3) uint8, ``labels`` (n,)
0 = day / 1 = night, ``groups`` (n,) the source of every image (a photo, a landscape, a
file) and ``names`` (n,).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.day_night.lit_scenes import add_shade, render_lit_night
from dl_pipelines.pipelines.day_night.params import DataParams
from dl_pipelines.pipelines.day_night.rendering import crops, render_day, render_night, sky_scene
from dl_pipelines.pipelines.day_night.splits import grouped_stratified_split
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.images import resize

logger = logging.getLogger(__name__)

DAY, NIGHT = 0, 1


def _image_set(images: list, labels: list, groups: list, names: list) -> dict[str, np.ndarray]:
    return {
        "images": np.stack(images),
        "labels": np.asarray(labels, dtype=np.int64),
        "groups": np.asarray(groups),
        "names": np.asarray(names),
    }


def from_class_folders(raw_images: dict[str, np.ndarray], data: DataParams) -> dict:
    """The user's images, resized; the class is the top folder, each file its own source.

    Raises:
        ValueError: for an image outside the class folders.
    """
    index = {name: i for i, name in enumerate(data.classes)}
    images, labels, names = [], [], []
    for key, image in raw_images.items():
        class_name = key.split("/", 1)[0]
        if class_name not in index:
            raise ValueError(
                f"Image '{key}' is in folder '{class_name}', which is not one of "
                f"the classes {list(data.classes)}."
            )
        images.append(resize(image, data.image_size))
        labels.append(index[class_name])
        names.append(key)
    return _image_set(images, labels, names, names)


def training_photos(
    sample_photos: dict[str, np.ndarray], held_out: dict[str, str] | None
) -> dict[str, np.ndarray]:
    """The sample photos the default set may use: all but those held out for evaluation."""
    kept = sorted(set(sample_photos) & set(held_out or {}))
    if kept:
        logger.info("Photos %s are held out for evaluation: not used for training.", kept)
    return {name: photo for name, photo in sample_photos.items() if name not in kept}


def default_set(photos: dict[str, np.ndarray], data: DataParams, seed: int) -> dict:
    """The offline set: crops of ``photos`` by day and rendered by night, and landscapes.

    Every photo gives ``crops_per_photo`` day crops (some shaded) and as many other crops
    rendered by night (most as lit nights); every procedural landscape is drawn both ways.

    Raises:
        ValueError: when there is no photo.
    """
    if not photos:
        raise ValueError(
            "No sample photos to build the default day/night set from: add "
            "images to data/01_raw/day_night/{day,night}/."
        )
    config = data.default_data
    logger.info(
        "data/01_raw/day_night is empty: making the default set from %d real photos "
        "and %d procedural scenes.",
        len(photos),
        config.sky_scenes,
    )
    images, labels, groups, names = [], [], [], []

    def add(image: np.ndarray, label: int, group: str, name: str) -> None:
        images.append(image)
        labels.append(label)
        groups.append(group)
        names.append(name)

    lit, shaded = config.lit_night, config.shaded_day
    for photo_name, photo in photos.items():
        count = config.crops_per_photo
        photo_crops = crops(
            photo, 2 * count, rng(seed, "default_data", photo_name), config.crop_fraction
        )
        for i, crop in enumerate(photo_crops):
            # One generator per image and per renderer: switching a renderer on or off,
            # or reseeding it, leaves every other image as it was.
            generator = rng(seed, "default_data", photo_name, i)
            if i < count:
                image, name = render_day(crop, data.image_size, generator, config.day), "day"
                shade = rng(seed, "shaded_day", shaded.seed, photo_name, i)
                if shaded.enabled and shade.random() < shaded.share:
                    image, name = add_shade(image, shade, shaded), "day-shaded"
                add(image, DAY, photo_name, f"{photo_name}/{name}-{i:03d}")
                continue
            lights = rng(seed, "lit_night", lit.seed, photo_name, i)
            if lit.enabled and lights.random() < lit.share:
                image, name = render_lit_night(crop, data.image_size, lights, lit), "night-lit"
            else:
                image = render_night(crop, data.image_size, generator, config.night)
                name = "night"
            add(image, NIGHT, photo_name, f"{photo_name}/{name}-{i - count:03d}")
    for i in range(config.sky_scenes):
        day, night = sky_scene(data.image_size, rng(seed, "sky", i))
        add(day, DAY, f"sky-{i:04d}", f"sky-{i:04d}/day")
        add(night, NIGHT, f"sky-{i:04d}", f"sky-{i:04d}/night")
    return _image_set(images, labels, groups, names)


def split_by_source(
    images: dict[str, np.ndarray], fractions: dict[str, float], seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """``{"train" | "val" | "test": part}``, stratified by class, no source in two parts."""
    indices = grouped_stratified_split(
        images["labels"], images["groups"], fractions, rng(seed, "split")
    )
    return {
        name: {key: value[idx] for key, value in images.items()} for name, idx in indices.items()
    }


def balance_report(
    parts: dict[str, dict[str, np.ndarray]], classes: list[str]
) -> dict[str, dict[str, Any]]:
    """Images, sources, and count and share of each class, per part (and logged)."""
    report: dict[str, Any] = {}
    for name, part in parts.items():
        counts = np.bincount(part["labels"], minlength=len(classes))
        report[name] = {
            "images": int(len(part["labels"])),
            "sources": int(len(set(part["groups"].tolist()))),
            **{f"n_{c}": int(n) for c, n in zip(classes, counts, strict=True)},
            **{
                f"share_{c}": round(float(n) / max(1, counts.sum()), 4)
                for c, n in zip(classes, counts, strict=True)
            },
        }
        logger.info(
            "%s: %d images from %d sources, %s",
            name,
            report[name]["images"],
            report[name]["sources"],
            ", ".join(f"{c}={n}" for c, n in zip(classes, counts, strict=True)),
        )
    return report


def examples_figure(
    train: dict[str, np.ndarray], classes: list[str], seed: int, per_class: int
) -> Figure:
    """A grid of ``per_class`` random training images of each class, one row a class."""
    generator = rng(seed, "examples")
    chosen = []
    for label in range(len(classes)):
        candidates = np.flatnonzero(train["labels"] == label)
        chosen.extend(generator.choice(candidates, min(per_class, len(candidates)), replace=False))
    chosen = np.asarray(chosen)
    return plotting.image_grid(
        train["images"][chosen],
        [classes[label] for label in train["labels"][chosen]],
        columns=per_class,
        title="Training examples",
    )
