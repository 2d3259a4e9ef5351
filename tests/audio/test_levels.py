"""Levels: decibels, RMS, the gain for an SNR, peak normalising, trimming silence."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import levels


def test_levels_and_snr_gain():
    assert levels.db_to_gain(-20.0) == pytest.approx(0.1)
    assert levels.rms_db(np.full(100, 0.1)) == pytest.approx(-20.0)
    signal, noise = np.full(100, 0.2), np.full(100, 0.1)
    g = levels.gain_for_snr(levels.rms(signal), levels.rms(noise), 6.0)
    assert 20 * np.log10(levels.rms(g * signal) / levels.rms(noise)) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="silent"):
        levels.gain_for_snr(0.0, 0.1, 0.0)


def test_active_rms_ignores_silence():
    rate = 1000
    x = np.zeros(rate, dtype=np.float32)
    x[:200] = 0.5
    assert levels.active_rms(x, rate) == pytest.approx(0.5)
    assert levels.rms(x) < 0.25


def test_peak_normalise_only_scales_down():
    x = np.array([0.5, -2.0, 1.0], dtype=np.float32)
    np.testing.assert_allclose(levels.peak_normalise(x, 0.99), x * 0.99 / 2.0)
    small = np.array([0.1, -0.2], dtype=np.float32)
    assert levels.peak_normalise(small) is small


def test_trim_silence():
    x = np.zeros(1000, dtype=np.float32)
    x[300:400] = 0.5
    trimmed = levels.trim_silence(x, 1000, pad_s=0.0)
    assert len(trimmed) == 100
