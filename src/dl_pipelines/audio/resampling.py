"""Channels and sample rates: mix down to mono, resample (anti-aliased, polyphase).

Audio is handled as ``float32`` NumPy arrays in [-1, 1]; ``(n,)`` is mono, ``(n, channels)``
is multi-channel, resampled along the first axis. Only NumPy is imported at module level:
where SciPy is not installed (the on-device runner, :mod:`dl_pipelines.ship.run_tflite`)
:func:`resample` runs the same filter in NumPy alone.
"""

from __future__ import annotations

import math

import numpy as np


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Mix ``(n, channels)`` down to ``(n,)`` by averaging the channels."""
    samples = np.asarray(samples, dtype=np.float32)
    return samples if samples.ndim == 1 else samples.mean(axis=1, dtype=np.float32)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) along the first axis: SciPy's ``resample_poly``,
    or where SciPy is not installed (the on-device runner) :func:`resample_numpy`, the
    same filter in NumPy (identical output, ~10× slower)."""
    try:
        from scipy.signal import resample_poly
    except ImportError:
        return resample_numpy(samples, from_rate, to_rate)

    up, down = rate_ratio(from_rate, to_rate)
    if up == down:
        return np.asarray(samples, dtype=np.float32)
    out = resample_poly(np.asarray(samples, dtype=np.float64), up, down, axis=0)
    return out.astype(np.float32)


def resample_numpy(
    samples: np.ndarray, from_rate: int, to_rate: int, chunk: int = 1 << 15
) -> np.ndarray:
    """:func:`resample` in NumPy only (what it runs where SciPy is not installed).

    The same polyphase filter as SciPy's ``resample_poly``: up by ``up``, a Kaiser-windowed
    (β = 5) sinc low-pass of ``20·max(up, down) + 1`` taps cutting at the lower Nyquist
    rate, down by ``down``, output aligned on the filter's centre. Each output sample is
    a dot product of ≈ 20 input samples with one phase of the filter, computed ``chunk``
    outputs at a time (bounded memory for audio of any length). Along the first axis.
    """
    up, down = rate_ratio(from_rate, to_rate)
    x = np.asarray(samples, dtype=np.float64)
    if up == down:
        return x.astype(np.float32)
    half = 10 * max(up, down)
    taps = np.sinc(np.arange(-half, half + 1) / max(up, down)) * np.kaiser(2 * half + 1, 5.0)
    taps *= up / taps.sum()
    per_phase = -(-len(taps) // up)
    phases = np.zeros(per_phase * up)
    phases[: len(taps)] = taps
    phases = phases.reshape(per_phase, up)  # phases[i, p] = taps[i·up + p]
    n_out = -(-len(x) * up // down)
    # output n = Σ_i taps[p + i·up] · x[j − i] with n·down + half = j·up + p
    back = half // up + 2
    padded = np.concatenate(
        [np.zeros((per_phase, *x.shape[1:])), x, np.zeros((back, *x.shape[1:]))]
    )
    out = np.empty((n_out, *x.shape[1:]), dtype=np.float32)
    for first in range(0, n_out, chunk):
        t = np.arange(first, min(n_out, first + chunk), dtype=np.int64) * down + half
        j, p = np.divmod(t, up)
        j += per_phase
        acc = np.zeros((len(t), *x.shape[1:]))
        for i in range(per_phase):
            weight = phases[i, p]
            acc += (weight if x.ndim == 1 else weight[:, None]) * padded[j - i]
        out[first : first + len(t)] = acc
    return out


def rate_ratio(from_rate: int, to_rate: int) -> tuple[int, int]:
    """``(up, down)``: ``to_rate / from_rate`` in lowest terms."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} → {to_rate}")
    g = math.gcd(int(from_rate), int(to_rate))
    return int(to_rate) // g, int(from_rate) // g
