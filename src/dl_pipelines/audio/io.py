"""Audio helpers shared by the speech pipelines: load, resample, mix, measure, spectrogram.

Audio is handled as ``float32`` NumPy arrays in [-1, 1] with an explicit sample rate;
``(n,)`` is mono, ``(n, channels)`` is multi-channel. Loading goes through pydub
(16/24-bit PCM WAV without ffmpeg, any format ffmpeg knows when it is installed), then
the ``soundfile`` package when it is installed (FLAC, OGG, MP3 and float WAV without
ffmpeg), then SciPy's WAV reader (32-bit float WAV); every failure raises
:class:`AudioError` naming the file and the fix.

Only NumPy is imported at module level (pydub and SciPy inside the functions that use
them): the on-device runner (:mod:`dl_pipelines.ship.run_tflite`) reads WAV files with
:func:`read_pcm_wav`, resamples with :func:`resample` (NumPy alone there) and computes the same
:func:`spectrogram` with NumPy alone.

The spectrogram is the course's: frames of ``nfft`` samples every ``nfft - noverlap``
samples, Hann window, power of the real FFT, in dB, clipped to a floor and normalised
by a fixed affine map (the same for training and detection, so that streaming audio
needs no statistics of its own).
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Endings loaded by :func:`load_audio` with no extra software.
WAV_EXTENSIONS = (".wav", ".wave")
#: Other endings it loads when ffmpeg (through pydub) or the ``soundfile`` package can.
OTHER_EXTENSIONS = (".flac", ".ogg", ".mp3")


class AudioError(ValueError):
    """An audio file cannot be used (missing, empty, corrupt, silent or too short)."""


# ------------------------------------------------------------------------------ loading
def load_audio(
    path: str | Path, sample_rate: int | None = None, mono: bool = True
) -> tuple[np.ndarray, int]:
    """Decode an audio file to ``float32`` samples in [-1, 1].

    Args:
        path: A WAV file (16/24/32-bit PCM or 32-bit float, any rate, any channels), or
            any format ffmpeg reads when ffmpeg is installed (FLAC/OGG/MP3 also through
            the ``soundfile`` package).
        sample_rate: Resample to this rate; ``None`` keeps the file's rate.
        mono: Mix the channels down to one (``(n,)``); else ``(n, channels)``.

    Returns:
        ``(samples, rate)``.

    Raises:
        AudioError: naming the file, when it is missing, empty, cannot be decoded or
            holds no samples.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"Audio file '{path}' does not exist.")
    data = path.read_bytes()
    if not data:
        raise AudioError(
            f"Audio file '{path}' is empty (0 bytes): replace it with a valid "
            "WAV file or delete it."
        )
    samples, rate = decode_audio(data, path.suffix.lower(), str(path))
    missing = wav_missing_bytes(data)
    if missing:
        logger.warning(
            "Audio file '%s' is truncated: its header announces %d more bytes of "
            "audio than it holds (a copy or recording that stopped early); only "
            "the %.2f s it holds are used. Replace it if that is not the whole "
            "recording.",
            path,
            missing,
            samples.shape[0] / rate,
        )
    if mono:
        samples = to_mono(samples)
    if sample_rate is not None and sample_rate != rate:
        samples = resample(samples, rate, sample_rate)
        rate = sample_rate
    return samples, rate


def wav_missing_bytes(data: bytes) -> int:
    """How many bytes of audio a WAV file's header announces and the file lacks (0 for
    a whole file, or when it is not a RIFF WAV)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return 0
    position = 12
    while position + 8 <= len(data):
        chunk, size = (
            data[position : position + 4],
            int.from_bytes(data[position + 4 : position + 8], "little"),
        )
        if chunk == b"data":
            if size == 0xFFFFFFFF:  # a streamed WAV's "unknown size"
                return 0
            return max(0, size - (len(data) - position - 8))
        position += 8 + size + (size & 1)
    return 0


def decode_audio(
    data: bytes, suffix: str = ".wav", name: str = "<bytes>"
) -> tuple[np.ndarray, int]:
    """Decode the bytes of an audio file; ``(samples (n, channels) float32, rate)``."""
    with warnings.catch_warnings():  # pydub warns about audioop and a missing ffmpeg
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
        from pydub.exceptions import CouldntDecodeError

    fmt = suffix.lstrip(".") or "wav"
    fmt = "wav" if fmt == "wave" else fmt
    error: Exception | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "Couldn't find ffmpeg"
            segment = AudioSegment.from_file(io.BytesIO(data), format=fmt)
        samples = _segment_to_array(segment)
        rate = segment.frame_rate
    except (CouldntDecodeError, Exception) as exc:  # any decoder failure: the others
        error = exc
        samples, rate = _soundfile(data)
        if samples is None:
            samples, rate = _scipy_wav(data)
    if samples is None:
        hint = (
            "it is not a valid WAV file (16/24/32-bit PCM or 32-bit float)"
            if fmt == "wav"
            else f"it is corrupt, or '.{fmt}' files need ffmpeg "
            "(apt install ffmpeg) or the soundfile package (pip install soundfile) "
            "to be read: install one, or convert the file to WAV"
        )
        raise AudioError(
            f"Cannot decode audio file '{name}': {hint}. Replace or delete "
            f"it. ({type(error).__name__}: {error})"
        )
    if samples.shape[0] == 0:
        raise AudioError(
            f"Audio file '{name}' holds no samples (zero-length audio): "
            "replace it with a recording or delete it."
        )
    return samples, int(rate)


def _segment_to_array(segment) -> np.ndarray:
    # pydub has already turned the unsigned bytes of an 8-bit WAV into signed ones
    # (``audioop.bias(data, 1, -128)``): its 8-bit samples must not be shifted again.
    return pcm_to_float(
        segment.raw_data, segment.sample_width, segment.channels, unsigned_8_bit=False
    )


def pcm_to_float(raw: bytes, width: int, channels: int, unsigned_8_bit: bool = True) -> np.ndarray:
    """Interleaved little-endian PCM (16/24/32-bit signed; 8-bit unsigned as stored in a
    WAV file, or signed with ``unsigned_8_bit=False`` as pydub returns it) →
    ``(n, channels)`` float32 in [-1, 1]; a trailing partial frame is dropped."""
    if width not in (1, 2, 3, 4):
        raise ValueError(f"PCM samples of {width} bytes are not supported (1 to 4)")
    raw = raw[: len(raw) - len(raw) % (width * channels)]
    if width == 3:  # 24-bit: widen to 32-bit little-endian
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        wide = np.zeros((len(bytes3), 4), dtype=np.uint8)
        wide[:, 1:] = bytes3
        ints = wide.view("<i4").reshape(-1)
        scale = 2.0**31
    else:
        dtype = {1: np.uint8 if unsigned_8_bit else np.int8, 2: "<i2", 4: "<i4"}[width]
        ints = np.frombuffer(raw, dtype=dtype)
        scale = 2.0 ** (8 * width - 1)
        if width == 1 and unsigned_8_bit:
            ints = ints.astype(np.int16) - 128
    return (ints.astype(np.float32) / scale).reshape(-1, channels)


def read_pcm_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A PCM WAV file through the standard library's ``wave`` only (no pydub, no SciPy).

    What the on-device runner (:mod:`dl_pipelines.ship.run_tflite`) reads audio with.

    Returns:
        ``(samples (n, channels) float32 in [-1, 1], rate)``.

    Raises:
        AudioError: naming the file, when it is missing, not a WAV file, a floating-point
            or compressed WAV (the fix: convert it to 16-bit PCM) or holds no samples.
    """
    import wave

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"Audio file '{path}' does not exist.")
    convert = (
        f"convert it to 16-bit PCM WAV (e.g. `ffmpeg -i {path.name} -c:a pcm_s16le "
        f"out.wav` or `sox {path.name} -b 16 out.wav`)"
    )
    try:
        with wave.open(str(path), "rb") as reader:
            channels, width = reader.getnchannels(), reader.getsampwidth()
            rate, raw = reader.getframerate(), reader.readframes(reader.getnframes())
    except wave.Error as error:
        kind = (
            "a floating-point WAV"
            if re.search(r"format: 3$|extended format", str(error))
            else "not a PCM WAV file"
        )
        raise AudioError(
            f"Cannot read '{path}': it is {kind} ({error}); this reader takes "
            f"8/16/24/32-bit PCM WAV only: {convert}."
        ) from error
    except EOFError as error:
        raise AudioError(
            f"Cannot read '{path}': it is not a PCM WAV file (it ends before "
            f"its audio data: empty, truncated or another format); {convert}."
        ) from error
    samples = pcm_to_float(raw, width, channels)
    if samples.shape[0] == 0:
        raise AudioError(
            f"Audio file '{path}' holds no samples (zero-length audio): "
            "replace it with a recording."
        )
    return samples, int(rate)


def _soundfile(data: bytes) -> tuple[np.ndarray | None, int]:
    """libsndfile through ``soundfile`` (optional): ``(None, 0)`` if absent or it fails."""
    try:
        import soundfile
    except ImportError:
        return None, 0
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:  # noqa: BLE001 - libsndfile raises its own error kinds
        return None, 0
    return np.asarray(samples, dtype=np.float32), int(rate)


def _scipy_wav(data: bytes) -> tuple[np.ndarray | None, int]:
    from scipy.io import wavfile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rate, samples = wavfile.read(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - SciPy raises many kinds on malformed files
        return None, 0
    if samples.dtype.kind == "f":
        samples = samples.astype(np.float32)
    elif samples.dtype == np.uint8:
        samples = (samples.astype(np.float32) - 128.0) / 128.0
    else:
        samples = samples.astype(np.float32) / float(2 ** (8 * samples.dtype.itemsize - 1))
    if samples.ndim == 1:
        samples = samples[:, None]
    return samples, int(rate)


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """Encode float samples in [-1, 1] (mono or ``(n, channels)``) as a 16-bit PCM WAV."""
    from scipy.io import wavfile

    buffer = io.BytesIO()
    wavfile.write(buffer, int(sample_rate), to_int16(samples))
    return buffer.getvalue()


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] → 16-bit PCM (clipped, rounded)."""
    return np.clip(np.round(np.asarray(samples) * 32767.0), -32768, 32767).astype(np.int16)


# --------------------------------------------------------------------- channels and rates
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

    up, down = _rate_ratio(from_rate, to_rate)
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
    up, down = _rate_ratio(from_rate, to_rate)
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


def _rate_ratio(from_rate: int, to_rate: int) -> tuple[int, int]:
    """``(up, down)``: ``to_rate / from_rate`` in lowest terms."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} → {to_rate}")
    g = math.gcd(int(from_rate), int(to_rate))
    return int(to_rate) // g, int(from_rate) // g


# --------------------------------------------------------------------------- levels
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


# ----------------------------------------------------------------------------- spectrogram
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
) -> np.ndarray:
    """Log-power spectrogram, normalised: ``(…, frames, nfft // 2 + 1)`` float32.

    The course setting (``nfft`` 200, ``noverlap`` 120) gives 5511 × 101 for 10 s at
    44.1 kHz. Works on a batch ``(…, n)`` (NumPy's real FFT over strided frames, one
    signal at a time so that the temporaries stay in cache; the log and the scaling are
    done in place in the output). Power is |FFT|² / Σw² (Hann window ``w``) in dB,
    clipped at ``floor_db``, then mapped to ``(dB − center_db) / scale_db``.
    """
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
    return out.reshape(*x.shape[:-1], n_frames, nfft // 2 + 1)
