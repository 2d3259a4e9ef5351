"""A COCO-style detection data set: ``annotations.json`` and a folder of images."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.vision.boxes import validate_boxes
from dl_pipelines.vision.images import ImageDecodeError, decode_image

logger = logging.getLogger(__name__)


class CocoDetectionDataset(AbstractDataset[None, list[dict[str, Any]]]):
    """Loads ``<path>/annotations.json`` (COCO object-detection layout) and its images.

    The JSON holds ``images`` (``id``, ``file_name`` relative to ``<path>/images``,
    optional ``width``/``height``), ``categories`` (``id``, ``name``) and
    ``annotations`` (``image_id``, ``category_id``, ``bbox`` = ``[x, y, width, height]``
    in pixels, optional ``keypoints`` = ``[x1, y1, v1, … x4, y4, v4]``). Each image
    becomes a record ``{name, image, boxes (n, 4) corners, labels (n,) category names,
    keypoints (n, 4, 2)}`` (keypoints NaN where absent).

    Loading fails with a message naming the file when: the JSON is unreadable or lacks
    a key; an image cannot be decoded or its size differs from the JSON; a box has zero
    area or leaves its image; an annotation names an unknown image or category.
    With ``allow_empty`` a folder with neither JSON nor images loads as ``[]`` (the
    pipelines then draw their default scenes).
    """

    def __init__(
        self,
        path: str,
        annotations: str = "annotations.json",
        images: str = "images",
        n_keypoints: int = 4,
        allow_empty: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._json = self._path / annotations
        self._images = self._path / images
        self._n_keypoints = n_keypoints
        self._allow_empty = allow_empty
        self.metadata = metadata

    def load(self) -> list[dict[str, Any]]:
        if not self._json.is_file():
            has_images = self._images.is_dir() and any(
                p.is_file() and not p.name.startswith(".") for p in self._images.rglob("*")
            )
            if self._allow_empty and not has_images:
                return []
            raise DatasetError(
                f"No COCO annotation file '{self._json}'"
                + (f" for the images in '{self._images}'" if has_images else "")
                + ": add it (see docs/vision.md), or empty the folder to use "
                "the default scenes."
            )
        try:
            coco = json.loads(self._json.read_text())
            categories = {int(c["id"]): str(c["name"]) for c in coco["categories"]}
            images = {int(i["id"]): i for i in coco["images"]}
            annotations = list(coco["annotations"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DatasetError(
                f"Cannot read COCO annotations '{self._json}' ({error!r}): it "
                "needs 'images', 'annotations' and 'categories' lists."
            ) from error
        for image_id, info in images.items():
            self._check_image_entry(image_id, info)
        per_image: dict[int, list[dict]] = {image_id: [] for image_id in images}
        for position, annotation in enumerate(annotations):
            self._check_annotation(position, annotation)
            image_id = annotation.get("image_id")
            if image_id not in per_image:
                raise DatasetError(
                    f"{self._json}: annotation {annotation.get('id')} refers to "
                    f"image_id {image_id!r}, which is not in 'images'."
                )
            if annotation.get("category_id") not in categories:
                raise DatasetError(
                    f"{self._json}: annotation {annotation.get('id')} has the "
                    f"unknown category_id {annotation.get('category_id')!r}; "
                    f"known: {categories}."
                )
            per_image[image_id].append(annotation)
        records = []
        for image_id, info in images.items():
            file = self._images / str(info["file_name"])
            try:
                image = decode_image(file)
            except ImageDecodeError as error:
                raise DatasetError(str(error)) from error
            expected = (info.get("height"), info.get("width"))
            if None not in expected and tuple(image.shape[:2]) != tuple(expected):
                raise DatasetError(
                    f"{file}: the image is {image.shape[1]}×{image.shape[0]} "
                    f"but '{self._json.name}' says {expected[1]}×{expected[0]}."
                )
            own = per_image[image_id]
            boxes = np.array(
                [
                    [
                        a["bbox"][0],
                        a["bbox"][1],
                        a["bbox"][0] + a["bbox"][2],
                        a["bbox"][1] + a["bbox"][3],
                    ]
                    for a in own
                ],
                dtype=np.float64,
            ).reshape(-1, 4)
            try:
                validate_boxes(boxes, image.shape[:2], f"{file} (in {self._json.name})")
            except ValueError as error:
                raise DatasetError(str(error)) from error
            keypoints = np.full((len(own), self._n_keypoints, 2), np.nan)
            for k, a in enumerate(own):
                if a.get("keypoints"):
                    points = np.asarray(a["keypoints"], dtype=np.float64).reshape(-1, 3)
                    if len(points) != self._n_keypoints:
                        raise DatasetError(
                            f"{file}: annotation {a.get('id')} has "
                            f"{len(points)} keypoints, expected "
                            f"{self._n_keypoints}."
                        )
                    keypoints[k] = np.where(points[:, 2:3] > 0, points[:, :2], np.nan)
            records.append(
                {
                    "name": str(info["file_name"]),
                    "image": image,
                    "boxes": boxes,
                    "labels": [categories[a["category_id"]] for a in own],
                    "keypoints": keypoints,
                }
            )
        logger.info(
            "Loaded %d images with %d boxes from %s", len(records), len(annotations), self._json
        )
        return records

    def _check_image_entry(self, image_id: int, info: Any) -> None:
        """An ``images`` entry is a mapping with a non-empty string ``file_name``."""
        name = info.get("file_name") if isinstance(info, dict) else None
        if not isinstance(name, str) or not name:
            raise DatasetError(
                f"{self._json}: image id {image_id} has no 'file_name' (got "
                f"{name!r}): give each entry of 'images' the path of its image "
                f"relative to '{self._images}'."
            )

    def _check_annotation(self, position: int, annotation: Any) -> None:
        """An annotation has ``bbox`` = four finite numbers ``[x, y, width, height]``."""
        if not isinstance(annotation, dict):
            raise DatasetError(
                f"{self._json}: annotations[{position}] is {annotation!r}, not "
                "an object with 'image_id', 'category_id' and 'bbox'."
            )
        where = (
            f"{self._json}: annotation id {annotation.get('id', '?')} (annotations"
            f"[{position}], image_id {annotation.get('image_id')!r})"
        )
        if "bbox" not in annotation:
            raise DatasetError(
                f"{where} has no 'bbox': add [x, y, width, height] in pixels, "
                "or delete the annotation."
            )
        bbox = annotation["bbox"]
        numbers = (
            isinstance(bbox, list | tuple)
            and len(bbox) == 4
            and all(
                isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
                for v in bbox
            )
        )
        if not numbers:
            raise DatasetError(
                f"{where} has bbox {bbox!r}: it must be four numbers "
                "[x, y, width, height] in pixels (COCO's layout)."
            )

    def save(self, data: None) -> None:
        raise DatasetError("CocoDetectionDataset is read-only.")

    def _exists(self) -> bool:
        return self._json.is_file()

    def _describe(self) -> dict[str, Any]:
        return {
            "path": str(self._path),
            "annotations": self._json.name,
            "images": self._images.name,
        }
