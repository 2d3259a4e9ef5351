"""Synthetic labelled scenes for localisation, detection and segmentation (offline, seeded).

A scene is a crop of a real photograph (the CC0 / public-domain photos and textures
installed with scikit-image, scikit-learn and matplotlib) with shapes of several classes
pasted on top: ellipses, rectangles, triangles and crosses of varied size, aspect,
rotation, colour and fill (solid with shading, a texture cut from a photo, stripes).
Later shapes may cover earlier ones (occlusion) up to a limit. Because the scene is
drawn, its labels are exact:

* ``boxes`` – the tight box of each shape's pixels, corners ``(x_min, y_min, x_max, y_max)``
  (see :mod:`dl_pipelines.vision.boxes`), whether or not part of it is hidden;
* ``classes`` – 0 … ``len(CLASSES) − 1``;
* ``mask`` – per pixel, 0 for background or 1 + the class of the visible shape;
* ``keypoints`` – 4 landmarks per shape, ``(x, y)`` in pixels: the 4 corners of a
  rectangle, the 4 arm tips of a cross, the 4 ends of an ellipse's axes, and a
  triangle's 3 vertices then its centroid, each in a fixed order of the shape's own frame
  (rotations stay within ± ``rotation_deg`` so the order is well defined).

Scene ``i`` of seed ``s`` depends only on ``(s, i)`` and the parameters: the same seed
gives the same pixels on every machine, whatever the number of scenes asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from skimage.draw import polygon as fill_polygon

from dl_pipelines.runtime.seeding import rng as seeded_rng
from dl_pipelines.vision.scene_packing import N_KEYPOINTS, Scene, pack_scenes

CLASSES = ("ellipse", "rectangle", "triangle", "cross")


@dataclass(frozen=True)
class SceneParams:
    """How scenes are drawn (a pipeline's ``<name>.data.scenes`` parameters).

    Attributes:
        image_size: ``[height, width]`` in pixels.
        objects: ``[min, max]`` shapes per scene (inclusive); 0 allowed.
        object_size: ``[min, max]`` extent of a shape as a share of the image's short side.
        max_occlusion: Largest share of a shape that later shapes may hide.
        rotation_deg: Shapes are rotated by a uniform angle in ± this.
        fills: Relative odds of the fills ``[solid, texture, stripes]``.
        empty_share: Share of scenes drawn with no shape at all (background only).
    """

    image_size: tuple[int, int]
    objects: tuple[int, int]
    object_size: tuple[float, float]
    max_occlusion: float = 0.4
    rotation_deg: float = 25.0
    fills: tuple[float, float, float] = (1.0, 1.0, 1.0)
    empty_share: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.empty_share < 1:
            raise ValueError(f"empty_share must be in [0, 1), got {self.empty_share}")
        if min(self.image_size) < 16:
            raise ValueError(f"image_size must be at least 16×16, got {self.image_size}")
        if not 0 <= self.objects[0] <= self.objects[1]:
            raise ValueError(f"objects must be [min, max] with 0 <= min <= max, got {self.objects}")
        if not 0 < self.object_size[0] <= self.object_size[1] <= 1:
            raise ValueError(
                f"object_size must be [min, max] with 0 < min <= max <= 1, got {self.object_size}"
            )
        if not 0 <= self.max_occlusion < 1:
            raise ValueError(f"max_occlusion must be in [0, 1), got {self.max_occlusion}")
        if not 0 <= self.rotation_deg < 45:
            raise ValueError(f"rotation_deg must be in [0, 45), got {self.rotation_deg}")
        if min(self.fills) < 0 or sum(self.fills) <= 0:
            raise ValueError(f"fills must be non-negative odds, not all 0, got {self.fills}")


# ------------------------------------------------------------------------------- shapes
def _outline(label: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Polygon and keypoints of a shape of unit extent in its own frame (y down)."""
    if label == 0:  # ellipse
        ry = rng.uniform(0.55, 1.0)
        angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        poly = np.stack([np.cos(angles), ry * np.sin(angles)], axis=1)
        keys = np.array([[0, -ry], [1, 0], [0, ry], [-1, 0]])  # top, right, bottom, left
    elif label == 1:  # rectangle
        ry = rng.uniform(0.45, 0.9)
        poly = np.array([[-1, -ry], [1, -ry], [1, ry], [-1, ry]])
        keys = poly.copy()  # TL, TR, BR, BL
    elif label == 2:  # triangle, apex up
        half = rng.uniform(0.7, 1.0)
        poly = np.array([[0, -1], [half, 1], [-half, 1]])
        keys = np.concatenate([poly, poly.mean(axis=0, keepdims=True)])  # apex, BR, BL, centroid
    else:  # cross
        t = rng.uniform(0.25, 0.4)
        poly = np.array(
            [
                [-t, -1],
                [t, -1],
                [t, -t],
                [1, -t],
                [1, t],
                [t, t],
                [t, 1],
                [-t, 1],
                [-t, t],
                [-1, t],
                [-1, -t],
                [-t, -t],
            ]
        )
        keys = np.array([[0, -1], [1, 0], [0, 1], [-1, 0]])  # top, right, bottom, left
    return poly.astype(np.float64), keys.astype(np.float64)


def _rasterise(poly: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Boolean mask of the pixels whose centres fall inside the polygon ``(x, y)``."""
    mask = np.zeros(shape, dtype=bool)
    # skimage samples at integer coordinates; pixel (r, c) has its centre at (c + ½, r + ½).
    rows, cols = fill_polygon(poly[:, 1] - 0.5, poly[:, 0] - 0.5, shape=shape)
    mask[rows, cols] = True
    return mask


# -------------------------------------------------------------------------------- fills
def _random_colour(rng: np.random.Generator) -> np.ndarray:
    hue = rng.uniform(0, 6)
    saturation, value = rng.uniform(0.55, 1.0), rng.uniform(0.45, 1.0)
    c = value * saturation
    x = c * (1 - abs(hue % 2 - 1))
    rgb = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(hue) % 6]
    return (np.asarray(rgb) + (value - c)) * 255.0


def _fill(
    kind: int, shape: tuple[int, int], photos: Sequence[np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    """An (h, w, 3) float paint layer: solid with shading, texture, or stripes."""
    height, width = shape
    colour = _random_colour(rng)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    if kind == 0:  # solid with a linear shading
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * xx + np.sin(angle) * yy) / max(height, width)
        shade = 1 + rng.uniform(0.1, 0.35) * (ramp - ramp.mean())
        return colour[None, None, :] * shade[..., None]
    if kind == 1:  # texture cut from a photo, tinted
        grey = _grey_crop(photos[int(rng.integers(len(photos)))], shape, rng)
        grey = (grey - grey.mean()) / (grey.std() + 1e-6)
        return colour[None, None, :] * (1 + 0.25 * np.clip(grey, -2, 2))[..., None]
    other = _random_colour(rng)  # stripes
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(3, 8)
    phase = (np.cos(angle) * xx + np.sin(angle) * yy) / period
    stripe = (np.floor(phase) % 2)[..., None]
    return colour[None, None, :] * stripe + other[None, None, :] * (1 - stripe)


def _grey_crop(photo: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    crop = _crop(photo, shape, rng)
    return crop.astype(np.float64).mean(axis=-1)


def _crop(photo: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A random crop of ``photo`` (30–100 % of its short side) resized to ``shape``."""
    height, width = photo.shape[:2]
    side = int(min(height, width) * rng.uniform(0.3, 1.0))
    side = max(8, min(side, height, width))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    aspect = shape[1] / shape[0]
    crop_w = min(width - left, max(1, int(round(side * aspect))))
    crop = photo[top : top + side, left : left + crop_w]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    resized = Image.fromarray(np.ascontiguousarray(crop)).resize(
        (shape[1], shape[0]), Image.Resampling.BILINEAR
    )
    return np.asarray(resized)


# ------------------------------------------------------------------------------- scenes
def make_scene(
    photos: Sequence[np.ndarray], params: SceneParams, rng: np.random.Generator
) -> Scene:
    """Draw one scene: a photo crop as background, then shapes one over another."""
    if not photos:
        raise ValueError("make_scene needs at least one background photo.")
    height, width = params.image_size
    image = _crop(photos[int(rng.integers(len(photos)))], (height, width), rng).astype(np.float64)
    owner = np.full((height, width), -1, dtype=np.int64)  # which shape each pixel shows
    full_areas: list[int] = []
    boxes, classes, keypoints = [], [], []
    wanted = int(rng.integers(params.objects[0], params.objects[1] + 1))
    if rng.random() < params.empty_share:
        wanted = 0
    fill_odds = np.asarray(params.fills, dtype=np.float64) / sum(params.fills)
    short = min(height, width)
    for _ in range(wanted):
        label = int(rng.integers(len(CLASSES)))
        for _attempt in range(25):
            poly, keys = _outline(label, rng)
            extent = rng.uniform(*params.object_size) * short / 2  # half-size in pixels
            theta = np.deg2rad(rng.uniform(-params.rotation_deg, params.rotation_deg))
            rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
            poly_px, keys_px = (poly @ rotation.T) * extent, (keys @ rotation.T) * extent
            low, high = poly_px.min(axis=0), poly_px.max(axis=0)
            if high[0] - low[0] > width - 2 or high[1] - low[1] > height - 2:
                continue
            centre = np.array(
                [
                    rng.uniform(1 - low[0], width - 1 - high[0]),
                    rng.uniform(1 - low[1], height - 1 - high[1]),
                ]
            )
            mask = _rasterise(poly_px + centre, (height, width))
            if mask.sum() < 4:
                continue
            trial = np.where(mask, len(full_areas), owner)
            visible = np.bincount(trial[trial >= 0], minlength=len(full_areas) + 1)
            areas = np.asarray(full_areas + [int(mask.sum())])
            if np.all(visible >= (1 - params.max_occlusion) * areas):
                break
        else:
            continue  # no placement keeps every shape visible enough: draw one fewer
        paint = _fill(int(rng.choice(3, p=fill_odds)), (height, width), photos, rng)
        image[mask] = paint[mask]
        owner = trial
        full_areas.append(int(mask.sum()))
        rows, cols = np.nonzero(mask)
        boxes.append([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
        classes.append(label)
        keypoints.append(keys_px + centre)
    semantic = np.zeros((height, width), dtype=np.uint8)
    if classes:
        labels = np.asarray(classes)
        semantic[owner >= 0] = labels[owner[owner >= 0]] + 1
    return Scene(
        image=np.clip(np.rint(image), 0, 255).astype(np.uint8),
        mask=semantic,
        boxes=np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
        classes=np.asarray(classes, dtype=np.int64),
        keypoints=np.asarray(keypoints, dtype=np.float32).reshape(-1, N_KEYPOINTS, 2),
    )


def make_scenes(
    photos: Mapping[str, np.ndarray],
    params: SceneParams,
    count: int,
    seed: int,
    stream: str = "scenes",
) -> dict[str, np.ndarray]:
    """Draw ``count`` scenes; scene ``i`` uses the generator ``rng(seed, stream, i)``.

    Returns:
        The packed scenes (see :func:`~dl_pipelines.vision.scene_packing.pack_scenes`).
    """
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    backgrounds = [photos[name] for name in sorted(photos)]
    scenes = [make_scene(backgrounds, params, seeded_rng(seed, stream, i)) for i in range(count)]
    return pack_scenes(scenes, [f"{stream}-{i:05d}" for i in range(count)])
