"""Levels of audio: decibels, RMS, the gain for an SNR, peak normalising, trimming silence."""

from __future__ import annotations

import math

import numpy as np


def db_to_gain(db: float | np.ndarray) -> float | np.ndarray:
    """Decibels → linear amplitude factor: 10^(dB/20)."""
    return 10.0 ** (np.asarray(db, dtype=np.float64) / 20.0)


def rms(samples: np.ndarray, axis: int | None = None) -> float | np.ndarray:
    """Root mean square amplitude."""
    x = np.asarray(samples, dtype=np.float64)
    return np.sqrt(np.mean(x * x, axis=axis))


def rms_db(samples: np.ndarray, floor_db: float = -120.0) -> float:
    """RMS level in dB relative to full scale (1.0), floored at ``floor_db``."""
    value = float(rms(samples))
    return max(floor_db, 20.0 * math.log10(value)) if value > 0 else floor_db


def active_rms(
    samples: np.ndarray, sample_rate: int, frame_s: float = 0.02, threshold_db: float = -30.0
) -> float:
    """RMS over the active frames (within ``threshold_db`` of the loudest frame).

    The level of a speech clip without its silences, so that a short word and a long
    one at the same SNR sound equally loud.
    """
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    frame = max(1, int(frame_s * sample_rate))
    n = len(x) // frame
    if n == 0:
        return float(rms(x))
    energy = np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1)
    if energy.max() <= 0:
        return 0.0
    active = energy >= energy.max() * 10.0 ** (threshold_db / 10.0)
    return float(np.sqrt(energy[active].mean()))


def gain_for_snr(signal_rms: float, noise_rms: float, snr_db: float) -> float:
    """Factor for the signal so that 20·log10(g·signal_rms / noise_rms) = snr_db."""
    if signal_rms <= 0:
        raise ValueError("the signal is silent: no gain gives it an SNR")
    return float(noise_rms * db_to_gain(snr_db) / signal_rms)


def peak_normalise(samples: np.ndarray, peak: float = 0.99) -> np.ndarray:
    """Scale down (never up) so that max |x| ≤ ``peak``: mixing never clips."""
    top = float(np.max(np.abs(samples))) if np.size(samples) else 0.0
    return samples if top <= peak else (samples * (peak / top)).astype(np.float32)


def trim_silence(
    samples: np.ndarray, sample_rate: int, threshold_db: float = -40.0, pad_s: float = 0.01
) -> np.ndarray:
    """Cut leading and trailing frames quieter than ``threshold_db`` below the peak."""
    x = np.asarray(samples, dtype=np.float32)
    if x.size == 0:
        return x
    top = float(np.max(np.abs(x)))
    if top == 0:
        return x[:0]
    loud = np.flatnonzero(np.abs(x) >= top * 10.0 ** (threshold_db / 20.0))
    pad = int(pad_s * sample_rate)
    return x[max(0, loud[0] - pad) : min(len(x), loud[-1] + 1 + pad)]
