"""``day_night``: a 64×64×3 image → day (0) or night (1), with a shallow CNN."""

from dl_pipelines.pipelines.day_night.pipeline import create_pipeline

__all__ = ["create_pipeline"]
