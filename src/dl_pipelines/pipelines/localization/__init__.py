"""``localization``: one object per image → p_c, box, class and landmark points."""

from dl_pipelines.pipelines.localization.pipeline import create_pipeline

__all__ = ["create_pipeline"]
