"""Tests for dl_pipelines.datasets.ImageFolderDataset."""

import logging

import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_pipelines.datasets import ImageFolderDataset


def _write(path, colour=(10, 20, 30), size=(4, 6), fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((*size, 3), colour, dtype=np.uint8)).save(path, format=fmt)
    return path


@pytest.fixture
def class_folder(tmp_path):
    root = tmp_path / "day_night"
    _write(root / "day" / "b.png", (200, 200, 200))
    _write(root / "day" / "a.png", (250, 250, 250), size=(5, 7))
    _write(root / "night" / "c.jpg", (10, 10, 10), size=(8, 8))
    (root / "day" / ".gitkeep").touch()
    (root / "night" / ".gitkeep").touch()
    return root


def test_classes_layout_keys_sorted_and_images_decoded(class_folder):
    images = ImageFolderDataset(str(class_folder), classes=["day", "night"]).load()
    assert list(images) == ["day/a.png", "day/b.png", "night/c.jpg"]
    assert images["day/a.png"].shape == (5, 7, 3)
    assert images["day/a.png"].dtype == np.uint8
    np.testing.assert_array_equal(images["day/b.png"], np.full((4, 6, 3), 200, np.uint8))
    assert images["night/c.jpg"].shape == (8, 8, 3)
    assert np.abs(images["night/c.jpg"].astype(int) - 10).max() <= 3


def test_classes_layout_ignores_folders_not_listed(class_folder):
    _write(class_folder / "dusk" / "d.png")
    images = ImageFolderDataset(str(class_folder), classes=["day", "night"]).load()
    assert not any(key.startswith("dusk/") for key in images)


def test_flat_layout(tmp_path):
    _write(tmp_path / "z.png")
    _write(tmp_path / "m.jpeg", fmt="JPEG")
    _write(tmp_path / "UPPER.PNG", fmt="PNG")
    images = ImageFolderDataset(str(tmp_path)).load()
    assert list(images) == sorted(["z.png", "m.jpeg", "UPPER.PNG"])
    assert all(image.shape == (4, 6, 3) for image in images.values())


def test_hidden_files_and_folders_ignored(tmp_path):
    _write(tmp_path / "a.png")
    (tmp_path / ".gitkeep").touch()
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01junk")
    (tmp_path / "._a.png").write_bytes(b"not an image")  # macOS resource fork
    _write(tmp_path / ".cache" / "b.png")
    assert list(ImageFolderDataset(str(tmp_path)).load()) == ["a.png"]


def test_non_image_files_skipped_with_warning(tmp_path, caplog):
    _write(tmp_path / "a.png")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "labels.csv").write_text("a,b")
    with caplog.at_level(logging.WARNING, logger="dl_pipelines.datasets.image_folder"):
        images = ImageFolderDataset(str(tmp_path)).load()
    assert list(images) == ["a.png"]
    assert "Skipped 2 file(s)" in caplog.text and "notes.txt" in caplog.text


def test_custom_extensions(tmp_path):
    _write(tmp_path / "a.png")
    _write(tmp_path / "b.jpg", fmt="JPEG")
    images = ImageFolderDataset(str(tmp_path), extensions=[".PNG"]).load()
    assert list(images) == ["a.png"]


def test_missing_folder_raises_naming_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetError, match="does not exist") as info:
        ImageFolderDataset(str(missing)).load()
    assert str(missing) in str(info.value)
    assert not ImageFolderDataset(str(missing)).exists()


def test_one_empty_class_folder_raises_naming_it(class_folder):
    for file in (class_folder / "night").iterdir():
        file.unlink()
    with pytest.raises(DatasetError) as info:
        ImageFolderDataset(str(class_folder), classes=["day", "night"]).load()
    message = str(info.value)
    assert f"'{class_folder / 'night'}'" in message
    assert f"'{class_folder / 'day'}'" not in message


def test_missing_class_folder_counts_as_empty(class_folder):
    with pytest.raises(DatasetError, match="dusk"):
        ImageFolderDataset(str(class_folder), classes=["day", "night", "dusk"]).load()


@pytest.fixture
def empty_class_folder(tmp_path):
    for name in ("day", "night"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".gitkeep").touch()
    return tmp_path


def test_all_empty_allowed_gives_empty_dict(empty_class_folder):
    dataset = ImageFolderDataset(
        str(empty_class_folder), classes=["day", "night"], allow_empty=True
    )
    assert dataset.load() == {}


def test_all_empty_not_allowed_raises(empty_class_folder):
    dataset = ImageFolderDataset(str(empty_class_folder), classes=["day", "night"])
    with pytest.raises(DatasetError, match="No .*images in") as info:
        dataset.load()
    assert str(empty_class_folder) in str(info.value)


def test_empty_flat_folder(tmp_path):
    assert ImageFolderDataset(str(tmp_path), allow_empty=True).load() == {}
    with pytest.raises(DatasetError, match="No "):
        ImageFolderDataset(str(tmp_path)).load()


def test_corrupt_image_raises_naming_file(class_folder):
    bad = class_folder / "night" / "broken.jpg"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 300, dtype=np.uint8).tobytes())
    with pytest.raises(DatasetError) as info:
        ImageFolderDataset(str(class_folder), classes=["day", "night"]).load()
    assert str(bad) in str(info.value)
    assert "Replace" in str(info.value)


def test_read_only_and_exists(class_folder):
    dataset = ImageFolderDataset(str(class_folder), classes=["day", "night"])
    assert dataset.exists()
    with pytest.raises(DatasetError, match="read-only"):
        dataset.save({"a": np.zeros((1, 1, 3), np.uint8)})
