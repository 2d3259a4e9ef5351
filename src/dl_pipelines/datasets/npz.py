"""A dict of NumPy arrays stored in one ``.npz`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

from dl_pipelines.datasets._files import atomic_target
from dl_pipelines.datasets._preview import table


class NpzDataset(AbstractDataset[dict[str, np.ndarray], dict[str, np.ndarray]]):
    """Saves and loads ``{name: array}`` as a (compressed) ``.npz`` file.

    Example catalog entry::

        day_night_train:
          type: dl_pipelines.datasets.NpzDataset
          filepath: data/05_model_input/day_night/train.npz
    """

    def __init__(
        self, filepath: str, compress: bool = True, metadata: dict[str, Any] | None = None
    ) -> None:
        self._filepath = Path(filepath)
        self._compress = compress
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        if not self._filepath.is_file():
            raise DatasetError(
                f"{self._filepath} does not exist: run the pipeline that writes it first."
            )
        with np.load(self._filepath, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def save(self, data: dict[str, np.ndarray]) -> None:
        if not isinstance(data, dict) or not data:
            raise DatasetError(
                f"NpzDataset({self._filepath}) saves a non-empty dict of "
                f"arrays, got {type(data).__name__}."
            )
        arrays = {name: np.asarray(value) for name, value in data.items()}
        for name, array in arrays.items():
            if array.dtype == object:
                raise DatasetError(
                    f"Array '{name}' has dtype object; NpzDataset stores "
                    "numeric and fixed-width string arrays only."
                )
        writer = np.savez_compressed if self._compress else np.savez
        with atomic_target(self._filepath, suffix=".npz") as tmp:
            writer(tmp, **arrays)

    def preview(self) -> TablePreview:
        """kedro-viz: each array's name, dtype and shape (and its values' range)."""
        rows = []
        for name, array in self.load().items():
            numeric = array.dtype.kind in "biuf" and array.size
            rows.append(
                {
                    "array": name,
                    "dtype": str(array.dtype),
                    "shape": "×".join(map(str, array.shape)) or "scalar",
                    "min": float(array.min()) if numeric else None,
                    "max": float(array.max()) if numeric else None,
                }
            )
        return TablePreview(table(rows))

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "compress": self._compress}
