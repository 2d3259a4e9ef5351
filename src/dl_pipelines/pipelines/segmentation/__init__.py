"""``segmentation``: a U-Net (transpose convolutions, skip connections) labels every pixel."""

from dl_pipelines.pipelines.segmentation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
