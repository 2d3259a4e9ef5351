"""Packed scenes: labelled images as flat arrays, one ``.npz`` per split.

Packed scenes hold ``images`` (n, h, w, 3) uint8, ``masks`` (n, h, w) uint8 (0 for
background, 1 + the class of the visible object), ``names`` (n,), ``image_size``
``(h, w)``, and per box ``boxes`` (m, 4) corners ``(x_min, y_min, x_max, y_max)`` in
pixels (see :mod:`dl_pipelines.vision.boxes`), ``box_classes`` (m,), ``box_image`` (m,)
(the index of its image) and ``keypoints`` (m, 4, 2) ``(x, y)`` in pixels. The drawn
default scenes (:mod:`dl_pipelines.vision.scene_drawing`) and real labelled images
(:func:`pack_records`) both come in this form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

N_KEYPOINTS = 4


@dataclass(frozen=True)
class Scene:
    """One labelled image (drawn or real) and its exact labels."""

    image: np.ndarray  # (h, w, 3) uint8
    mask: np.ndarray  # (h, w) uint8: 0 background, 1 + class
    boxes: np.ndarray  # (n, 4) float32 corners
    classes: np.ndarray  # (n,) int64
    keypoints: np.ndarray  # (n, 4, 2) float32 (x, y)


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
