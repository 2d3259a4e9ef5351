"""kedro-viz previews of the custom datasets: what a user sees on clicking one."""

from __future__ import annotations

import base64
import inspect
import io

import numpy as np
from PIL import Image

from dl_pipelines.audio.io import wav_bytes
from dl_pipelines.datasets import AudioFolderDataset, ImageFolderDataset, NpzDataset


def _png(payload: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(payload))))


def test_an_image_folder_previews_thumbnails_of_each_class(tmp_path):
    for cls, colour in (("day", (250, 250, 200)), ("night", (5, 5, 30))):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.new("RGB", (10, 8), colour).save(tmp_path / cls / f"{i}.png")
    dataset = ImageFolderDataset(str(tmp_path), classes=["day", "night"])
    sheet = _png(dataset.preview(count=4))
    assert sheet.shape == (96, 4 * 96, 3)  # 2 per class, one row
    assert sheet[48, 48].tolist() == [250, 250, 200]
    assert sheet[48, 3 * 96 + 48].tolist() == [5, 5, 30]
    assert inspect.signature(dataset.preview).return_annotation in ("ImagePreview",)


def test_an_audio_folder_previews_the_spectrogram_of_its_first_file(tmp_path):
    rate = 16000
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    (tmp_path / "a.wav").write_bytes(wav_bytes(tone, rate))
    picture = _png(AudioFolderDataset(str(tmp_path)).preview())
    assert picture.shape[0] == 128
    loudest_row = int(np.argmax(picture.mean(axis=1)))
    # 1 kHz of 8 kHz (Nyquist), low pitch at the bottom: 1/8 of the way up
    assert abs((127 - loudest_row) / 127 - 1000 / 8000) < 0.03


def test_an_npz_file_previews_its_arrays(tmp_path):
    dataset = NpzDataset(str(tmp_path / "split.npz"))
    dataset.save({"images": np.zeros((4, 2, 2, 3), np.uint8), "labels": np.array([0, 1, 1, 0])})
    preview = dataset.preview()
    assert preview["columns"] == ["array", "dtype", "shape", "min", "max"]
    assert ["labels", "int64", "4", 0.0, 1.0] in preview["data"]
    assert ["images", "uint8", "4×2×2×3", 0.0, 0.0] in preview["data"]
