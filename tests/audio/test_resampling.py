"""Channels and rates: the SciPy resampler and its NumPy twin (the on-device runner's)."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import levels, resampling
from tests.audio.conftest import DETECT_CLIPS, tone


def test_resample_keeps_atone():
    x = tone(1.0, 44100, 1000.0)
    y = resampling.resample(x, 44100, 16000)
    assert len(y) == 16000
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins for 1 s
    assert levels.rms(y) == pytest.approx(levels.rms(x), rel=0.01)


@pytest.mark.parametrize(
    ("name", "to_rate"),
    [
        ("two_keywords_16k_mono.wav", 44100),
        ("two_keywords_16k_mono.wav", 22050),
        ("one_keyword_44k_stereo.wav", 16000),
        ("one_keyword_44k_stereo.wav", 48000),
    ],
)
def test_numpy_resampler_equals_the_scipy_one_on_real_clips(name, to_rate):
    x, rate = audio_io.load_audio(DETECT_CLIPS / name, mono=False)  # (n, channels)
    expected = resampling.resample(x, rate, to_rate)
    got = resampling.resample_numpy(x, rate, to_rate, chunk=10_000)  # several chunks
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(
        resampling.resample_numpy(x[:, 0], rate, to_rate), expected[:, 0], atol=1e-6
    )


def test_numpy_resampler_odd_ratios_and_identity():
    x = np.random.default_rng(0).normal(0, 0.3, 3001).astype(np.float32)
    for from_rate, to_rate in ((7, 5), (44100, 44101), (8000, 44100)):
        np.testing.assert_allclose(
            resampling.resample_numpy(x, from_rate, to_rate),
            resampling.resample(x, from_rate, to_rate),
            atol=1e-6,
        )
    np.testing.assert_array_equal(resampling.resample_numpy(x, 16000, 16000), x)
    with pytest.raises(ValueError, match="sample rates must be positive"):
        resampling.resample_numpy(x, 0, 16000)
