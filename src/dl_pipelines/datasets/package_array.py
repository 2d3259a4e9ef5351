"""A NumPy array (``.npy``) that ships inside an installed Python package."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError


class PackageArrayDataset(AbstractDataset[None, np.ndarray]):
    """Loads a ``.npy`` file installed with a package: offline default data.

    Args:
        array: ``"package:relative/path.npy"``, e.g. ``"skimage:data/lfw_subset.npy"``
            (scikit-image's 100 real 25×25 LFW faces followed by 100 non-faces).
            Nothing is downloaded: a missing file is an error naming the package.

    Example catalog entry::

        faces_lfw_subset:
          type: dl_pipelines.datasets.PackageArrayDataset
          array: skimage:data/lfw_subset.npy
    """

    def __init__(self, array: str, metadata: dict[str, Any] | None = None) -> None:
        self._array = array
        self.metadata = metadata

    def load(self) -> np.ndarray:
        package, _, relative = self._array.partition(":")
        if not package or not relative.endswith(".npy"):
            raise DatasetError(f"'{self._array}' is not 'package:relative/path.npy'.")
        try:
            path = resources.files(package).joinpath(relative)
        except ModuleNotFoundError as error:
            raise DatasetError(
                f"Package '{package}' is not installed (run `make install`)."
            ) from error
        if not path.is_file():
            raise DatasetError(
                f"'{relative}' is not in the installed '{package}' package; "
                "reinstall it (`make install`)."
            )
        with resources.as_file(path) as file:
            return np.load(file, allow_pickle=False)

    def save(self, data: None) -> None:
        raise DatasetError("PackageArrayDataset is read-only.")

    def _describe(self) -> dict[str, Any]:
        return {"array": self._array}
