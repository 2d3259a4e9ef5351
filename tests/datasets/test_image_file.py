"""ImageFileDataset: one image file, clear errors, atomic writes."""

from __future__ import annotations

import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_pipelines.datasets import ImageFileDataset


def test_png_round_trip(tmp_path) -> None:
    image = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    dataset = ImageFileDataset(str(tmp_path / "out" / "a.png"))
    assert not dataset.exists()
    dataset.save(image)
    np.testing.assert_array_equal(dataset.load(), image)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.png"]  # no temporary left


def test_grey_and_rgba_load_as_rgb(tmp_path) -> None:
    Image.fromarray(np.full((70, 80), 100, np.uint8)).save(tmp_path / "grey.png")
    rgba = np.zeros((70, 80, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 255
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    grey = ImageFileDataset(str(tmp_path / "grey.png")).load()
    assert grey.shape == (70, 80, 3) and (grey == 100).all()
    red = ImageFileDataset(str(tmp_path / "rgba.png")).load()
    assert red.shape == (70, 80, 3) and (red[..., 0] == 255).all() and (red[..., 1] == 0).all()


def test_bad_files_are_named(tmp_path) -> None:
    with pytest.raises(DatasetError, match="missing.png' does not exist. Pass it"):
        ImageFileDataset(str(tmp_path / "missing.png"), missing_hint="Pass it").load()
    assert ImageFileDataset(str(tmp_path / "missing.png"), optional=True).load() is None
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(DatasetError, match="Cannot read image .*broken.jpg"):
        ImageFileDataset(str(tmp_path / "broken.jpg")).load()
    Image.fromarray(np.zeros((40, 200, 3), np.uint8)).save(tmp_path / "small.png")
    with pytest.raises(DatasetError, match=r"small.png' is 200×40 px; it needs at least 64"):
        ImageFileDataset(str(tmp_path / "small.png"), min_size=64).load()


def test_failed_save_leaves_nothing(tmp_path) -> None:
    with pytest.raises(DatasetError, match="must end in"):
        ImageFileDataset(str(tmp_path / "a.gif")).save(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(DatasetError):
        ImageFileDataset(str(tmp_path / "b.png")).save(np.zeros((4, 4, 7), np.uint8))
    assert list(tmp_path.iterdir()) == []
