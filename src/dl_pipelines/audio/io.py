"""Audio files: load (any format the installed decoders know), encode WAV.

Audio is handled as ``float32`` NumPy arrays in [-1, 1] with an explicit sample rate;
``(n,)`` is mono, ``(n, channels)`` is multi-channel. Loading goes through pydub
(16/24-bit PCM WAV without ffmpeg, any format ffmpeg knows when it is installed), then
the ``soundfile`` package when it is installed (FLAC, OGG, MP3 and float WAV without
ffmpeg), then SciPy's WAV reader (32-bit float WAV); every failure raises
:class:`AudioError` naming the file and the fix.

Only NumPy is imported at module level (pydub and SciPy inside the functions that use
them): the on-device runner (:mod:`dl_pipelines.ship.run_tflite`) reads WAV files with
:func:`read_pcm_wav`, through the standard library alone. The rest of the audio toolkit:
:mod:`~dl_pipelines.audio.resampling` (channels, rates), :mod:`~dl_pipelines.audio.levels`
(dB, RMS, SNR) and :mod:`~dl_pipelines.audio.spectrograms` (the model's features).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path

import numpy as np

from dl_pipelines.audio.resampling import resample, to_mono

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
