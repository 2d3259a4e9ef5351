"""Tiny models of the two shipped kinds: a CNN classifier and a GRU keyword detector."""

from __future__ import annotations

import numpy as np
import pytest

IMAGE_SHAPE = (16, 16, 3)
SPECTROGRAM_SHAPE = (59, 11)  # 59 frames → (59 − 7) // 4 + 1 = 14 steps


@pytest.fixture(scope="package")
def classifier():
    import keras

    from dl_pipelines.pipelines.day_night.model import build_day_night_cnn

    keras.utils.set_random_seed(0)
    return build_day_night_cnn(IMAGE_SHAPE, [4, 8], 3, 8, 0.1, 0.01)


@pytest.fixture(scope="package")
def detector():
    """A trigger-word detector with its training-only SpecAugment layer."""
    import keras

    from dl_pipelines.pipelines.trigger_word.model import SpecAugment, build_trigger_word_model

    keras.utils.set_random_seed(1)
    return build_trigger_word_model(
        SPECTROGRAM_SHAPE[1], 6, 7, 4, [5], 0.1, 0.01, 3.0, augmentation=SpecAugment(2, 4, seed=0)
    )


@pytest.fixture(scope="package")
def images() -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 255, (12, *IMAGE_SHAPE)).astype(np.float32)


@pytest.fixture(scope="package")
def spectrograms() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(6, *SPECTROGRAM_SHAPE)).astype(np.float32)
