"""``detection_predict``: boxes for every image of a folder with the registered detector."""

from dl_pipelines.pipelines.detection_predict.pipeline import create_pipeline

__all__ = ["create_pipeline"]
