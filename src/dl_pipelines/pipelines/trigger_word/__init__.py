"""``trigger_word``: detect each moment a keyword has just been said in 10 s of audio."""

from dl_pipelines.pipelines.trigger_word.pipeline import create_pipeline

__all__ = ["create_pipeline"]
