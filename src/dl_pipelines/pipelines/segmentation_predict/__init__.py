"""``segmentation_predict``: class-mask PNGs for every image of a folder (registry's U-Net)."""

from dl_pipelines.pipelines.segmentation_predict.pipeline import create_pipeline

__all__ = ["create_pipeline"]
