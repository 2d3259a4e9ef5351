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

CLASSES = ("ellipse", "rectangle", "triangle", "cross")
N_KEYPOINTS = 4


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


@dataclass(frozen=True)
class Scene:
    """One drawn scene and its exact labels."""

    image: np.ndarray  # (h, w, 3) uint8
    mask: np.ndarray  # (h, w) uint8: 0 background, 1 + class
    boxes: np.ndarray  # (n, 4) float32 corners
    classes: np.ndarray  # (n,) int64
    keypoints: np.ndarray  # (n, 4, 2) float32 (x, y)


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
        The packed scenes (see :func:`pack_scenes`).
    """
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    backgrounds = [photos[name] for name in sorted(photos)]
    scenes = [make_scene(backgrounds, params, seeded_rng(seed, stream, i)) for i in range(count)]
    return pack_scenes(scenes, [f"{stream}-{i:05d}" for i in range(count)])


def pack_scenes(scenes: Sequence[Scene], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Scenes → flat arrays for one ``.npz``: ``images`` (n, h, w, 3), ``masks`` (n, h, w),
    ``names`` (n,), and per box ``boxes`` (m, 4), ``box_classes`` (m,), ``box_image``
    (m,) (index of its scene) and ``keypoints`` (m, 4, 2)."""
    counts = [len(s.classes) for s in scenes]
    first = scenes[0].image.shape[:2]
    return {
        "images": np.stack([s.image for s in scenes]),
        "masks": np.stack([s.mask for s in scenes]),
        "names": np.asarray(list(names)),
        "boxes": np.concatenate([s.boxes for s in scenes]).reshape(-1, 4).astype(np.float32),
        "box_classes": np.concatenate([s.classes for s in scenes]).astype(np.int64),
        "box_image": np.repeat(np.arange(len(scenes)), counts).astype(np.int64),
        "keypoints": np.concatenate([s.keypoints for s in scenes])
        .reshape(-1, N_KEYPOINTS, 2)
        .astype(np.float32),
        "image_size": np.asarray(first, dtype=np.int64),
    }


def subset(data: Mapping[str, np.ndarray], indices: np.ndarray) -> dict[str, np.ndarray]:
    """The scenes ``indices`` of packed ``data`` (boxes re-indexed), packed again."""
    indices = np.asarray(indices, dtype=np.int64)
    position = np.full(len(data["images"]), -1, dtype=np.int64)
    position[indices] = np.arange(len(indices))
    keep = position[data["box_image"]] >= 0
    new_image = position[data["box_image"][keep]]
    order = np.argsort(new_image, kind="stable")
    out = {
        key: np.asarray(data[key])[indices] for key in ("images", "masks", "names") if key in data
    }
    out.update(
        {
            "boxes": data["boxes"][keep][order],
            "box_classes": data["box_classes"][keep][order],
            "box_image": new_image[order],
            "keypoints": data["keypoints"][keep][order],
            "image_size": np.asarray(data["image_size"]),
        }
    )
    return out


def boxes_of(data: Mapping[str, np.ndarray], index: int) -> tuple[np.ndarray, np.ndarray]:
    """Corner boxes and classes of scene ``index`` of packed ``data``."""
    mine = data["box_image"] == index
    return data["boxes"][mine], data["box_classes"][mine]


# ------------------------------------------------------------------- scene sets for nodes
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
    """
    if records:
        return pack_records(records, params.classes, params.scenes.image_size)
    if tuple(params.classes) != CLASSES[: len(params.classes)] or len(params.classes) != len(
        CLASSES
    ):
        raise ValueError(
            f"The default scenes draw the classes {list(CLASSES)}; the "
            f"parameters name {list(params.classes)}. Set classes to "
            f"{list(CLASSES)} or provide a labelled data set."
        )
    return make_scenes(photos, params.scenes, params.count, seed, stream)


def pack_records(
    records: Sequence[Mapping], classes: Sequence[str], image_size: tuple[int, int]
) -> dict[str, np.ndarray]:
    """Real labelled images → packed scenes of ``image_size``.

    Each record has ``name``, ``image`` (h, w, 3) and any of ``boxes`` (n, 4) corners in
    pixels with ``labels`` (n,) class names and ``keypoints`` (n, 4, 2), and ``mask``
    (h, w) of class indices (0 = background). Boxes and keypoints are scaled; masks are
    resized by nearest neighbour.

    Raises:
        ValueError: naming the file, for an unknown class name.
    """
    from dl_pipelines.vision.images import resize

    height, width = image_size
    index = {name: i for i, name in enumerate(classes)}
    scenes, names = [], []
    for record in records:
        image = np.asarray(record["image"])
        sy, sx = height / image.shape[0], width / image.shape[1]
        labels = list(record.get("labels", []))
        unknown = sorted({str(label) for label in labels} - set(index))
        if unknown:
            raise ValueError(
                f"{record['name']}: unknown class name(s) {unknown}; the "
                f"parameters list {list(classes)}. Add them to the pipeline's "
                "data.classes or fix the annotation."
            )
        boxes = np.asarray(record.get("boxes", np.zeros((0, 4))), dtype=np.float64).reshape(-1, 4)
        keypoints = np.asarray(
            record.get("keypoints", np.full((len(boxes), N_KEYPOINTS, 2), np.nan)), dtype=np.float64
        )
        if "mask" in record:
            if int(np.max(record["mask"], initial=0)) > len(classes):
                raise ValueError(
                    f"{record['name']}: the mask holds class index "
                    f"{int(np.max(record['mask']))} but the parameters list only "
                    f"{len(classes)} classes ({list(classes)}; 0 = background)."
                )
            mask = np.asarray(
                Image.fromarray(np.asarray(record["mask"], dtype=np.uint8)).resize(
                    (width, height), Image.Resampling.NEAREST
                )
            )
        else:
            mask = np.zeros((height, width), dtype=np.uint8)
        scenes.append(
            Scene(
                image=resize(image, (height, width)),
                mask=mask,
                boxes=(boxes * [sx, sy, sx, sy]).astype(np.float32),
                classes=np.asarray([index[label] for label in labels], dtype=np.int64),
                keypoints=(keypoints.reshape(-1, N_KEYPOINTS, 2) * [sx, sy]).astype(np.float32),
            )
        )
        names.append(str(record["name"]))
    return pack_scenes(scenes, names)


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


def augment_scene(
    image: np.ndarray,
    mask: np.ndarray,
    boxes: np.ndarray,
    rng: np.random.Generator,
    max_shift: int = 0,
    flip: bool = True,
    permute_channels: bool = True,
    keypoints: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One random variant of a labelled scene whose labels stay exact.

    * a left-right mirror (probability ½; leave ``flip`` off when keypoint order
      matters: a mirror turns a shape's left corner into its right one);
    * a shift by up to ``max_shift`` pixels in x and y, never pushing a box out of the
      image, the uncovered border filled by repeating the edge pixels (mask: background);
    * a random permutation of the colour channels (shape classes do not depend on colour).

    Returns:
        The image, the mask, the corner boxes and the keypoints ``(n, k, 2)`` (empty when
        none were given), moved with the image.
    """
    height, width = image.shape[:2]
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4).copy()
    keypoints = (
        np.zeros((len(boxes), 0, 2), dtype=np.float32)
        if keypoints is None
        else np.asarray(keypoints, dtype=np.float32).copy()
    )
    if flip and rng.random() < 0.5:
        image, mask = image[:, ::-1], mask[:, ::-1]
        boxes[:, [0, 2]] = width - boxes[:, [2, 0]]
        keypoints[..., 0] = width - keypoints[..., 0]
    if max_shift > 0:
        low_x = -int(np.floor(boxes[:, 0].min())) if len(boxes) else -max_shift
        high_x = int(np.floor(width - boxes[:, 2].max())) if len(boxes) else max_shift
        low_y = -int(np.floor(boxes[:, 1].min())) if len(boxes) else -max_shift
        high_y = int(np.floor(height - boxes[:, 3].max())) if len(boxes) else max_shift
        dx = int(rng.integers(max(-max_shift, low_x), min(max_shift, high_x) + 1))
        dy = int(rng.integers(max(-max_shift, low_y), min(max_shift, high_y) + 1))
        if dx or dy:
            pad = ((abs(dy), abs(dy)), (abs(dx), abs(dx)))
            padded = np.pad(image, (*pad, (0, 0)), mode="edge")
            padded_mask = np.pad(mask, pad, mode="constant")
            top, left = abs(dy) - dy, abs(dx) - dx
            image = padded[top : top + height, left : left + width]
            mask = padded_mask[top : top + height, left : left + width]
            boxes[:, [0, 2]] += dx
            boxes[:, [1, 3]] += dy
            keypoints += np.array([dx, dy], dtype=np.float32)
    if permute_channels:
        image = image[..., rng.permutation(3)]
    return np.ascontiguousarray(image), np.ascontiguousarray(mask), boxes, keypoints
