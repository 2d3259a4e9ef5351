"""The channel augmentation: simulated rooms, microphone responses, lower sample rates."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.audio import levels, spectrograms
from dl_pipelines.pipelines.trigger_word import channel
from dl_pipelines.pipelines.trigger_word.mixing import MixSpec, apply_channel

RATE = 16000


def _band_energy(x: np.ndarray, low: float, high: float, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / rate)
    return float(spectrum[(f >= low) & (f < high)].sum())


def test_room_responses_start_at_the_direct_path_and_decay_with_their_rt60() -> None:
    short = channel.room_bank(3, RATE, (0.2, 0.25), seed=1)
    long = channel.room_bank(3, RATE, (0.8, 0.9), seed=1)
    assert len(short) == 3
    for response in short + long:
        assert response[0] == 1.0 and np.max(np.abs(response[1:])) <= 1.0
    assert np.mean([len(r) for r in long]) > 2 * np.mean([len(r) for r in short])
    again = channel.room_bank(3, RATE, (0.2, 0.25), seed=1)
    other = channel.room_bank(3, RATE, (0.2, 0.25), seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(short, again, strict=True))
    assert not np.array_equal(short[0], other[0])


def test_a_microphone_response_cuts_the_lows_and_highs() -> None:
    n = RATE
    for seed in range(5):
        gain = channel.random_response(n, RATE, np.random.default_rng(seed), max_db=6.0)
        f = np.fft.rfftfreq(n, 1 / RATE)
        assert gain.shape == f.shape and np.all(gain > 0)
        assert gain[f == 20].item() < 0.5  # ≥ 60 Hz high-pass
        assert gain[(f > 800) & (f < 1200)].max() > 0.4  # speech band kept


def test_band_limit_removes_what_a_lower_rate_cannot_hold_and_keeps_the_length() -> None:
    noise = np.random.default_rng(0).standard_normal(RATE).astype(np.float32)
    limited = channel.band_limit(noise, RATE, 8000)
    assert limited.shape == noise.shape
    assert _band_energy(limited, 4300, 8000) < 0.01 * _band_energy(noise, 4300, 8000)
    assert _band_energy(limited, 200, 3500) > 0.9 * _band_energy(noise, 200, 3500)
    assert channel.band_limit(noise, RATE, RATE) is noise


def test_the_channel_draws_nothing_when_off_and_is_seeded_when_on() -> None:
    x = levels.db_to_gain(-20) * np.random.default_rng(1).standard_normal(RATE)
    x = x.astype(np.float32)
    off = MixSpec(RATE, RATE, 10, 2, 1, 1, (-30, -20), (0, 10))
    generator = np.random.default_rng(5)
    assert apply_channel(x, off, generator) is x
    assert generator.random() == np.random.default_rng(5).random()
    on = MixSpec(
        RATE,
        RATE,
        10,
        2,
        1,
        1,
        (-30, -20),
        (0, 10),
        eq_probability=1.0,
        band_limit_probability=1.0,
        band_limit_rates=(8000,),
    )
    a = apply_channel(x, on, np.random.default_rng(7))
    b = apply_channel(x, on, np.random.default_rng(7))
    assert np.array_equal(a, b) and not np.allclose(a, x)
    assert _band_energy(a, 4300, 8000) < 0.01 * _band_energy(x, 4300, 8000)


def test_resynthesis_keeps_the_word_and_changes_the_voice() -> None:
    from dl_pipelines.pipelines.trigger_word import speech

    word = speech.synthesise("activate", "en-us+m1")
    rate = speech.sample_rate()
    a = channel.resynthesise(word, rate, np.random.default_rng(1))
    b = channel.resynthesise(word, rate, np.random.default_rng(1))
    c = channel.resynthesise(word, rate, np.random.default_rng(2))
    assert a.shape == word.shape and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.allclose(a, c)
    assert np.max(np.abs(a)) == pytest.approx(np.max(np.abs(word)), rel=0.05)
    assert abs(np.corrcoef(a, word)[0, 1]) < 0.5  # a new waveform (source) …
    envelope = [spectrograms.spectrogram(x[None], 200, 120)[0].mean(axis=0) for x in (word, a)]
    assert np.corrcoef(*envelope)[0, 1] > 0.8  # … with the word's formants
