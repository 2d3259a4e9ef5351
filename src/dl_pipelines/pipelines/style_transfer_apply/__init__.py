"""``style_transfer_apply``: stylise a new photo (``--params content=<path>,style=<name>``)."""

from dl_pipelines.pipelines.style_transfer_apply.pipeline import create_pipeline

__all__ = ["create_pipeline"]
