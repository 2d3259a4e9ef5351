"""A Keras 3 model in a ``.keras`` file, loadable on any Keras backend."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.datasets._files import atomic_target


class KerasModelDataset(AbstractDataset[Any, Any]):
    """Saves a model with ``keras.saving.save_model`` and loads it back.

    The ``.keras`` format is backend-independent: a model trained on TensorFlow loads
    on JAX or PyTorch. Keras is imported only when the dataset is used, so listing
    or drawing pipelines stays fast.

    Args:
        filepath: Path ending in ``.keras``.
        load_args: Passed to ``keras.saving.load_model``; ``compile`` defaults to
            ``False`` (inference needs no optimiser state).
        save_args: Passed to ``keras.saving.save_model``.
        optional: Load ``None`` while the file does not exist, instead of failing
            (for pipelines that work with or without a trained model).
        custom_modules: Modules imported before loading, for the custom layers and
            losses they register with ``keras.saving.register_keras_serializable``
            (a prediction run may not have imported them otherwise).
    """

    def __init__(self, filepath: str, load_args: dict[str, Any] | None = None,
                 save_args: dict[str, Any] | None = None,
                 optional: bool = False, custom_modules: list[str] | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        if not str(filepath).endswith(".keras"):
            raise DatasetError(f"KerasModelDataset filepath must end in '.keras': {filepath}")
        self._filepath = Path(filepath)
        self._load_args = {"compile": False, **(load_args or {})}
        self._save_args = dict(save_args or {})
        self._optional = optional
        self._custom_modules = list(custom_modules or [])
        self.metadata = metadata

    def load(self) -> Any:
        import keras

        if not self._filepath.is_file():
            if self._optional:
                return None
            raise DatasetError(
                f"No trained model at {self._filepath}: run the training pipeline first "
                "(e.g. `kedro run --pipelines day_night`)."
            )
        for module in self._custom_modules:
            try:
                importlib.import_module(module)
            except ImportError as error:
                raise DatasetError(f"custom_modules of the dataset at {self._filepath}: cannot "
                                   f"import {module!r} ({error}); fix the catalog entry.") from error
        return keras.saving.load_model(self._filepath, **self._load_args)

    def save(self, model: Any) -> None:
        import keras

        with atomic_target(self._filepath, suffix=".keras") as tmp:
            keras.saving.save_model(model, tmp, **self._save_args)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "load_args": self._load_args,
                "save_args": self._save_args, "optional": self._optional}
