"""``shipping``: one registered model exported for a server and for devices, checked and
measured (SavedModel, ONNX, LiteRT float and quantised)."""

from dl_pipelines.pipelines.shipping.pipeline import create_pipeline

__all__ = ["create_pipeline"]
