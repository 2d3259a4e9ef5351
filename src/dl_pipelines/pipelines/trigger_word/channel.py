"""The channel between a mouth and the model: rooms, microphones, sample rates.

A user's keyword reaches the detector through a room, a microphone (or a loudspeaker
and then a microphone) and often a 16 kHz or 8 kHz recording, none of which a
synthesiser's clean output has. Training examples are put through random channels
(each step switchable and drawn from the example's own generator):

* :func:`room_bank` — impulse responses of simulated shoebox rooms (pyroomacoustics'
  image-source model; RT60 from Sabine's formula), one drawn per word;
* :func:`random_response` — a microphone / loudspeaker magnitude response: a
  high-pass (small loudspeakers lose the bass), a low-pass, and two resonances;
* :func:`band_limit` — the example recorded at 8 or 16 kHz, then resampled back.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dl_pipelines.audio import levels, resampling


@lru_cache(maxsize=4)
def room_bank(
    count: int, sample_rate: int, rt60: tuple[float, float], seed: int
) -> tuple[np.ndarray, ...]:
    """``count`` room impulse responses, reproducible from ``seed``.

    Each room is a shoebox of 3–10 × 3–8 × 2.4–4 m whose wall absorption gives an RT60
    drawn uniformly in ``rt60`` (Sabine); speaker and microphone stand at random places
    at least 0.5 m from the walls. A response starts at its direct path, scaled to 1,
    so a word convolved with it still ends where the dry word ends.
    """
    import pyroomacoustics as pra

    generator = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        dims = np.array(
            [generator.uniform(3, 10), generator.uniform(3, 8), generator.uniform(2.4, 4.0)]
        )
        target = float(generator.uniform(*rt60))
        absorption, max_order = pra.inverse_sabine(target, dims)
        room = pra.ShoeBox(
            dims, fs=sample_rate, materials=pra.Material(absorption), max_order=int(max_order)
        )
        source, mic = (generator.uniform(0.5, dims - 0.5) for _ in range(2))
        room.add_source(source)
        room.add_microphone(mic)
        room.compute_rir()
        response = np.asarray(room.rir[0][0], dtype=np.float64)
        direct = int(np.argmax(np.abs(response)))
        response = response[direct:] / response[direct]
        out.append(response.astype(np.float32))
    return tuple(out)


def resynthesise(
    clip: np.ndarray,
    sample_rate: int,
    generator: np.random.Generator,
    f0_hz: tuple[float, float] = (80.0, 260.0),
    order: int = 18,
    rate: int = 16000,
) -> np.ndarray:
    """``clip`` spoken through a new glottal source: source–filter resynthesis.

    Every 10 ms a linear-prediction filter (order ``order`` at ``rate``) is fitted to
    20 ms of the clip and driven by a new excitation — a pulse train on a random pitch
    contour (start in ``f0_hz``, a random slope, jitter) where the frame is voiced, white
    noise where it is not — and the frames are overlap-added. What is kept is the vocal
    tract (the formants: the word); what changes is the voice source and the buzzy,
    vocoded sound of parametric synthesisers (LPC diphones, HMM and clustergen voices),
    a family of voices the detector otherwise never hears in training.
    """
    from scipy.linalg import solve_toeplitz
    from scipy.signal import lfilter

    x = resampling.resample(np.asarray(clip, dtype=np.float32), sample_rate, rate).astype(
        np.float64
    )
    frame, hop = rate // 50, rate // 100
    if len(x) < frame:
        return np.asarray(clip, dtype=np.float32)
    window = np.hanning(frame)
    count = 1 + (len(x) - frame) // hop
    out = np.zeros(len(x) + frame)
    f0 = generator.uniform(*f0_hz) * np.exp(np.linspace(0.0, generator.uniform(-0.4, 0.2), count))
    f0 *= np.exp(generator.normal(0.0, 0.01, count))  # jitter
    breath = generator.uniform(0.0, 0.3)  # aspiration in voiced frames
    phase = 0.0
    for i in range(count):
        segment = x[i * hop : i * hop + frame] * window
        r = np.correlate(segment, segment, "full")[frame - 1 : frame + order]
        if r[0] < 1e-10:
            continue
        r[0] *= 1.0 + 1e-6
        a = solve_toeplitz(r[:order], r[1 : order + 1])
        gain = np.sqrt(max(r[0] - a @ r[1 : order + 1], 1e-12) / frame)
        zero_crossings = np.mean(np.abs(np.diff(np.sign(segment))) > 0)
        if zero_crossings < 0.25:  # voiced
            period = rate / f0[i]
            times = np.arange(frame) + phase
            excitation = (
                np.diff(np.floor(np.concatenate([[times[0] - 1], times]) / period)) > 0
            ).astype(np.float64)
            excitation = excitation * np.sqrt(period) + breath * generator.standard_normal(frame)
            phase = (phase + hop) % period
        else:
            excitation = generator.standard_normal(frame)
        out[i * hop : i * hop + frame] += window * lfilter(
            [gain], np.concatenate([[1.0], -a]), excitation
        )
    out = out[: len(x)]
    peak = float(np.max(np.abs(out)))
    out = out * (float(np.max(np.abs(x))) / peak) if peak > 0 else out
    back = resampling.resample(out.astype(np.float32), rate, sample_rate)
    return back[: len(clip)] if len(back) >= len(clip) else np.pad(back, (0, len(clip) - len(back)))


def random_response(
    n_samples: int, sample_rate: int, generator: np.random.Generator, max_db: float
) -> np.ndarray:
    """A random microphone / loudspeaker magnitude response over ``rfft`` bins.

    Butterworth-shaped high-pass (60–500 Hz, order 1–3) and low-pass (3.4–16 kHz), and
    two resonances of ±``max_db`` dB, one octave wide, between 300 Hz and 6 kHz.
    """
    f = np.fft.rfftfreq(n_samples, 1.0 / sample_rate)
    f[0] = f[1] if len(f) > 1 else 1.0
    low_cut = np.exp(generator.uniform(np.log(60), np.log(500)))
    high_cut = np.exp(generator.uniform(np.log(3400), np.log(16000)))
    order = int(generator.integers(1, 4))
    gain = 1.0 / np.sqrt(1.0 + (low_cut / f) ** (2 * order))
    gain = gain / np.sqrt(1.0 + (f / high_cut) ** (2 * order))
    log_f = np.log2(f)
    for _ in range(2):
        centre = generator.uniform(np.log2(300), np.log2(6000))
        gain = gain * levels.db_to_gain(
            generator.uniform(-max_db, max_db) * np.exp(-0.5 * ((log_f - centre) / 0.5) ** 2)
        )
    return gain.astype(np.float32)


def apply_response(samples: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``samples`` filtered by the zero-phase magnitude response ``gain`` (rfft bins)."""
    return np.fft.irfft(np.fft.rfft(samples) * gain, len(samples)).astype(np.float32)


def band_limit(samples: np.ndarray, sample_rate: int, recorded_rate: int) -> np.ndarray:
    """``samples`` as if recorded at ``recorded_rate`` and resampled back to
    ``sample_rate`` (what a user's 8 or 16 kHz WAV looks like to the detector)."""
    if recorded_rate >= sample_rate:
        return samples
    down = resampling.resample(samples, sample_rate, recorded_rate)
    up = resampling.resample(down, recorded_rate, sample_rate)
    out = np.zeros_like(samples)
    out[: min(len(up), len(out))] = up[: len(out)]
    return out
