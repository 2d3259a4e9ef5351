"""The offline default data: spoken clips from eSpeak NG and synthetic backgrounds.

Every function takes a NumPy generator, so the same seed gives the same audio.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dl_pipelines.audio import levels, resampling
from dl_pipelines.pipelines.trigger_word import speech

#: Background kinds :func:`background` can make.
BACKGROUND_KINDS = ("white", "pink", "brown", "hum", "babble", "room", "music", "clatter")


# ------------------------------------------------------------------------------- speech
def spoken_clip(
    word: str,
    voice: str,
    sample_rate: int,
    generator: np.random.Generator,
    rate: Sequence[int],
    pitch: Sequence[int],
    pitch_range: Sequence[int],
) -> np.ndarray:
    """``word`` said by ``voice`` at a random speed and pitch, trimmed, at ``sample_rate``.

    Everything random, eSpeak NG's breath noise included, comes from ``generator``.
    """
    settings = {
        "rate": int(generator.integers(rate[0], rate[1] + 1)),
        "pitch": int(generator.integers(pitch[0], pitch[1] + 1)),
        "pitch_range": int(generator.integers(pitch_range[0], pitch_range[1] + 1)),
    }
    samples = speech.synthesise(word, voice, **settings, seed=int(generator.integers(0, 2**31)))
    samples = levels.trim_silence(samples, speech.sample_rate())
    return resampling.resample(samples, speech.sample_rate(), sample_rate)


# ---------------------------------------------------------------------------- backgrounds
def _shaped_noise(n: int, exponent: float, generator: np.random.Generator) -> np.ndarray:
    """Gaussian noise with power ∝ 1/f^exponent (0 white, 1 pink, 2 brown)."""
    spectrum = np.fft.rfft(generator.standard_normal(n))
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    spectrum *= f ** (-exponent / 2.0)
    spectrum[0] = 0.0
    return np.fft.irfft(spectrum, n)


def _hum(n: int, rate: int, generator: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    mains = float(generator.choice([50.0, 60.0])) * (1 + generator.uniform(-0.002, 0.002))
    x = np.zeros(n)
    for harmonic in range(1, 8):
        x += (
            generator.uniform(0.1, 1.0)
            / harmonic
            * np.sin(2 * np.pi * mains * harmonic * t + generator.uniform(0, 2 * np.pi))
        )
    noise = _shaped_noise(n, 1.0, generator)
    return x + 0.05 * noise / np.std(noise)


def _babble(
    n: int,
    rate: int,
    generator: np.random.Generator,
    words: Sequence[str],
    voices: Sequence[str],
    speakers: tuple[int, int],
) -> np.ndarray:
    x = np.zeros(n)
    for _ in range(int(generator.integers(speakers[0], speakers[1] + 1))):
        voice = str(generator.choice(list(voices)))
        position = int(generator.integers(0, rate // 2))
        gain = levels.db_to_gain(generator.uniform(-10, 0))
        while position < n:
            clip = spoken_clip(
                str(generator.choice(list(words))),
                voice,
                rate,
                generator,
                (140, 220),
                (20, 80),
                (20, 80),
            )
            end = min(n, position + len(clip))
            x[position:end] += gain * clip[: end - position] / max(levels.rms(clip), 1e-6)
            position = end + int(generator.integers(0, rate // 5))
    return x


def _room(n: int, rate: int, generator: np.random.Generator) -> np.ndarray:
    """Low rumble plus sparse knocks and steps, all through a reverberant room."""
    rumble = _shaped_noise(n, 2.0, generator)
    source = 0.3 * rumble / np.std(rumble)
    events = generator.random(n) < 4.0 / rate  # ~4 impulsive events per second
    source += events * generator.normal(0, 8.0, n)
    rt60 = generator.uniform(0.3, 1.2)
    length = int(rt60 * rate)
    t = np.arange(length) / rate
    impulse = generator.standard_normal(length) * np.exp(-6.9 * t / rt60)
    from scipy.signal import fftconvolve

    return fftconvolve(source, impulse, mode="full")[:n]


def _clatter(n: int, rate: int, generator: np.random.Generator) -> np.ndarray:
    """Dishes, keys, a door: sparse transients over a faint pink floor, dry (no room).

    Each event, at a Poisson rate of 0.5–6 per second and a level spread over 30 dB, is
    either a burst of coloured noise (1/f^0…2) or a ringing tone (300 Hz – 5 kHz), and
    dies away in 5–150 ms.
    """
    floor = _shaped_noise(n, 1.0, generator)
    x = 0.03 * floor / np.std(floor)
    count = int(generator.poisson(generator.uniform(0.5, 6.0) * n / rate))
    for start in generator.integers(0, n, count):
        length = min(n - int(start), int(rate * 0.6))
        t = np.arange(length) / rate
        decay = np.exp(-6.9 * t / generator.uniform(0.005, 0.15))
        if generator.random() < 0.6:
            burst = _shaped_noise(length, generator.uniform(0.0, 2.0), generator)
        else:
            burst = np.sin(
                2 * np.pi * generator.uniform(300, 5000) * t + generator.uniform(0, 2 * np.pi)
            )
        burst = burst / max(float(np.std(burst)), 1e-9)
        x[start : start + length] += levels.db_to_gain(generator.uniform(-30, 0)) * decay * burst
    return x


def _music(n: int, rate: int, generator: np.random.Generator) -> np.ndarray:
    """Chords of harmonic tones with attack/decay envelopes at a random tempo."""
    x = np.zeros(n)
    beat = int(rate * 60.0 / generator.uniform(70, 160))
    root = generator.uniform(110, 330)
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12])
    for start in range(0, n, beat):
        length = min(n - start, beat * int(generator.integers(1, 3)))
        t = np.arange(length) / rate
        envelope = np.minimum(1.0, t / 0.01) * np.exp(-t * generator.uniform(2, 6))
        for step in generator.choice(scale, size=int(generator.integers(1, 4)), replace=False):
            f = root * 2 ** (step / 12.0)
            tone = sum(np.sin(2 * np.pi * f * k * t) / k**1.5 for k in range(1, 5))
            x[start : start + length] += envelope * tone
    return x


def _level_changes(
    x: np.ndarray, rate: int, generator: np.random.Generator, steps_db: float
) -> np.ndarray:
    """Piecewise gain with smooth 50 ms ramps: doors, a radio turned up, a passing car."""
    n = len(x)
    count = int(generator.integers(1, 4))
    times = np.sort(generator.integers(0, n, count))
    level_db = np.concatenate([[0.0], np.cumsum(generator.uniform(-steps_db, steps_db, count))])
    gain_db = level_db[np.searchsorted(times, np.arange(n), side="right")]
    ramp = max(1, int(0.05 * rate))
    gain_db = np.convolve(gain_db, np.ones(ramp) / ramp, mode="same")
    return x * levels.db_to_gain(gain_db)


def background(
    kind: str,
    seconds: float,
    sample_rate: int,
    generator: np.random.Generator,
    words: Sequence[str],
    voices: Sequence[str],
    level_change_probability: float,
    level_change_db: float,
    babble_speakers: tuple[int, int] = (3, 6),
) -> np.ndarray:
    """One synthetic background of ``kind``, ``seconds`` long, at -20 dBFS RMS.

    Kinds: ``white``/``pink``/``brown`` noise, mains ``hum`` (50 or 60 Hz and
    harmonics), ``babble`` (overlapping eSpeak speakers saying ``words``), ``room``
    (rumble and knocks through a random reverberation), ``music`` (harmonic chords),
    ``clatter`` (dry transients: bursts and rings dying away in ≤ 150 ms).
    With probability ``level_change_probability`` the level steps up and down by up
    to ``level_change_db``.
    """
    n = int(round(seconds * sample_rate))
    if kind in ("white", "pink", "brown"):
        x = _shaped_noise(n, {"white": 0.0, "pink": 1.0, "brown": 2.0}[kind], generator)
    elif kind == "hum":
        x = _hum(n, sample_rate, generator)
    elif kind == "babble":
        x = _babble(n, sample_rate, generator, words, voices, babble_speakers)
    elif kind == "room":
        x = _room(n, sample_rate, generator)
    elif kind == "music":
        x = _music(n, sample_rate, generator)
    elif kind == "clatter":
        x = _clatter(n, sample_rate, generator)
    else:
        raise ValueError(f"unknown background kind '{kind}'; known: {BACKGROUND_KINDS}")
    if generator.random() < level_change_probability:
        x = _level_changes(x, sample_rate, generator, level_change_db)
    x = x * (levels.db_to_gain(-20.0) / max(float(levels.rms(x)), 1e-9))
    return levels.peak_normalise(x.astype(np.float32), 0.99)


def recording(
    words_at: Sequence[tuple[str, float]],
    voice: str,
    sample_rate: int,
    seconds: float,
    generator: np.random.Generator,
    keyword: str,
    noise_db: float = -45.0,
) -> tuple[np.ndarray, list[float]]:
    """A test recording: ``words_at`` ``(word, start s)`` said by ``voice`` over pink noise.

    Returns:
        ``(samples, end times in seconds of every occurrence of keyword)``.
    """
    n = int(round(seconds * sample_rate))
    noise = _shaped_noise(n, 1.0, generator)
    out = noise * (levels.db_to_gain(noise_db) / np.std(noise))
    ends = []
    for word, start_s in words_at:
        clip = spoken_clip(word, voice, sample_rate, generator, (160, 180), (45, 55), (40, 60))
        begin = int(start_s * sample_rate)
        stop = min(n, begin + len(clip))
        out[begin:stop] += 0.5 * clip[: stop - begin] / max(np.max(np.abs(clip)), 1e-6)
        if word == keyword:
            ends.append(stop / sample_rate)
    return levels.peak_normalise(out.astype(np.float32), 0.99), ends
