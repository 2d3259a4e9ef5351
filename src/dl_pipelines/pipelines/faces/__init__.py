"""faces: face detection, a triplet-loss encoder, verification, recognition, clustering."""

from dl_pipelines.pipelines.faces.pipeline import create_pipeline

__all__ = ["create_pipeline"]
