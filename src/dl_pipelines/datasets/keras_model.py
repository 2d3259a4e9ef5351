"""A Keras 3 model in a ``.keras`` file, loadable on any Keras backend."""

from __future__ import annotations

import importlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.datasets._files import atomic_target

logger = logging.getLogger(__name__)


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

    Inside a ``kedro run`` (:class:`dl_pipelines.hooks.StagedModelsHook`) a saved model
    goes to ``<name>.candidate.keras`` beside ``filepath``, and the run's later nodes load
    it from there; it replaces ``filepath`` only when the whole run succeeds. A run that
    fails after training (a registry gate that rejects the model, any later error) leaves
    ``filepath``, the model the prediction pipelines use, as the last successful run left
    it, and keeps its own model as the candidate file for inspection.
    """

    #: Model files whose candidate this run saved, shared by every entry of the catalog
    #: on the same file (a training entry and a prediction entry).
    _staged: set[Path] = set()
    #: The MLflow run that saved each staged candidate.
    _saved_by: dict[Path, str] = {}

    def __init__(
        self,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        optional: bool = False,
        custom_modules: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not str(filepath).endswith(".keras"):
            raise DatasetError(f"KerasModelDataset filepath must end in '.keras': {filepath}")
        self._filepath = Path(filepath)
        self._load_args = {"compile": False, **(load_args or {})}
        self._save_args = dict(save_args or {})
        self._optional = optional
        self._custom_modules = list(custom_modules or [])
        self.metadata = metadata
        self._staging = False  # saves go to the candidate file (a run is in progress)

    @property
    def candidate_path(self) -> Path:
        return self._filepath.with_name(self._filepath.stem + ".candidate.keras")

    @property
    def source_path(self) -> Path:
        """``<name>.source.json`` beside the model: the MLflow run that trained it."""
        return self._filepath.with_name(self._filepath.stem + ".source.json")

    @property
    def filepath(self) -> Path:
        """The file a load reads now: the run's candidate, or the promoted model."""
        return self._current()

    def source_run_id(self) -> str | None:
        """The MLflow run that trained the model a load reads now (``None``: unknown,
        e.g. a model trained before the project recorded it)."""
        key = self._filepath.absolute()
        if key in KerasModelDataset._staged:
            return KerasModelDataset._saved_by.get(key)
        try:
            return json.loads(self.source_path.read_text()).get("mlflow_run_id")
        except (OSError, ValueError):
            return None

    def _current(self) -> Path:
        staged = self._filepath.absolute() in KerasModelDataset._staged
        return self.candidate_path if staged else self._filepath

    def begin_run(self) -> None:
        """Stage saves as the candidate file until :meth:`end_run`."""
        self._staging = True

    def end_run(self, succeeded: bool) -> None:
        """Promote the candidate this run saved onto ``filepath``, or keep it aside."""
        self._staging = False
        if self._filepath.absolute() in KerasModelDataset._staged:
            KerasModelDataset._staged.discard(self._filepath.absolute())
            run_id = KerasModelDataset._saved_by.pop(self._filepath.absolute(), None)
            if succeeded:
                os.replace(self.candidate_path, self._filepath)
                with atomic_target(self.source_path, suffix=".json") as tmp:
                    tmp.write_text(json.dumps({"mlflow_run_id": run_id}) + "\n")
            else:
                logger.warning(
                    "The run failed: the model it trained is kept as %s; %s is "
                    "still the last successful run's (the one prediction "
                    "pipelines use).",
                    self.candidate_path,
                    self._filepath,
                )

    def load(self) -> Any:
        import keras

        path = self._current()
        if not path.is_file():
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
                raise DatasetError(
                    f"custom_modules of the dataset at {self._filepath}: cannot "
                    f"import {module!r} ({error}); fix the catalog entry."
                ) from error
        return keras.saving.load_model(path, **self._load_args)

    def save(self, model: Any) -> None:
        import keras

        target = self.candidate_path if self._staging else self._filepath
        with atomic_target(target, suffix=".keras") as tmp:
            keras.saving.save_model(model, tmp, **self._save_args)
        if self._staging:
            KerasModelDataset._staged.add(self._filepath.absolute())
            KerasModelDataset._saved_by[self._filepath.absolute()] = _active_run_id()

    def _exists(self) -> bool:
        return self._current().is_file()

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "load_args": self._load_args,
            "save_args": self._save_args,
            "optional": self._optional,
        }


def _active_run_id() -> str | None:
    import mlflow

    run = mlflow.active_run()
    return run.info.run_id if run is not None else None
