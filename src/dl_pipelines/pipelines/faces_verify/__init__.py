"""faces_verify: are two photos the same person?"""

from dl_pipelines.pipelines.faces_verify.pipeline import create_pipeline

__all__ = ["create_pipeline"]
