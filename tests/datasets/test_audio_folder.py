"""Tests for dl_pipelines.datasets.AudioFolderDataset."""

from __future__ import annotations

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.audio.io import wav_bytes
from dl_pipelines.datasets import AudioFolderDataset


def _tone(n: int, channels: int = 1) -> np.ndarray:
    x = (0.25 * np.sin(np.arange(n) / 5.0)).astype(np.float32)
    return x if channels == 1 else np.stack([x] * channels, axis=1)


def test_loads_mono_and_stereo_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "stereo.wav").write_bytes(wav_bytes(_tone(4410, 2), 44100))
    (tmp_path / "a.wav").write_bytes(wav_bytes(_tone(1600), 16000))
    (tmp_path / ".gitkeep").write_text("")
    (tmp_path / "notes.txt").write_text("skipped")
    clips = AudioFolderDataset(str(tmp_path)).load()
    assert list(clips) == ["a.wav", "b/stereo.wav"]
    samples, rate = clips["b/stereo.wav"]
    assert rate == 44100 and samples.shape == (4410,)
    stereo, _ = AudioFolderDataset(str(tmp_path), mono=False).load()["b/stereo.wav"]
    assert stereo.shape == (4410, 2)


def test_empty_folder(tmp_path):
    with pytest.raises(DatasetError, match=r"No \.wav/\.wave files in"):
        AudioFolderDataset(str(tmp_path)).load()
    assert AudioFolderDataset(str(tmp_path), allow_empty=True).load() == {}
    with pytest.raises(DatasetError, match="does not exist"):
        AudioFolderDataset(str(tmp_path / "missing")).load()


def test_corrupt_and_empty_files_are_named(tmp_path):
    (tmp_path / "broken.wav").write_bytes(b"not a wav at all")
    with pytest.raises(DatasetError, match="broken.wav"):
        AudioFolderDataset(str(tmp_path)).load()
    (tmp_path / "broken.wav").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"broken.wav' is empty"):
        AudioFolderDataset(str(tmp_path)).load()


def test_save_round_trip_leaves_no_temporary_files(tmp_path):
    dataset = AudioFolderDataset(str(tmp_path / "out"))
    dataset.save({"x/one.wav": (_tone(800), 8000), "two.wav": (_tone(800, 2), 8000)})
    files = sorted(
        p.relative_to(tmp_path / "out").as_posix()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    )
    assert files == ["two.wav", "x/one.wav"]
    samples, rate = AudioFolderDataset(str(tmp_path / "out"), mono=False).load()["two.wav"]
    assert rate == 8000 and samples.shape == (800, 2)
    np.testing.assert_allclose(samples[:, 0], _tone(800), atol=1e-4)
