"""ImageMaskFolderDataset: image + PNG mask pairs, and bad input named clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_pipelines.datasets import ImageMaskFolderDataset


def _pair(root: Path, name: str, image_size=(20, 30), mask_size=(20, 30), mode="L") -> None:
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((*image_size, 3), dtype=np.uint8)).save(root / f"images/{name}.jpg")
    mask = np.zeros(mask_size, dtype=np.uint8)
    mask[2:5, 3:9] = 2
    picture = (
        Image.fromarray(mask)
        if mode == "L"
        else Image.fromarray(np.repeat(mask[..., None], 3, axis=-1))
    )
    picture.save(root / f"masks/{name}.png")


def test_loads_pairs(tmp_path: Path) -> None:
    _pair(tmp_path, "b")
    _pair(tmp_path, "a")
    records = ImageMaskFolderDataset(str(tmp_path)).load()
    assert [r["name"] for r in records] == ["a.jpg", "b.jpg"]
    assert records[0]["mask"].shape == (20, 30) and records[0]["mask"].max() == 2
    assert (records[0]["mask"] == 2).sum() == 18


def test_empty(tmp_path: Path) -> None:
    assert ImageMaskFolderDataset(str(tmp_path), allow_empty=True).load() == []
    with pytest.raises(DatasetError, match="No images"):
        ImageMaskFolderDataset(str(tmp_path)).load()


def test_mask_of_the_wrong_size(tmp_path: Path) -> None:
    _pair(tmp_path, "a", mask_size=(10, 30))
    with pytest.raises(DatasetError, match="a.png' is 30×10 but its image 'a.jpg' is 30×20"):
        ImageMaskFolderDataset(str(tmp_path)).load()


def test_colour_mask_and_missing_partner(tmp_path: Path) -> None:
    _pair(tmp_path, "a", mode="RGB")
    with pytest.raises(DatasetError, match="a.png' has mode RGB"):
        ImageMaskFolderDataset(str(tmp_path)).load()
    (tmp_path / "masks/a.png").unlink()
    with pytest.raises(DatasetError, match="a.jpg' has no partner"):
        ImageMaskFolderDataset(str(tmp_path)).load()


def test_unreadable_image(tmp_path: Path) -> None:
    _pair(tmp_path, "a")
    (tmp_path / "images/a.jpg").write_bytes(b"\xff\xd8 broken")
    with pytest.raises(DatasetError, match="Cannot read image .*a.jpg"):
        ImageMaskFolderDataset(str(tmp_path)).load()
