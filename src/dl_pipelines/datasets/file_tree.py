"""A folder of binary files, saved and loaded as ``{relative/path: bytes}``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError


class FileTreeDataset(AbstractDataset[dict[str, bytes], dict[str, bytes]]):
    """Every file under ``path`` as ``{posix relative path: bytes}``.

    For outputs that are a set of files rather than one (a TensorFlow SavedModel
    folder, a ``.tflite`` and its ``model.json``). Saving replaces the whole folder at
    once: the files are written to a temporary folder beside it, which is then renamed
    into place, so a failed save leaves the previous folder (or none) and never a mix.
    With ``mlflow_artifact_path`` the folder is also logged to the active MLflow run.

    Example catalog entry::

        shipping_exports:
          type: dl_pipelines.datasets.FileTreeDataset
          path: data/06_models/shipping/day_night
          mlflow_artifact_path: exports
    """

    def __init__(
        self,
        path: str,
        mlflow_artifact_path: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._mlflow_artifact_path = mlflow_artifact_path
        self.metadata = metadata

    def load(self) -> dict[str, bytes]:
        if not self._path.is_dir():
            raise DatasetError(
                f"Folder '{self._path}' does not exist: run the pipeline that writes it first."
            )
        return {
            file.relative_to(self._path).as_posix(): file.read_bytes()
            for file in sorted(self._path.rglob("*"))
            if file.is_file()
        }

    def save(self, data: dict[str, bytes]) -> None:
        if not isinstance(data, dict) or not data:
            raise DatasetError(
                f"FileTreeDataset('{self._path}') saves a non-empty dict "
                f"{{relative path: bytes}}, got {type(data).__name__}."
            )
        for name in data:
            relative = Path(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise DatasetError(
                    f"FileTreeDataset('{self._path}'): '{name}' is not a "
                    "relative path inside the folder."
                )
        self._path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self._path.name}.", dir=self._path.parent))
        old = self._path.with_name(f".{self._path.name}.old")
        try:
            for name, payload in data.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(payload)
            staging.chmod(0o755)
            shutil.rmtree(old, ignore_errors=True)
            if self._path.exists():
                self._path.rename(old)
            staging.rename(self._path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
        if self._mlflow_artifact_path is not None:
            import mlflow

            if mlflow.active_run() is not None:
                mlflow.log_artifacts(str(self._path), self._mlflow_artifact_path)

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "mlflow_artifact_path": self._mlflow_artifact_path}
