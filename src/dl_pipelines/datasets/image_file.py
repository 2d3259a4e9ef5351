"""One image file: decoded to RGB ``uint8`` on load, written atomically on save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError
from PIL import Image

from dl_pipelines.datasets._files import atomic_target
from dl_pipelines.vision.images import ImageDecodeError, decode_image, to_rgb_uint8

_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


class ImageFileDataset(AbstractDataset[np.ndarray, np.ndarray]):
    """Loads or saves a single JPEG/PNG image as an ``(h, w, 3)`` RGB ``uint8`` array.

    Loading converts grey and RGBA images to RGB and fails with a message naming the
    file when it is missing or cannot be decoded. Saving writes a temporary file and
    renames it into place (PNG or JPEG, from the file ending). Works as the ``dataset``
    of a ``PartitionedDataset`` to write a folder of images.

    Args:
        filepath: The image file.
        save_args: Passed to ``PIL.Image.save`` (e.g. ``quality`` for JPEG).
        missing_hint: The fix appended to the error when the file does not exist.
        optional: Load ``None`` instead of failing when the file does not exist.
        min_size: Fail, naming the file, when the image's short side is smaller.

    Example catalog entry::

        my_result:
          type: dl_pipelines.datasets.ImageFileDataset
          filepath: data/07_model_output/my/result.png
    """

    def __init__(
        self,
        filepath: str,
        save_args: dict[str, Any] | None = None,
        missing_hint: str = "Check the path (JPEG or PNG).",
        optional: bool = False,
        min_size: int = 1,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = Path(filepath)
        self._missing_hint = missing_hint
        self._optional = optional
        self._min_size = min_size
        self._save_args = dict(save_args or {})
        self.metadata = metadata

    def load(self) -> np.ndarray | None:
        if not self._filepath.is_file():
            if self._optional:
                return None
            raise DatasetError(
                f"Image file '{self._filepath}' does not exist. {self._missing_hint}"
            )
        try:
            image = decode_image(self._filepath)
        except ImageDecodeError as error:
            raise DatasetError(str(error)) from error
        if min(image.shape[:2]) < self._min_size:
            raise DatasetError(
                f"Image '{self._filepath}' is {image.shape[1]}×{image.shape[0]} "
                f"px; it needs at least {self._min_size} px on its short side. "
                "Use a larger image."
            )
        return image

    def save(self, data: np.ndarray) -> None:
        image_format = _FORMATS.get(self._filepath.suffix.lower())
        if image_format is None:
            raise DatasetError(
                f"ImageFileDataset('{self._filepath}'): the file must end in {'/'.join(_FORMATS)}."
            )
        try:
            image = Image.fromarray(to_rgb_uint8(np.asarray(data)))
        except ValueError as error:
            raise DatasetError(f"ImageFileDataset('{self._filepath}'): {error}") from error
        with atomic_target(self._filepath, suffix=self._filepath.suffix) as tmp:
            image.save(tmp, format=image_format, **self._save_args)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "save_args": self._save_args,
            "optional": self._optional,
            "min_size": self._min_size,
        }
