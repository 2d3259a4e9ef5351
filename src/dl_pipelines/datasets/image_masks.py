"""Image + PNG mask pairs for semantic segmentation."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError
from PIL import Image, UnidentifiedImageError

from dl_pipelines.vision.images import (
    IMAGE_EXTENSIONS,
    ImageDecodeError,
    decode_image,
    too_large_message,
)

logger = logging.getLogger(__name__)


class ImageMaskFolderDataset(AbstractDataset[None, list[dict[str, Any]]]):
    """Loads ``<path>/images/<stem>.{jpg,png}`` with ``<path>/masks/<stem>.png``.

    A mask is a single-channel PNG (8-bit grey or palette) of the image's size whose
    pixel values are class indices: 0 = background, ``k`` = the k-th class of the
    pipeline's ``data.classes``. Each pair becomes ``{name, image, mask}``.

    Loading fails with a message naming the file when an image or mask cannot be read,
    an image has no mask (or a mask no image), or a mask is not the image's size or has
    colour channels. With ``allow_empty`` a folder without images loads as ``[]``.
    """

    def __init__(
        self,
        path: str,
        images: str = "images",
        masks: str = "masks",
        allow_empty: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._images = self._path / images
        self._masks = self._path / masks
        self._allow_empty = allow_empty
        self.metadata = metadata

    @staticmethod
    def _files(folder: Path, extensions: tuple[str, ...]) -> dict[str, Path]:
        if not folder.is_dir():
            return {}
        return {
            p.relative_to(folder).with_suffix("").as_posix(): p
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix.lower() in extensions
        }

    def load(self) -> list[dict[str, Any]]:
        images = self._files(self._images, IMAGE_EXTENSIONS)
        masks = self._files(self._masks, (".png",))
        if not images and not masks:
            if self._allow_empty:
                return []
            raise DatasetError(f"No images in '{self._images}': add image + mask pairs.")
        lonely = sorted(set(images) ^ set(masks))
        if lonely:
            stem = lonely[0]
            missing = (
                (self._masks / f"{stem}.png") if stem in images else (self._images / f"{stem}.png")
            )
            raise DatasetError(
                f"'{images.get(stem) or masks.get(stem)}' has no partner: "
                f"expected '{missing}' ({len(lonely)} unpaired file(s)). Every "
                "image needs a PNG mask with the same name."
            )
        records = []
        for stem, image_file in images.items():
            try:
                image = decode_image(image_file)
            except ImageDecodeError as error:
                raise DatasetError(str(error)) from error
            mask_file = masks[stem]
            try:
                with Image.open(mask_file) as opened:
                    if opened.mode not in ("L", "P", "I", "I;16", "1"):
                        raise DatasetError(
                            f"Mask '{mask_file}' has mode {opened.mode}: save it "
                            "as a single-channel PNG of class indices."
                        )
                    mask = np.asarray(opened)
            except Image.DecompressionBombError as error:
                raise DatasetError(too_large_message(mask_file, error)) from error
            except (UnidentifiedImageError, OSError, SyntaxError) as error:
                raise DatasetError(
                    f"Cannot read mask '{mask_file}' ({error}). Replace it with "
                    "a single-channel PNG."
                ) from error
            if mask.shape != image.shape[:2]:
                raise DatasetError(
                    f"Mask '{mask_file}' is {mask.shape[1]}×{mask.shape[0]} but "
                    f"its image '{image_file.name}' is {image.shape[1]}×"
                    f"{image.shape[0]}: masks must have the image's size."
                )
            records.append(
                {
                    "name": image_file.relative_to(self._images).as_posix(),
                    "image": image,
                    "mask": mask.astype(np.int64),
                }
            )
        logger.info("Loaded %d image/mask pairs from %s", len(records), self._path)
        return records

    def save(self, data: None) -> None:
        raise DatasetError("ImageMaskFolderDataset is read-only.")

    def _exists(self) -> bool:
        return self._images.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "images": self._images.name, "masks": self._masks.name}
