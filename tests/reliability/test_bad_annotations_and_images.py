"""COCO annotations with a broken schema, and images too large to decode: each error names
the file, the annotation or image id and the fix (issue #29), instead of ``'bbox'`` or
``list index out of range``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_pipelines.datasets import CocoDetectionDataset, ImageMaskFolderDataset
from dl_pipelines.vision.images import ImageDecodeError, decode_image


def _coco(root: Path, annotation: dict | None = None, image: dict | None = None) -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((40, 60, 3), dtype=np.uint8)).save(root / "images/a.png")
    coco = {
        "images": [image or {"id": 1, "file_name": "a.png", "width": 60, "height": 40}],
        "categories": [{"id": 3, "name": "triangle"}],
        "annotations": [{"id": 17, "image_id": 1, "category_id": 3, **(annotation or {})}],
    }
    (root / "annotations.json").write_text(json.dumps(coco))
    return root


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        ({}, "annotation id 17 .* has no 'bbox'"),
        ({"bbox": [1, 2, 3]}, r"annotation id 17 .* has bbox \[1, 2, 3\]: it must be four numbers"),
        ({"bbox": [1, "2", 3, 4]}, r"annotation id 17 .* has bbox \[1, '2', 3, 4\]: it must be"),
        ({"bbox": None}, "annotation id 17 .* has bbox None"),
        ({"bbox": [1, 2, float("nan"), 4]}, "annotation id 17 .* it must be four numbers"),
    ],
)
def test_a_bad_bbox_names_the_file_and_the_annotation(
    tmp_path: Path, annotation: dict, message: str
) -> None:
    root = _coco(tmp_path, annotation)
    with pytest.raises(DatasetError, match=message) as error:
        CocoDetectionDataset(str(root)).load()
    assert str(root / "annotations.json") in str(error.value)
    assert "[x, y, width, height]" in str(error.value)


def test_an_image_without_file_name_names_its_id(tmp_path: Path) -> None:
    root = _coco(tmp_path, {"bbox": [1, 1, 5, 5]}, image={"id": 4, "width": 60, "height": 40})
    with pytest.raises(DatasetError, match="image id 4 has no 'file_name'"):
        CocoDetectionDataset(str(root)).load()


@pytest.fixture
def small_bomb_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow refuses images beyond 2 × MAX_IMAGE_PIXELS: a 100 × 100 image stands in for
    a 20000² PNG without writing one."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)


def test_an_oversized_image_names_the_file_and_the_fix(
    tmp_path: Path, small_bomb_limit: None
) -> None:
    path = tmp_path / "huge.png"
    Image.new("RGB", (100, 100)).save(path)
    with pytest.raises(ImageDecodeError, match="huge.png' is too large to decode safely") as e:
        decode_image(path)
    assert "Downscale it" in str(e.value)


def test_an_oversized_mask_names_the_file(tmp_path: Path, small_bomb_limit: None) -> None:
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    Image.new("RGB", (20, 20)).save(tmp_path / "images" / "a.png")
    Image.new("L", (100, 100)).save(tmp_path / "masks" / "a.png")
    with pytest.raises(DatasetError, match="a.png' is too large to decode safely"):
        ImageMaskFolderDataset(str(tmp_path)).load()
