"""Realistic nuisance changes of a face photo: the default data's "other images" of a person.

No identity-labelled face set can be installed offline, so every real face crop of
scikit-image's ``lfw_subset`` stands for one person, and that person's photos are
made by changing what a camera and a day change — and what makes raw-pixel distance
fail (course notes): lighting and exposure, pose-like affine warps, crop and scale,
blur, JPEG compression, occluders (glasses, a beard, a scarf bar), make-up-like
tints, ageing-like loss of contrast, sensor noise. The face itself (its geometry and
texture) is never changed, so the identity stays.

All functions take and return RGB ``uint8`` arrays and draw their randomness from a
NumPy generator, so the default set is the same for a given seed.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

from dl_pipelines.pipelines.faces.params import NuisanceParams


def upscale(face: np.ndarray, side: int) -> np.ndarray:
    """A grey or RGB float/uint8 face → RGB ``uint8`` of ``side``×``side`` (bicubic)."""
    array = np.asarray(face)
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
    image = Image.fromarray(array).convert("RGB").resize((side, side), Image.Resampling.BICUBIC)
    return np.asarray(image)


def _affine(image: np.ndarray, generator: np.random.Generator, p: NuisanceParams) -> np.ndarray:
    """Roll, head-turn-like squeeze, zoom and shift, borders filled by edge pixels."""
    side = image.shape[0]
    angle = np.deg2rad(generator.uniform(-p.rotation_degrees, p.rotation_degrees))
    zoom = generator.uniform(*p.scale)
    squeeze = 1.0 - generator.uniform(0.0, p.yaw_squeeze)
    shift = generator.uniform(-p.shift, p.shift, size=2) * side
    # output → input mapping for ndimage.affine_transform (row, col coordinates)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    forward = rotation @ np.diag([zoom, zoom * squeeze])
    inverse = np.linalg.inv(forward)
    centre = np.array([side / 2 - 0.5, side / 2 - 0.5])
    offset = centre - inverse @ (centre + shift)
    out = np.empty_like(image)
    for c in range(3):
        out[..., c] = ndimage.affine_transform(
            image[..., c], inverse, offset=offset, order=1, mode="nearest"
        )
    return out


def _occluders(image: np.ndarray, generator: np.random.Generator, p: NuisanceParams) -> np.ndarray:
    """Dark glasses at eye height and/or a beard over the chin and cheeks."""
    side = image.shape[0]
    out = image.astype(np.float32)
    rows, cols = np.mgrid[0:side, 0:side] / side
    if generator.random() < p.glasses_probability:
        eye_row = generator.uniform(0.30, 0.40)
        radius = generator.uniform(0.10, 0.14)
        shade = generator.uniform(0.05, 0.5)  # sunglasses … light lenses
        lens = np.zeros((side, side), bool)
        for eye_col in (0.5 - 0.2, 0.5 + 0.2):
            lens |= ((rows - eye_row) / (0.8 * radius)) ** 2 + ((cols - eye_col) / radius) ** 2 < 1
        bridge = (np.abs(rows - eye_row) < 0.015) & (np.abs(cols - 0.5) < 0.1)
        out[lens] *= shade
        out[bridge] = 20.0
    if generator.random() < p.beard_probability:
        top = generator.uniform(0.72, 0.82)
        beard = (rows > top) & (np.abs(cols - 0.5) < 0.38 - 0.25 * (rows - top))
        texture = generator.uniform(0.15, 0.45) * (
            1 + 0.3 * generator.standard_normal((side, side))
        )
        out[beard] = out[beard] * texture[beard, None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _photometric(
    image: np.ndarray, generator: np.random.Generator, p: NuisanceParams
) -> np.ndarray:
    """Exposure, tone curve, side light, contrast, tint and sensor noise."""
    side = image.shape[0]
    x = image.astype(np.float32) / 255.0
    x = x ** generator.uniform(*p.gamma)
    x = x * 2.0 ** generator.uniform(*p.exposure_stops)
    ramp = np.linspace(-1.0, 1.0, side)[None, :, None]
    x = x * (1.0 + generator.uniform(-p.side_light, p.side_light) * ramp)
    mean = x.mean()
    x = mean + (x - mean) * generator.uniform(*p.contrast)
    tint = 1.0 + generator.uniform(-p.tint, p.tint, size=3)
    x = x * tint[None, None, :]
    x = x + generator.normal(0.0, p.noise_sigma / 255.0, size=x.shape)
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def _blur_and_compress(
    image: np.ndarray, generator: np.random.Generator, p: NuisanceParams, face_side: int
) -> np.ndarray:
    sigma = generator.uniform(*p.blur_sigma) * image.shape[0] / face_side
    pil = Image.fromarray(image)
    if sigma > 0.05:
        pil = pil.filter(ImageFilter.GaussianBlur(radius=float(sigma)))
    if generator.random() < p.jpeg_probability:
        buffer = io.BytesIO()
        pil.save(
            buffer,
            format="JPEG",
            quality=int(generator.integers(p.jpeg_quality[0], p.jpeg_quality[1] + 1)),
        )
        buffer.seek(0)
        pil = Image.open(buffer).convert("RGB")
    return np.asarray(pil)


def render_photo(
    face: np.ndarray,
    side: int,
    generator: np.random.Generator,
    params: NuisanceParams,
    face_side: int = 25,
) -> np.ndarray:
    """One photo of the person whose (grey, float) face crop is ``face``.

    Args:
        face: The person's face crop (``lfw_subset``: 25×25 floats in [0, 1]).
        side: Side of the photo in pixels.
        generator: Randomness of this photo.
        params: Strength of each change.
        face_side: Side of the source crop, which blur is measured against.
    """
    image = upscale(face, side)
    if generator.random() < params.flip_probability:
        image = image[:, ::-1]
    image = _affine(image, generator, params)
    image = _occluders(image, generator, params)
    image = _photometric(image, generator, params)
    return _blur_and_compress(image, generator, params, face_side)
