"""``detection``: a YOLO-style single-stage detector (grid, k-means anchors, NMS, mAP)."""

from dl_pipelines.pipelines.detection.pipeline import create_pipeline

__all__ = ["create_pipeline"]
