"""Audio read and written in blocks (trigger_word_detect's long recordings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import resampling
from dl_pipelines.audio import stream as audio_stream
from dl_pipelines.audio.stream import AudioFile, Blocks
from dl_pipelines.datasets import AudioFolderDataset


def _noise(frames: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal((frames, channels))).astype(
        np.float32
    )


@pytest.mark.parametrize(
    ("from_rate", "to_rate"), [(16000, 44100), (8000, 44100), (48000, 44100), (44100, 44100)]
)
def test_mono_at_rate_in_blocks_equals_resampling_the_whole_signal(
    from_rate: int, to_rate: int
) -> None:
    x = _noise(150_001)
    whole = resampling.resample(resampling.to_mono(x), from_rate, to_rate)
    blocks = (x[i : i + 7777] for i in range(0, len(x), 7777))
    parts = audio_stream.mono_at_rate(blocks, from_rate, to_rate, len(x))
    assert parts.shape == whole.shape and parts.dtype == np.float32
    np.testing.assert_allclose(parts, whole, atol=1e-6)


def test_an_audio_file_is_opened_lazily_and_read_in_blocks(tmp_path: Path) -> None:
    x = _noise(50_000)
    path = tmp_path / "long.wav"
    path.write_bytes(audio_io.wav_bytes(x, 16000))
    file = AudioFile.open(path)
    assert (file.rate, file.frames, file.channels, file.streamable) == (16000, 50_000, 2, True)
    blocks = list(file.blocks(16384))
    assert [len(b) for b in blocks] == [16384, 16384, 16384, 848]
    whole, rate = audio_io.load_audio(path, mono=False)
    np.testing.assert_allclose(np.concatenate(blocks), whole, atol=1e-6)


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "is empty"), (b"RIFF....WAVEjunk", "Cannot decode")]
)
def test_a_bad_file_is_refused_at_open_naming_it(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(audio_io.AudioError, match=message) as error:
        AudioFile.open(path)
    assert "bad.wav" in str(error.value)


def test_a_lazy_folder_loads_files_and_saves_blocks(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    x = _noise(30_000)
    (folder / "a.wav").write_bytes(audio_io.wav_bytes(x, 22050))
    loaded = AudioFolderDataset(str(folder), mono=False, lazy=True).load()
    assert isinstance(loaded["a.wav"], AudioFile) and loaded["a.wav"].rate == 22050
    out = AudioFolderDataset(str(tmp_path / "out"))
    out.save({"a.wav": Blocks(loaded["a.wav"].blocks(4096), 22050, 2)})
    again, rate = audio_io.load_audio(tmp_path / "out/a.wav", mono=False)
    assert rate == 22050 and again.shape == x.shape
    np.testing.assert_allclose(again, x, atol=1e-4)
    assert not list((tmp_path / "out").glob(".*"))  # no temporary file left behind


def test_a_forward_signal_gives_the_slices_of_the_whole_and_holds_little() -> None:
    x = _noise(100_000, channels=1)[:, 0]
    chunks = (x[i : i + 3000] for i in range(0, len(x), 3000))
    signal = audio_stream.ForwardSignal(chunks, len(x))
    assert len(signal) == len(x)
    for begin in range(0, 110_000, 9000):  # windows of 20 k every 9 k
        np.testing.assert_array_equal(signal[begin : begin + 20_000], x[begin : begin + 20_000])
        assert len(signal._buffer) <= 20_000 + 3000
    with pytest.raises(IndexError, match="read forward"):
        signal[0:10]


def test_detections_on_a_forward_signal_equal_those_on_the_array() -> None:
    from dl_pipelines.audio import windows

    rate = 16000
    x = _noise(rate * 25, channels=1)[:, 0]
    detector = windows.Detector(
        rate,
        {"nfft": 200, "noverlap": 120, "floor_db": -100.0, "center_db": -50.0, "scale_db": 25.0},
        kernel=15,
        stride=4,
        window_steps=400,
        overlap_steps=100,
        threshold=0.5,
        refractory_steps=50,
        hold_steps=3,
    )

    def predict(spectrograms: np.ndarray) -> np.ndarray:  # loud frames score high
        steps = (spectrograms.shape[1] - 15) // 4 + 1
        energy = spectrograms[:, : steps * 4 : 4, :].mean(axis=2)
        return (1 / (1 + np.exp(-(energy - energy.mean()) * 8)))[..., None]

    whole = windows.detect_signal(predict, x, detector, 4)
    chunks = audio_stream.mono_chunks_at_rate(
        (x[i : i + 5000, None] for i in range(0, len(x), 5000)), rate, rate, len(x)
    )
    streamed = windows.detect_signal(
        predict, audio_stream.ForwardSignal(chunks, len(x)), detector, 4
    )
    np.testing.assert_array_equal(streamed.scores, whole.scores)
    assert streamed.times_s == whole.times_s
