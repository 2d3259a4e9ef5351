"""``trigger_word_detect``: run the trained trigger-word detector on a folder of audio."""

from dl_pipelines.pipelines.trigger_word_detect.pipeline import create_pipeline

__all__ = ["create_pipeline"]
