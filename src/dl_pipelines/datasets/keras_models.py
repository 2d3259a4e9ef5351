"""A folder of named Keras 3 models, one ``<name>.keras`` file each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.datasets.keras_model import KerasModelDataset


class KerasModelsDataset(AbstractDataset[dict[str, Any], dict[str, Callable[[], Any]]]):
    """Saves ``{name: model}`` as ``<path>/<name>.keras``; loads ``{name: loader}``.

    Loading is lazy (like kedro's ``PartitionedDataset``, whose ``repr`` cannot build a
    :class:`KerasModelDataset` without a path): each loader reads one model when
    called. Saving writes every model atomically, then removes the ``.keras`` files of
    names not saved this time, so the folder holds exactly the last run's models.

    Example catalog entry::

        image_classification_models:
          type: dl_pipelines.datasets.KerasModelsDataset
          path: data/06_models/image_classification
    """

    def __init__(
        self,
        path: str,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._load_args = dict(load_args or {})
        self.metadata = metadata

    def _file(self, name: str) -> KerasModelDataset:
        if not name or "/" in name or name.startswith("."):
            raise DatasetError(f"Model name '{name}' cannot be a file name.")
        return KerasModelDataset(str(self._path / f"{name}.keras"), load_args=self._load_args)

    def load(self) -> dict[str, Callable[[], Any]]:
        files = sorted(self._path.glob("*.keras")) if self._path.is_dir() else []
        if not files:
            raise DatasetError(
                f"No trained models (*.keras) in {self._path}: run the training pipeline first."
            )
        return {file.stem: self._file(file.stem).load for file in files}

    def save(self, data: dict[str, Any]) -> None:
        if not isinstance(data, dict) or not data:
            raise DatasetError(
                f"KerasModelsDataset({self._path}) saves a non-empty dict "
                f"{{name: model}}, got {type(data).__name__}."
            )
        for name, model in data.items():
            self._file(name).save(model)
        for stale in self._path.glob("*.keras"):
            if stale.stem not in data:
                stale.unlink()

    def _exists(self) -> bool:
        return self._path.is_dir() and any(self._path.glob("*.keras"))

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
