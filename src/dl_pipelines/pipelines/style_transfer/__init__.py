"""``style_transfer``: Gatys style transfer on VGG16 features, and a feed-forward stylizer."""

from dl_pipelines.pipelines.style_transfer.pipeline import create_pipeline

__all__ = ["create_pipeline"]
