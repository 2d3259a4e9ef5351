"""Real photos that ship inside installed Python packages: offline default data."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.vision.images import decode_image


class PackageImagesDataset(AbstractDataset[None, dict[str, np.ndarray]]):
    """Loads named images from files inside installed packages, as RGB ``uint8``.

    Args:
        images: ``{name: "package:relative/path"}``, e.g.
            ``astronaut: "skimage:data/astronaut.png"``. Nothing is downloaded: a file
            that is not installed is an error naming the package to reinstall.

    Example catalog entry::

        sample_photos:
          type: dl_pipelines.datasets.PackageImagesDataset
          images:
            astronaut: skimage:data/astronaut.png
            china: sklearn:datasets/images/china.jpg
    """

    def __init__(self, images: dict[str, str], metadata: dict[str, Any] | None = None) -> None:
        if not images:
            raise DatasetError("PackageImagesDataset needs at least one image.")
        self._images = dict(images)
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        loaded = {}
        for name, spec in self._images.items():
            package, _, relative = spec.partition(":")
            if not relative:
                raise DatasetError(f"Image '{name}': '{spec}' is not 'package:relative/path'.")
            try:
                path = resources.files(package).joinpath(relative)
            except ModuleNotFoundError as error:
                raise DatasetError(
                    f"Image '{name}': package '{package}' is not installed (run `make install`)."
                ) from error
            if not path.is_file():
                raise DatasetError(
                    f"Image '{name}': '{relative}' is not in the installed "
                    f"'{package}' package; reinstall it (`make install`)."
                )
            with resources.as_file(path) as file:
                loaded[name] = decode_image(file)
        return loaded

    def save(self, data: None) -> None:
        raise DatasetError("PackageImagesDataset is read-only.")

    def _describe(self) -> dict[str, Any]:
        return {"images": self._images}
