"""Image utilities shared by the pipelines: decoding, colour, resizing, cropping.

Images are ``uint8`` arrays of shape ``(height, width, 3)`` in sRGB unless a function
says otherwise; batches are ``(n, height, width, 3)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: File endings read as images.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


class ImageDecodeError(ValueError):
    """An image file could not be decoded."""


def decode_image(path: str | Path) -> np.ndarray:
    """Read an image file into an RGB ``uint8`` array, honouring EXIF orientation.

    Raises:
        ImageDecodeError: naming the file, when it is not a readable image.
    """
    try:
        with Image.open(path) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                return to_rgb_uint8(_high_depth_to_unit(np.asarray(image), image.mode))
            return to_rgb_uint8(np.asarray(image.convert("RGBA" if _has_alpha(image) else "RGB")))
    except Image.DecompressionBombError as error:
        raise ImageDecodeError(too_large_message(path, error)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageDecodeError(
            f"Cannot read image '{path}' ({error}). Replace it with a valid JPEG or PNG, "
            "or delete it."
        ) from error


def too_large_message(path: str | Path, error: Exception) -> str:
    """The error for an image beyond Pillow's decompression-bomb limit, naming the file."""
    limit = Image.MAX_IMAGE_PIXELS or 0
    return (
        f"Image '{path}' is too large to decode safely ({error}). Downscale it below "
        f"{limit / 1e6:.0f} megapixels (e.g. `convert '{Path(path).name}' -resize "
        f"4096x4096 smaller.png`), or delete it."
    )


def _high_depth_to_unit(array: np.ndarray, mode: str) -> np.ndarray:
    """16-bit or 32-bit grey pixels → float in [0, 1] (Pillow's own conversion clips)."""
    array = array.astype(np.float64)
    if mode == "F":
        return np.clip(array, 0.0, 1.0) if array.max(initial=0.0) <= 1.0 else array / 255.0
    peak = 65535.0 if array.max(initial=0.0) > 255 or mode.startswith("I;16") else 255.0
    return np.clip(array / peak, 0.0, 1.0)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def to_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a grey, RGB or RGBA image (``uint8``, or float in [0, 1]) to RGB ``uint8``.

    Transparent pixels are composited onto white.
    """
    array = np.asarray(image)
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.floating):
            raise ValueError(f"Unsupported image dtype {array.dtype}: use uint8 or float.")
        array = np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"Not an image: array of shape {array.shape}.")
    channels = array.shape[-1]
    if channels in (2, 4):
        colour, alpha = array[..., :-1].astype(np.float32), array[..., -1:] / 255.0
        array = np.rint(colour * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    return np.ascontiguousarray(array)


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an RGB ``uint8`` image to ``size`` = (height, width), antialiased."""
    height, width = size
    if image.shape[:2] == (height, width):
        return image
    resized = Image.fromarray(image).resize(
        (width, height), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    return np.asarray(resized)


def center_square(image: np.ndarray) -> np.ndarray:
    """The largest centred square of an image."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top : top + side, left : left + side]


def random_square_crop(
    image: np.ndarray, rng: np.random.Generator, min_fraction: float, max_fraction: float
) -> np.ndarray:
    """A random square crop whose side is a random fraction of the image's short side."""
    height, width = image.shape[:2]
    side = int(round(min(height, width) * rng.uniform(min_fraction, max_fraction)))
    side = max(1, min(side, height, width))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    return image[top : top + side, left : left + side]


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """sRGB ``uint8`` → linear light in [0, 1] (float32), the IEC 61966-2-1 curve."""
    c = image.astype(np.float32) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light (clipped to [0, 1]) → sRGB ``uint8``."""
    c = np.clip(linear, 0.0, 1.0)
    encoded = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.clip(np.rint(encoded * 255.0), 0, 255).astype(np.uint8)
