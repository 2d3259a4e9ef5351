"""The windowed detector is sized by trigger_word's parameters: its fixture serves here too."""

from tests.pipelines.trigger_word.conftest import tw_params  # noqa: F401
