"""Helpers of the audio tests; the windowed detector is sized by trigger_word's parameters,
so its fixture serves here too."""

from __future__ import annotations

import numpy as np

from tests.conftest import PROJECT_ROOT
from tests.pipelines.trigger_word.conftest import tw_params  # noqa: F401

#: The example recordings of trigger_word_detect: real speech at 16 and 44.1 kHz.
DETECT_CLIPS = PROJECT_ROOT / "data/01_raw/trigger_word/detect"


def tone(seconds: float, rate: int, freq: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    """A sine of ``amplitude`` at ``freq`` Hz."""
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
