"""The latest (or a given) version of a model in the MLflow model registry."""

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
    """

    def __init__(
        self,
        model_name: str,
        model_version: str | int = "latest",
        custom_modules: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._model_name = str(model_name)
        self._version = str(model_version)
        self._custom_modules = list(custom_modules or [])
        self.metadata = metadata

    def load(self) -> RegisteredModel:
        import mlflow
        from mlflow.exceptions import MlflowException

        client = mlflow.MlflowClient()
        try:
            versions = client.search_model_versions(f"name = '{self._model_name}'")
        except MlflowException as error:
            raise DatasetError(
                f"Cannot read the MLflow registry at {mlflow.get_registry_uri()}: {error}"
            ) from error
        if not versions:
            known = sorted(m.name for m in client.search_registered_models())
            raise DatasetError(
                f"No registered model named '{self._model_name}' in the MLflow registry at "
                f"{mlflow.get_registry_uri()} (registered: {', '.join(known) or 'none'}). "
                f"Run its training pipeline first (`kedro run --pipelines "
                f"{self._model_name}`) or pass another name with --params model=<name>."
            )
        if self._version == "latest":
            chosen = max(versions, key=lambda v: int(v.version))
        elif not self._version.isdigit():
            chosen = self._by_alias(client, versions)
        else:
            matching = [v for v in versions if str(v.version) == self._version]
            if not matching:
                raise DatasetError(
                    f"Registered model '{self._model_name}' has no version {self._version} "
                    f"(versions: "
                    f"{', '.join(sorted((str(v.version) for v in versions), key=int))}): "
                    "give one of them with --params model_version=<n>, or leave it out "
                    "for the version with the `champion` alias."
                )
            chosen = matching[0]
        uri = f"models:/{self._model_name}/{chosen.version}"
        signature = mlflow.models.get_model_info(uri).signature
        if signature is None or signature.inputs is None:
            raise DatasetError(
                f"{uri} was logged without a signature, so its input shape is unknown: "
                f"re-run `kedro run --pipelines {self._model_name}` to register a version "
                "with one (the project's MlflowKerasModelDataset adds it)."
            )
        for module in self._custom_modules:
            importlib.import_module(module)
        model = mlflow.keras.load_model(uri)
        metrics = client.get_run(chosen.run_id).data.metrics if chosen.run_id else {}
        return RegisteredModel(
            self._model_name,
            str(chosen.version),
            chosen.run_id,
            uri,
            model,
            signature,
            dict(metrics),
        )

    def _by_alias(self, client: Any, versions: list[Any]) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return client.get_model_version_by_alias(self._model_name, self._version)
        except MlflowException:
            held = client.get_registered_model(self._model_name).aliases or {}
            aliases = sorted(f"{alias} → {version}" for alias, version in held.items())
            if not aliases:  # registered before the training pipelines set aliases
                latest = max(versions, key=lambda v: int(v.version))
                logger.warning(
                    "Registered model '%s' has no aliases (its versions predate them): "
                    "loading its latest version, %s, instead of '%s'.",
                    self._model_name,
                    latest.version,
                    self._version,
                )
                return latest
            raise DatasetError(
                f"Registered model '{self._model_name}' has no alias '{self._version}' "
                f"(aliases: {', '.join(aliases) or 'none'}; versions: "
                f"{', '.join(sorted((str(v.version) for v in versions), key=int))}). "
                "Give a version with --params model_version=<n> (or `latest`), or re-run "
                f"`kedro run --pipelines {self._model_name}`: its registry gate sets the "
                "alias."
            ) from None

    def save(self, data: Any) -> None:
        raise DatasetError(
            "MlflowRegisteredModelDataset is read-only: models are "
            "registered by the training pipelines."
        )

    def _describe(self) -> dict[str, Any]:
        return {"model_name": self._model_name, "version": self._version}
