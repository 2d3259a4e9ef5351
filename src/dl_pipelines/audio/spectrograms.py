"""The log-power spectrogram every speech model of the project sees, in NumPy alone.

The spectrogram is the course's: frames of ``nfft`` samples every ``nfft - noverlap``
samples, Hann window, power of the real FFT, in dB, clipped to a floor and normalised
by a fixed affine map (the same for training and detection, so that streaming audio
needs no statistics of its own), and optionally each bin's running mean taken away.
NumPy alone: the on-device runner (:mod:`dl_pipelines.ship.run_tflite`) computes the
same features.
"""

from __future__ import annotations

import math

import numpy as np

from dl_pipelines.audio.io import AudioError


def spectrogram_frames(n_samples: int, nfft: int, noverlap: int) -> int:
    """Number of frames of :func:`spectrogram` for ``n_samples`` samples."""
    hop = nfft - noverlap
    return 0 if n_samples < nfft else (n_samples - nfft) // hop + 1


def hann_window(n: int) -> np.ndarray:
    """Periodic Hann window of ``n`` samples (SciPy's ``get_window("hann", n)``), float64."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def spectrogram(
    samples: np.ndarray,
    nfft: int = 200,
    noverlap: int = 120,
    floor_db: float = -100.0,
    center_db: float = -50.0,
    scale_db: float = 25.0,
    mean_frames: float | None = None,
) -> np.ndarray:
    """Log-power spectrogram, normalised: ``(…, frames, nfft // 2 + 1)`` float32.

    The course setting (``nfft`` 200, ``noverlap`` 120) gives 5511 × 101 for 10 s at
    44.1 kHz. Works on a batch ``(…, n)`` (NumPy's real FFT over strided frames, one
    signal at a time so that the temporaries stay in cache; the log and the scaling are
    done in place in the output). Power is |FFT|² / Σw² (Hann window ``w``) in dB,
    clipped at ``floor_db``, then mapped to ``(dB − center_db) / scale_db``.

    With ``mean_frames``, each bin then has its own running mean subtracted: an
    exponential one over the frames so far (time constant ``mean_frames`` frames),
    started at the first frame. Causal, so a stream needs no look-ahead; what is left
    is each band's level against its recent past, whatever the microphone's response
    and the steady background's colour and level (cepstral mean normalisation's idea,
    PCEN's automatic gain control in the log domain).
    """
    if mean_frames is not None and mean_frames < 1:
        raise ValueError(f"mean_frames must be at least 1 frame, got {mean_frames}")
    if not 0 <= noverlap < nfft:
        raise ValueError(f"noverlap must be in [0, nfft), got nfft={nfft}, noverlap={noverlap}")
    x = np.asarray(samples, dtype=np.float32)
    hop = nfft - noverlap
    n_frames = spectrogram_frames(x.shape[-1], nfft, noverlap)
    if n_frames == 0:
        raise AudioError(
            f"{x.shape[-1]} samples are shorter than one spectrogram frame ({nfft} samples)."
        )
    window = hann_window(nfft)
    energy = float(np.sum(window**2))
    window = window.astype(np.float32)
    # (10·log10(max(|X|², floor·Σw²)) − 10·log10(Σw²) − center_db) / scale_db
    floor = np.float32(10.0 ** (floor_db / 10.0) * energy)
    gain = np.float32(10.0 / scale_db)
    offset = np.float32((10.0 * math.log10(energy) + center_db) / scale_db)
    signals = x.reshape(-1, x.shape[-1])
    out = np.empty((len(signals), n_frames, nfft // 2 + 1), dtype=np.float32)
    for signal, power in zip(signals, out, strict=True):
        frames = np.lib.stride_tricks.sliding_window_view(signal, nfft)[::hop]
        spectrum = np.fft.rfft(frames * window, axis=-1)
        np.square(spectrum.real, out=power)
        power += np.square(spectrum.imag)
        np.maximum(power, floor, out=power)
        np.log10(power, out=power)
        power *= gain
        power -= offset
        if mean_frames is not None:
            power -= running_mean(power, float(mean_frames))
    return out.reshape(*x.shape[:-1], n_frames, nfft // 2 + 1)


def running_mean(frames: np.ndarray, time_constant: float) -> np.ndarray:
    """Exponential running mean over axis 0 of ``frames`` ``(frames, bins)``:
    ``m[t] = m[t−1] + (x[t] − m[t−1]) / time_constant``, with ``m[−1] = x[0]``.

    NumPy alone (the on-device runner has no SciPy): within a block of frames,
    ``m[t] = r^(t+1) · (m[−1] + a · Σ_{k≤t} r^−(k+1) · x[k])`` with ``a = 1 / time_constant``
    and ``r = 1 − a``, a cumulative sum; blocks are short enough that ``r^−B`` stays
    below 1e6, so float64 keeps the sums exact to ~1e-10.
    """
    a = 1.0 / float(time_constant)
    r = 1.0 - a
    if r <= 0.0:  # a time constant of one frame: the mean is the frame itself
        return frames.copy()
    x = frames.astype(np.float64)
    out = np.empty_like(x)
    block = max(1, int(np.log(1e6) / -np.log(r)))
    grow = r ** -np.arange(1, block + 1, dtype=np.float64)  # r^−(k+1)
    mean = x[:1]
    for begin in range(0, len(x), block):
        chunk = x[begin : begin + block]
        n = len(chunk)
        sums = np.cumsum(a * grow[:n, None] * chunk, axis=0)
        out[begin : begin + n] = (mean + sums) / grow[:n, None]
        mean = out[begin + n - 1 : begin + n]
    return out.astype(frames.dtype)
