"""A version of a model in the MLflow model registry: by alias, number or ``latest``."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from kedro.io import AbstractDataset, DatasetError

logger = logging.getLogger(__name__)


@dataclass
class RegisteredModel:
    """A registered Keras model and where it came from."""

    name: str
    version: str
    run_id: str | None
    uri: str  # models:/<name>/<version>
    model: Any  # the Keras model
    signature: Any  # mlflow.models.ModelSignature
    run_metrics: dict[str, float] = field(default_factory=dict)
    requested: str = ""  # the model_version asked for: an alias, `latest` or the number
    metadata: dict[str, Any] = field(default_factory=dict)  # its MLmodel `metadata`

    @property
    def label(self) -> str:
        """``day_night v3 (champion)``: the version, and the alias it was chosen by."""
        chosen_by = "" if self.requested in ("", self.version) else f" ({self.requested})"
        return f"{self.name} v{self.version}{chosen_by}"

    @property
    def tags(self) -> dict[str, str]:
        """MLflow tags that link a run to this model version."""
        return {
            "source_model_name": self.name,
            "source_model_version": self.version,
            "source_model_uri": self.uri,
            "source_run_id": self.run_id or "",
        }


class MlflowRegisteredModelDataset(AbstractDataset[Any, RegisteredModel]):
    """Loads a Keras model version from the MLflow registry (read-only).

    The tracking/registry URI is the one kedro-mlflow set up for the run
    (``conf/base/mlflow.yml``). Loading fails with a message naming the model and the
    fix when the name is not registered, the version does not exist, or the version
    was logged without a signature (the exports and the parity checks need to know
    the input it takes).

    Args:
        model_name: Registered model name.
        model_version: A version number, a registry alias (``champion``: the version
            the training pipeline's gate accepted last), or ``latest`` (the highest
            version). (Not ``version``: Kedro reserves that key in catalog entries and
            drops it.)
        custom_modules: Modules imported before loading, for custom layers registered
            with ``keras.saving.register_keras_serializable`` (versions logged before
            the training pipeline registered an inference-only copy need them).
        training_pipeline: The pipeline that registers the model, named when the
            registry holds none. Without it the name is taken for the pipeline's, and
            the message also says how to pick another model (``--params model=``).
    """

    def __init__(
        self,
        model_name: str,
        model_version: str | int = "latest",
        custom_modules: list[str] | None = None,
        training_pipeline: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._model_name = str(model_name)
        self._version = str(model_version)
        self._custom_modules = list(custom_modules or [])
        self._training_pipeline = training_pipeline
        self.metadata = metadata
        #: The version the last ``load`` returned (for the run's provenance tags).
        self.last_loaded: RegisteredModel | None = None

    def load(self) -> RegisteredModel:
        self.last_loaded = load_registered(
            self._model_name, self._version, self._custom_modules, self._training_pipeline
        )
        return self.last_loaded

    def save(self, data: Any) -> None:
        raise DatasetError(
            "MlflowRegisteredModelDataset is read-only: models are "
            "registered by the training pipelines."
        )

    def _describe(self) -> dict[str, Any]:
        return {"model_name": self._model_name, "version": self._version}


def load_registered(
    name: str,
    model_version: str,
    custom_modules: list[str] | None = None,
    training_pipeline: str | None = None,
    load_model_kwargs: dict[str, Any] | None = None,
) -> RegisteredModel:
    """Version ``model_version`` (a number, an alias or ``latest``) of model ``name``.

    Raises:
        DatasetError: naming the model and the fix when the registry cannot be read,
            holds no such model (naming the training pipeline that registers it), no
            such version or alias (listing those there are), or the version was logged
            without a signature.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException as error:
        raise DatasetError(
            f"Cannot read the MLflow registry at {mlflow.get_registry_uri()}: {error}"
        ) from error
    if not versions:
        known = sorted(m.name for m in client.search_registered_models())
        where = (
            f"No registered model named '{name}' in the MLflow registry at "
            f"{mlflow.get_registry_uri()} (registered: {', '.join(known) or 'none'}). "
        )
        if training_pipeline is None:
            raise DatasetError(
                where + f"Run its training pipeline first (`kedro run --pipelines {name}`) "
                "or pass another name with --params model=<name>."
            )
        raise DatasetError(
            where + f"The `{training_pipeline}` training pipeline registers it when its "
            f"registry gate passes: run `kedro run --pipelines {training_pipeline}` first."
        )
    if model_version == "latest":
        chosen = max(versions, key=lambda v: int(v.version))
    elif not model_version.isdigit():
        chosen = _by_alias(client, name, model_version, versions)
    else:
        matching = [v for v in versions if str(v.version) == model_version]
        if not matching:
            raise DatasetError(
                f"Registered model '{name}' has no version {model_version} "
                f"(versions: {_numbers(versions)}) — aliases: "
                f"{', '.join(_aliases(client, name)) or 'none'}. Give one of them with "
                "--params model_version=<n>|<alias>, or leave it out for the version with "
                "the `champion` alias."
            )
        chosen = matching[0]
    uri = f"models:/{name}/{chosen.version}"
    info = mlflow.models.get_model_info(uri)
    signature = info.signature
    if signature is None or signature.inputs is None:
        raise DatasetError(
            f"{uri} was logged without a signature, so its input shape is unknown: "
            f"re-run `kedro run --pipelines {training_pipeline or name}` to register a "
            "version with one (the project's MlflowKerasModelDataset adds it)."
        )
    for module in custom_modules or []:
        importlib.import_module(module)
    model = mlflow.keras.load_model(uri, load_model_kwargs=load_model_kwargs)
    metrics = client.get_run(chosen.run_id).data.metrics if chosen.run_id else {}
    logger.info("Loaded %s from the MLflow registry (%s).", uri, model_version)
    return RegisteredModel(
        name,
        str(chosen.version),
        chosen.run_id,
        uri,
        model,
        signature,
        dict(metrics),
        model_version,
        dict(info.metadata or {}),
    )


def _numbers(versions: list[Any]) -> str:
    return ", ".join(sorted((str(v.version) for v in versions), key=int))


def _aliases(client: Any, name: str) -> list[str]:
    held = client.get_registered_model(name).aliases or {}
    return sorted(f"{alias} → {version}" for alias, version in held.items())


def _by_alias(client: Any, name: str, alias: str, versions: list[Any]) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException:
        aliases = _aliases(client, name)
        if not aliases:  # registered before the training pipelines set aliases
            latest = max(versions, key=lambda v: int(v.version))
            logger.warning(
                "Registered model '%s' has no aliases (its versions predate them): "
                "loading its latest version, %s, instead of '%s'.",
                name,
                latest.version,
                alias,
            )
            return latest
        raise DatasetError(
            f"Registered model '{name}' has no alias '{alias}' "
            f"(aliases: {', '.join(aliases)}; versions: {_numbers(versions)}). "
            "Give a version with --params model_version=<n> (or `latest`), or re-run "
            f"`kedro run --pipelines {name}`: its registry gate sets the alias."
        ) from None
