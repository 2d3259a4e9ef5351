"""A folder of images, flat or with one sub-folder per class."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import ImagePreview

from dl_pipelines.datasets._preview import png_base64, tile
from dl_pipelines.vision.images import IMAGE_EXTENSIONS, ImageDecodeError, decode_image

logger = logging.getLogger(__name__)


class ImageFolderDataset(AbstractDataset[None, dict[str, np.ndarray]]):
    """Loads every image under a folder as ``{relative/path.png: RGB uint8 array}``.

    With ``classes`` the folder holds one sub-folder per class (``day/``, ``night/``)
    and keys start with the class name; without, it is a flat folder of images.
    Images keep their size (nodes resize). Keys are sorted, so the order is the same
    on every machine. Files whose ending is not an image ending are skipped with a
    warning; hidden files (``.gitkeep``) silently.

    Loading fails with a message that names the folder or file and the fix when:
    the folder does not exist; a file with an image ending cannot be decoded; some
    but not all class folders are empty (``allow_empty`` decides whether a folder
    with no images at all is an error or an empty dict).

    Example catalog entry::

        day_night_raw_images:
          type: dl_pipelines.datasets.ImageFolderDataset
          path: data/01_raw/day_night
          classes: [day, night]
    """

    def __init__(
        self,
        path: str,
        classes: list[str] | None = None,
        extensions: list[str] | None = None,
        allow_empty: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._classes = list(classes) if classes else None
        self._extensions = tuple(e.lower() for e in (extensions or IMAGE_EXTENSIONS))
        self._allow_empty = allow_empty
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        if not self._path.is_dir():
            raise DatasetError(
                f"Image folder '{self._path}' does not exist: create it and "
                f"put {'/'.join(self._extensions)} images in it."
            )
        if self._classes is None:
            files = self._image_files(self._path)
        else:
            per_class = {c: self._image_files(self._path / c) for c in self._classes}
            empty = [c for c, f in per_class.items() if not f]
            if empty and len(empty) < len(self._classes):
                folders = ", ".join(f"'{self._path / c}'" for c in empty)
                raise DatasetError(
                    f"Class folder(s) {folders} hold no images while other classes do. "
                    f"Add {'/'.join(self._extensions)} images to them, or empty every "
                    f"class folder under '{self._path}' to use the default data set."
                )
            files = [f for c in self._classes for f in per_class[c]]
        if not files and not self._allow_empty:
            raise DatasetError(
                f"No {'/'.join(self._extensions)} images in '{self._path}': "
                "put the images to use there."
            )
        images = {}
        for file in files:
            try:
                images[file.relative_to(self._path).as_posix()] = decode_image(file)
            except ImageDecodeError as error:
                raise DatasetError(str(error)) from error
        logger.info("Loaded %d images from %s", len(images), self._path)
        return images

    def _image_files(self, folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        files, skipped = [], []
        for file in sorted(folder.rglob("*")):
            if not file.is_file() or any(p.startswith(".") for p in file.relative_to(folder).parts):
                continue
            (files if file.suffix.lower() in self._extensions else skipped).append(file)
        if skipped:
            logger.warning(
                "Skipped %d file(s) in %s that are not %s images: %s",
                len(skipped),
                folder,
                "/".join(self._extensions),
                ", ".join(f.name for f in skipped[:5]),
            )
        return files

    def save(self, data: None) -> None:
        raise DatasetError(f"ImageFolderDataset('{self._path}') is read-only.")

    def preview(self, count: int = 8) -> ImagePreview:
        """kedro-viz: thumbnails of the first ``count`` images (of each class)."""
        folders = [self._path / c for c in self._classes] if self._classes else [self._path]
        per_folder = max(1, count // len(folders))
        files = [f for folder in folders for f in self._image_files(folder)[:per_folder]]
        return ImagePreview(png_base64(tile([decode_image(f) for f in files])))

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "classes": self._classes, "extensions": self._extensions}
