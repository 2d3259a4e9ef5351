"""kedro-mlflow's model-tracking dataset for Keras, with the model's signature."""

from __future__ import annotations

from typing import Any

from kedro_mlflow.io.models import MlflowModelTrackingDataset


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
    fixed to ``mlflow.keras``); when ``save_args`` gives no ``signature``, the one
    read off the model is used. ``save_args.registered_model_name`` registers each
    logged model as a new version in the model registry.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs["flavor"] = "mlflow.keras"
        super().__init__(**kwargs)

    def _save(self, model: Any) -> None:
        if "signature" in self._save_args:
            super()._save(model)
            return
        self._save_args["signature"] = keras_signature(model)
        try:
            super()._save(model)
        finally:
            self._save_args.pop("signature")
