"""The detector in the MLflow model registry, with the spec that decodes its output.

The detector's raw output means nothing without the anchors, grid, input size and class
names of the run that trained it (the ``spec``, ``detection_spec``). So the spec travels
inside the registered version: ``detection``'s registry gate saves
``{"model": …, "spec": …}`` to :class:`RegisteredDetectorDataset`, which logs and
registers the model like any :class:`~dl_pipelines.datasets.MlflowKerasModelDataset` and
writes the spec into that logged model's own metadata (``metadata.detection_spec`` of its
``MLmodel`` file). Loading a version — the ``champion``, a number, ``latest`` — returns
the model together with the spec stored with that very version, never the spec of
another run.
"""

from __future__ import annotations

from typing import Any

from kedro.io import DatasetError

from dl_pipelines.datasets import MlflowKerasModelDataset

#: The key of the spec in the registered model's metadata.
SPEC_KEY = "detection_spec"


class RegisteredDetectorDataset(MlflowKerasModelDataset):
    """Saves and loads ``{"model": keras.Model, "spec": dict}``; the spec is kept in the
    logged model's metadata. Same arguments as ``MlflowKerasModelDataset``."""

    def _save(self, detector: dict[str, Any]) -> None:
        self._save_args["metadata"] = {SPEC_KEY: detector["spec"]}
        try:
            super()._save(detector["model"])
        finally:
            self._save_args.pop("metadata")

    def _load(self) -> dict[str, Any]:
        import mlflow

        model = super()._load()
        uri = self.last_loaded.uri if self.last_loaded else self._user_defined_model_uri
        spec = (mlflow.models.get_model_info(uri).metadata or {}).get(SPEC_KEY)
        if spec is None:
            raise DatasetError(
                f"{uri} was registered without its detection spec (anchors, grid, input "
                "size, class names), so its output cannot be decoded: pick a version "
                "registered by the current `detection` pipeline with --params "
                "model_version=<n>, or re-run `kedro run --pipelines detection`."
            )
        return {"model": model, "spec": spec}
