"""kedro-mlflow's model-tracking dataset for Keras, with the model's signature."""

from __future__ import annotations

import logging
from typing import Any

from kedro.io import DatasetError
from kedro_mlflow.io.models import MlflowModelTrackingDataset

logger = logging.getLogger(__name__)


def keras_signature(model: Any) -> Any:
    """The MLflow tensor signature of a single- or multi-input Keras model.

    Shapes come from the model itself (``None`` batch and free dimensions become -1),
    so a served model rejects inputs of the wrong shape.
    """
    import numpy as np
    from mlflow.models import ModelSignature
    from mlflow.types import Schema, TensorSpec

    def schema(tensors: list[Any], names: list[str] | None) -> Schema:
        specs = []
        for i, tensor in enumerate(tensors):
            shape = tuple(-1 if d is None else int(d) for d in tensor.shape)
            name = names[i] if names and len(tensors) > 1 else None
            specs.append(TensorSpec(np.dtype(tensor.dtype), shape, name))
        return Schema(specs)

    inputs = list(model.inputs)
    outputs = list(model.outputs)
    return ModelSignature(
        inputs=schema(inputs, getattr(model, "input_names", None)),
        outputs=schema(outputs, getattr(model, "output_names", None)),
    )


class MlflowKerasModelDataset(MlflowModelTrackingDataset):
    """Logs a Keras model to the active MLflow run in the ``mlflow.keras`` flavour.

    Same arguments as kedro-mlflow's ``MlflowModelTrackingDataset`` (``flavor`` is
    fixed to ``mlflow.keras``), and:

    * when ``save_args`` gives no ``signature``, the one read off the model is used;
    * when it gives no ``step``, the model is logged at the run's last training step
      (the highest step of its metrics), so that MLflow's model page shows the metrics
      of the epoch the model is from, not of epoch 0;
    * ``save_args.registered_model_name`` registers each logged model as a new version
      in the model registry, and ``alias`` (e.g. ``champion``) moves that registry
      alias to the new version; the version that held it keeps ``previous_alias``
      (``<alias>-previous``), so that a rollback is one alias away.

    Loading a registered model (``registered_model_name`` and no ``load_args.model_uri``)
    reads the registry, not the run: version ``model_version`` of the model (an alias,
    ``champion`` by default where ``alias`` is set, a number or ``latest``; see
    :func:`~dl_pipelines.datasets.mlflow_registry.load_registered`), uncompiled, as a
    Keras model. A prediction pipeline whose model input is this entry therefore runs
    after the training pipeline's registry gate in a run of both, and loads the
    version the gate has just made champion; run alone, it loads the registry's.
    ``last_loaded`` holds the version loaded (its name, number, run).

    A model whose output means nothing without values of the run that trained it (a
    detector's anchors and class names, a detector's decision threshold) carries them
    in its logged version: with ``model_metadata`` set, the dataset saves and loads
    ``{"model": keras.Model, key: value, ...}`` and keeps each key's value in the logged
    model's own metadata (``metadata.<key>`` of its ``MLmodel`` file). Loading a version
    returns the values stored with that very version, never another run's, and fails,
    naming the version and the fix, when it was registered without them.

    Args:
        alias: The registry alias moved to each version saved.
        model_version: The version loaded (default: ``alias``, or ``latest``).
        custom_modules: Modules imported before loading a version that needs the
            custom layers they register (one logged before an inference-only copy).
        training_pipeline: The pipeline that registers the model, named in the error
            when the registry holds none (default: the registered model's name).
        model_metadata: Keys (JSON-serialisable values) saved and loaded with the
            model, in its logged version's metadata.
        **kwargs: kedro-mlflow's ``MlflowModelTrackingDataset`` arguments.
    """

    def __init__(
        self,
        alias: str | None = None,
        model_version: str | int | None = None,
        custom_modules: list[str] | None = None,
        training_pipeline: str | None = None,
        model_metadata: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["flavor"] = "mlflow.keras"
        super().__init__(**kwargs)
        self._alias = alias
        self._model_version = str(model_version or alias or "latest")
        self._custom_modules = list(custom_modules or [])
        self._training_pipeline = training_pipeline
        self._metadata_keys = list(model_metadata or [])
        self.last_loaded: Any = None  # a RegisteredModel once loaded from the registry

    def _load(self) -> Any:
        model = self._load_model()
        if not self._metadata_keys:
            return model
        if self.last_loaded is not None:  # from the registry, its metadata already read
            uri, stored = self.last_loaded.uri, self.last_loaded.metadata
        else:
            import mlflow

            uri = self.model_uri
            stored = mlflow.models.get_model_info(uri).metadata or {}
        missing = [key for key in self._metadata_keys if key not in stored]
        if missing:
            pipeline = self._training_pipeline or self._save_args.get(
                "registered_model_name", "the training pipeline"
            )
            raise DatasetError(
                f"{uri} was logged without {', '.join(missing)} in its MLmodel metadata, "
                "which its output needs to be read: pick a version registered by the "
                f"current `{pipeline}` pipeline with --params model_version=<n>, or run "
                f"`kedro run --pipelines {pipeline}` again."
            )
        return {"model": model, **{key: stored[key] for key in self._metadata_keys}}

    def _load_model(self) -> Any:
        from dl_pipelines.datasets.mlflow_registry import load_registered

        name = self._save_args.get("registered_model_name")
        if not name or self._user_defined_model_uri is not None:
            return super()._load()
        self.last_loaded = load_registered(
            name,
            self._model_version,
            self._custom_modules,
            self._training_pipeline or name,
            load_model_kwargs={"compile": False},
        )
        return self.last_loaded.model

    def _save(self, model: Any) -> None:
        if not self._metadata_keys:
            self._save_model(model)
            return
        if not isinstance(model, dict) or "model" not in model:
            keys = ", ".join(f"{key!r}: ..." for key in self._metadata_keys)
            raise DatasetError(
                f"This model dataset keeps {self._metadata_keys} with the model: save "
                f"{{'model': keras.Model, {keys}}}, not a {type(model).__name__}."
            )
        missing = [key for key in self._metadata_keys if key not in model]
        if missing:
            raise DatasetError(f"The model to save lacks {missing}: give them next to 'model'.")
        self._save_args["metadata"] = {key: model[key] for key in self._metadata_keys}
        try:
            self._save_model(model["model"])
        finally:
            self._save_args.pop("metadata")

    def _save_model(self, model: Any) -> None:
        name = self._save_args.get("registered_model_name")
        if name and self._logging_activated and (version := registered_by_active_run(name)):
            # A retried task (Airflow) re-runs the node: the run keeps its one version.
            logger.warning(
                "MLflow run already registered version %s of '%s': not logged again.",
                version,
                name,
            )
            return
        added = {}
        if "signature" not in self._save_args:
            added["signature"] = keras_signature(model)
        if "step" not in self._save_args:
            added["step"] = last_step_of_active_run()
        self._save_args.update(added)
        try:
            super()._save(model)
        finally:
            for key in added:
                self._save_args.pop(key)
        version = getattr(self.model_info, "registered_model_version", None)
        if self._alias and self._logging_activated and name and version is not None:
            move_alias(name, self._alias, str(version))


def registered_by_active_run(name: str) -> str | None:
    """The version of model ``name`` that the active MLflow run registered, if any."""
    import mlflow

    run = mlflow.active_run()
    if run is None:
        return None
    versions = mlflow.MlflowClient().search_model_versions(
        f"name = '{name}' and run_id = '{run.info.run_id}'"
    )
    return str(versions[0].version) if versions else None


def last_step_of_active_run() -> int:
    """The highest step of any metric of the active MLflow run (0 without one)."""
    import mlflow

    run = mlflow.active_run()
    if run is None:
        return 0
    client = mlflow.MlflowClient()
    keys = client.get_run(run.info.run_id).data.metrics
    return max(
        (m.step for key in keys for m in client.get_metric_history(run.info.run_id, key)),
        default=0,
    )


def move_alias(name: str, alias: str, version: str) -> None:
    """Point the registry ``alias`` of model ``name`` at ``version``; the version that
    held it gets ``<alias>-previous``."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        former = client.get_model_version_by_alias(name, alias).version
    except MlflowException:
        former = None
    if former is not None and str(former) != version:
        client.set_registered_model_alias(name, f"{alias}-previous", str(former))
    client.set_registered_model_alias(name, alias, version)
