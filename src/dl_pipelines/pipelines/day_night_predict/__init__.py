"""``day_night_predict``: score a folder of images with the registry's day/night model."""

from dl_pipelines.pipelines.day_night_predict.pipeline import create_pipeline

__all__ = ["create_pipeline"]
