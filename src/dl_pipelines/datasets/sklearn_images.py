"""Real image data sets that ship inside scikit-learn: offline default data."""

from __future__ import annotations

from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

#: Loaders of ``sklearn.datasets`` that read files installed with scikit-learn
#: (the ``fetch_*`` functions download and are not allowed).
BUNDLED_LOADERS = ("load_digits",)


class SklearnImagesDataset(AbstractDataset[None, dict[str, np.ndarray]]):
    """Loads a scikit-learn bundled image set as ``images``, ``labels``, ``class_names``.

    ``load_digits``: 1,797 real handwritten digits (UCI optical recognition of
    handwritten digits), 8×8 grey values 0–16 (float64), labels 0–9. Nothing is
    downloaded: the data are a file inside the installed scikit-learn.

    Example catalog entry::

        digits:
          type: dl_pipelines.datasets.SklearnImagesDataset
          loader: load_digits
    """

    def __init__(self, loader: str = "load_digits", metadata: dict[str, Any] | None = None) -> None:
        if loader not in BUNDLED_LOADERS:
            raise DatasetError(
                f"SklearnImagesDataset loader must be one of "
                f"{list(BUNDLED_LOADERS)} (offline only), got '{loader}'."
            )
        self._loader = loader
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        from sklearn import datasets

        bunch = getattr(datasets, self._loader)()
        return {
            "images": np.asarray(bunch.images),
            "labels": np.asarray(bunch.target),
            "class_names": np.asarray([str(name) for name in bunch.target_names]),
        }

    def save(self, data: None) -> None:
        raise DatasetError("SklearnImagesDataset is read-only.")

    def _describe(self) -> dict[str, Any]:
        return {"loader": self._loader}
