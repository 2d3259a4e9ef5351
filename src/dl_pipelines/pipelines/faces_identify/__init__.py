"""faces_identify: who is in each probe photo, given a gallery folder?"""

from dl_pipelines.pipelines.faces_identify.pipeline import create_pipeline

__all__ = ["create_pipeline"]
