"""Audio files read and written in blocks: memory bounded by the block, not the file.

An hour of 44.1 kHz stereo is 1.3 GB as float32 and ~6 GB through a decoder that makes
copies. :class:`AudioFile` opens a file lazily (the ``lazy: true`` option of
:class:`~dl_pipelines.datasets.AudioFolderDataset`) and reads it block by block with
libsndfile (the ``soundfile`` package: WAV of any PCM width or float, FLAC, OGG, MP3);
a file libsndfile cannot read is decoded whole by :func:`~dl_pipelines.audio.io.load_audio`
as before. :func:`mono_at_rate` turns the blocks into one mono ``float32`` signal at
another rate, resampling block by block (with enough context on each side that the
result equals resampling the whole signal at once), and a saved value may be blocks
too (:func:`write_blocks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import resampling


@dataclass(frozen=True)
class AudioFile:
    """An audio file, opened lazily: its rate and length now, its samples in blocks."""

    path: Path
    rate: int
    frames: int
    channels: int
    streamable: bool  # libsndfile reads it block by block; else it is decoded whole

    @classmethod
    def open(cls, path: str | Path) -> AudioFile:
        """Read the header; :class:`~dl_pipelines.audio.io.AudioError` naming the file when
        it is missing, empty, corrupt or holds no samples."""
        path = Path(path)
        if not path.is_file():
            raise audio_io.AudioError(f"Audio file '{path}' does not exist.")
        if path.stat().st_size == 0:
            raise audio_io.AudioError(
                f"Audio file '{path}' is empty (0 bytes): replace it "
                "with a valid WAV file or delete it."
            )
        try:
            import soundfile

            info = soundfile.info(str(path))
            file = cls(path, int(info.samplerate), int(info.frames), int(info.channels), True)
        except Exception:  # noqa: BLE001 - libsndfile cannot read it: decode it whole
            samples, rate = audio_io.load_audio(path, mono=False)
            file = cls(path, int(rate), int(samples.shape[0]), int(samples.shape[1]), False)
        if file.frames <= 0:
            raise audio_io.AudioError(
                f"Audio file '{path}' holds no samples (zero-length "
                "audio): replace it with a recording or delete it."
            )
        return file

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def blocks(self, frames: int) -> Iterator[np.ndarray]:
        """``float32`` blocks ``(≤ frames, channels)`` from the start to the end."""
        if not self.streamable:
            samples, _ = audio_io.load_audio(self.path, mono=False)
            for begin in range(0, len(samples), frames):
                yield samples[begin : begin + frames]
            return
        import soundfile

        try:
            with soundfile.SoundFile(str(self.path)) as reader:
                while True:
                    block = reader.read(frames, dtype="float32", always_2d=True)
                    if not len(block):
                        return
                    yield block
        except RuntimeError as error:
            raise audio_io.AudioError(
                f"Cannot read audio file '{self.path}' to its end: it "
                f"is truncated or corrupt ({error}). Replace it."
            ) from error


def mono_at_rate(
    blocks: Iterable[np.ndarray], from_rate: int, to_rate: int, total_frames: int
) -> np.ndarray:
    """Blocks ``(n, channels)`` at ``from_rate`` → one mono ``float32`` signal at
    ``to_rate``, equal (to float32 rounding) to resampling the whole signal at once."""
    out = np.empty(output_length(total_frames, from_rate, to_rate), dtype=np.float32)
    filled = 0
    for chunk in mono_chunks_at_rate(blocks, from_rate, to_rate, total_frames):
        out[filled : filled + len(chunk)] = chunk
        filled += len(chunk)
    return out[:filled]


def output_length(frames: int, from_rate: int, to_rate: int) -> int:
    """Samples of ``frames`` samples at ``from_rate`` resampled to ``to_rate``."""
    up, down = resampling.rate_ratio(from_rate, to_rate)
    return -(-frames * up // down)


def mono_chunks_at_rate(
    blocks: Iterable[np.ndarray], from_rate: int, to_rate: int, total_frames: int
) -> Iterator[np.ndarray]:
    """:func:`mono_at_rate` as consecutive chunks, holding ~64 k samples at a time.

    The input is resampled in parts of ~64 k samples, each with ``pad`` samples of its
    neighbours on either side (more than the polyphase filter reaches; zeros beyond the
    ends, as SciPy pads), and the output of the padding dropped.
    """
    up, down = resampling.rate_ratio(from_rate, to_rate)
    if up == down:
        left = total_frames
        for block in blocks:
            mono = resampling.to_mono(block)[:left]
            left -= len(mono)
            yield mono
        return
    n_out = output_length(total_frames, from_rate, to_rate)
    pad = down * -(-64 // down)  # whole periods of the rate ratio
    step = down * max(1, 65536 // down)
    left = np.zeros(pad, dtype=np.float32)  # context before ``data``
    data = np.zeros(0, dtype=np.float32)  # input not resampled yet
    start = 0  # input index of ``data[0]``
    for block in blocks:
        data = np.concatenate([data, resampling.to_mono(block)])
        while len(data) >= step + pad:
            yield _emit(data[:step], left, data[step : step + pad], start, up, down, n_out)
            left, data, start = data[step - pad : step], data[step:], start + step
    if len(data):
        yield _emit(data, left, np.zeros(pad, dtype=np.float32), start, up, down, n_out)


class ForwardSignal:
    """A mono signal read forward from chunks: ``len()`` and slices whose starts never
    go back, holding only what the last slice still needs (the scoring windows of
    :func:`~dl_pipelines.audio.windows.score_in_windows`)."""

    def __init__(self, chunks: Iterable[np.ndarray], length: int) -> None:
        self._chunks = iter(chunks)
        self._length = int(length)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._start = 0  # signal index of ``_buffer[0]``

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, item: slice) -> np.ndarray:
        begin, end, _ = item.indices(self._length)
        if begin < self._start:
            raise IndexError(
                f"ForwardSignal is read forward: sample {begin} is gone (kept from {self._start})"
            )
        self._buffer = self._buffer[begin - self._start :]
        self._start = begin
        parts = [self._buffer]
        have = len(self._buffer)
        while have < end - begin:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(np.asarray(chunk, dtype=np.float32))
            have += len(chunk)
        if len(parts) > 1:
            self._buffer = np.concatenate(parts)
        return self._buffer[: max(0, end - begin)]


def _emit(
    part: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    start: int,
    up: int,
    down: int,
    n_out: int,
) -> np.ndarray:
    from scipy.signal import resample_poly

    chunk = np.concatenate([left, part, right]).astype(np.float64)
    resampled = resample_poly(chunk, up, down)
    count = min(-(-len(part) * up // down), n_out - start * up // down)
    skip = len(left) * up // down
    return resampled[skip : skip + count].astype(np.float32)


@dataclass(frozen=True)
class Blocks:
    """Audio to save block by block: float blocks ``(n, channels)``, their rate."""

    blocks: Iterable[np.ndarray]
    rate: int
    channels: int


def write_blocks(path: str | Path, blocks: Iterable[np.ndarray], rate: int, channels: int) -> None:
    """16-bit PCM WAV from float blocks ``(n, channels)`` or ``(n,)``, block by block."""
    import soundfile

    with soundfile.SoundFile(
        str(path), "w", samplerate=int(rate), channels=int(channels), subtype="PCM_16", format="WAV"
    ) as writer:
        for block in blocks:
            writer.write(np.clip(np.asarray(block, dtype=np.float32), -1.0, 1.0))
