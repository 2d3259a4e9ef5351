"""The images of style transfer: the library of content and style images, sizes and crops.

Pure NumPy: images are ``(h, w, 3)`` uint8 arrays; names are file names without ending.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import PurePosixPath

import numpy as np

from dl_pipelines.pipelines.style_transfer.painting import paint
from dl_pipelines.pipelines.style_transfer.params import ImagesParams
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.vision.images import center_square, random_square_crop, resize

logger = logging.getLogger(__name__)


def library(
    user_content: Mapping[str, np.ndarray],
    user_style: Mapping[str, np.ndarray],
    default_content: Mapping[str, np.ndarray],
    default_style: Mapping[str, np.ndarray],
    config: ImagesParams,
    seed: int,
) -> tuple[dict, dict]:
    """The defaults, the painted styles and the user's images, by name (see
    ``nodes.collect_images``)."""
    content = dict(default_content)
    content.update(named_images(user_content, "content", config.min_input_size))
    style = dict(default_style)
    for name in config.painted_styles:
        style[name] = paint(name, config.painted_size, rng(seed, "painted", name))
    style.update(named_images(user_style, "style", config.min_input_size))
    logger.info(
        "%d content images (%d yours), %d styles (%d yours): %s × %s",
        len(content),
        len(user_content),
        len(style),
        len(user_style),
        sorted(content),
        sorted(style),
    )
    return content, style


def named_images(
    images: Mapping[str, np.ndarray], kind: str, min_size: int
) -> dict[str, np.ndarray]:
    """``{"sub/photo.jpg": image}`` → ``{"photo": image}``, checking names and sizes."""
    named: dict[str, np.ndarray] = {}
    origin: dict[str, str] = {}
    for key, image in images.items():
        name = PurePosixPath(key).stem
        if name in named:
            raise ValueError(
                f"Two {kind} images are both called '{name}': '{origin[name]}' and "
                f"'{key}' in data/01_raw/style_transfer/{kind}/. Rename one."
            )
        check_size(image, f"{kind} image '{key}'", min_size)
        named[name], origin[name] = image, key
    return named


def check_size(image: np.ndarray, what: str, min_size: int) -> None:
    """Reject an image whose short side is under ``min_size`` px, naming it."""
    if min(image.shape[:2]) < min_size:
        raise ValueError(
            f"The {what} is {image.shape[1]}×{image.shape[0]} px; images need "
            f"at least {min_size} px on their short side "
            "(style_transfer.images.min_input_size). Replace it with a larger "
            "image."
        )


def square(image: np.ndarray, size: int) -> np.ndarray:
    """The centred square of ``image`` resized to ``size``×``size``."""
    return resize(center_square(image), (size, size))


def cover(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Crop the centre of ``image`` to the aspect ratio of ``shape`` and resize to it."""
    height, width = image.shape[:2]
    target_h, target_w = shape
    scale = min(height / target_h, width / target_w)
    crop_h, crop_w = max(1, round(target_h * scale)), max(1, round(target_w * scale))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return resize(image[top : top + crop_h, left : left + crop_w], (target_h, target_w))


def fit_long_side(image: np.ndarray, size: int) -> np.ndarray:
    """Resize so that the longer side is ``size`` px, keeping the aspect ratio."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    return resize(image, (max(16, round(height * scale)), max(16, round(width * scale))))


def training_crops(
    photos: Mapping[str, np.ndarray],
    count: int,
    size: int,
    fraction: tuple[float, float],
    generator: np.random.Generator,
) -> np.ndarray:
    """``count`` random square crops of ``photos``, resized to ``size``, half flipped."""
    names = sorted(photos)
    crops = np.empty((count, size, size, 3), dtype=np.uint8)
    for i in range(count):
        photo = photos[names[int(generator.integers(len(names)))]]
        crop = resize(random_square_crop(photo, generator, *fraction), (size, size))
        crops[i] = crop[:, ::-1] if generator.random() < 0.5 else crop
    return crops
