"""``trigger_word``: detect each moment a keyword has just been said in 10 s of audio.

The pipeline is imported when it is asked for, not with the package: importing one of
its modules (:mod:`.params`, :mod:`.synthesis`, …) does not import the nodes and Kedro.
"""

from __future__ import annotations

from typing import Any


def create_pipeline(**kwargs: Any) -> Any:
    """The ``trigger_word`` Kedro pipeline (see :mod:`.pipeline`)."""
    from dl_pipelines.pipelines.trigger_word.pipeline import create_pipeline as create

    return create(**kwargs)


__all__ = ["create_pipeline"]
