"""CocoDetectionDataset: a real COCO-style layout, and bad input named clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError
from PIL import Image

from dl_pipelines.datasets import CocoDetectionDataset


def _write(root: Path, annotations: list[dict], size=(40, 60), **extra) -> None:
    (root / "images").mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((*size, 3), dtype=np.uint8)).save(root / "images/a.png")
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": size[1], "height": size[0]}],
        "categories": [{"id": 3, "name": "triangle"}, {"id": 7, "name": "cross"}],
        "annotations": annotations,
        **extra,
    }
    (root / "annotations.json").write_text(json.dumps(coco))


def test_loads_boxes_classes_and_keypoints(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            {"id": 1, "image_id": 1, "category_id": 7, "bbox": [10, 5, 20, 10]},
            {
                "id": 2,
                "image_id": 1,
                "category_id": 3,
                "bbox": [0, 0, 60, 40],
                "keypoints": [1, 2, 2, 3, 4, 2, 5, 6, 0, 7, 8, 1],
            },
        ],
    )
    (record,) = CocoDetectionDataset(str(tmp_path)).load()
    assert record["name"] == "a.png" and record["image"].shape == (40, 60, 3)
    np.testing.assert_allclose(record["boxes"], [[10, 5, 30, 15], [0, 0, 60, 40]])
    assert record["labels"] == ["cross", "triangle"]
    assert np.isnan(record["keypoints"][0]).all()
    np.testing.assert_allclose(record["keypoints"][1][[0, 1, 3]], [[1, 2], [3, 4], [7, 8]])
    assert np.isnan(record["keypoints"][1][2]).all()  # visibility 0


def test_empty_folder(tmp_path: Path) -> None:
    assert CocoDetectionDataset(str(tmp_path), allow_empty=True).load() == []
    with pytest.raises(DatasetError, match="annotations.json"):
        CocoDetectionDataset(str(tmp_path)).load()


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        ({"bbox": [10, 5, 0, 10]}, "zero area"),
        ({"bbox": [50, 5, 20, 10]}, "outside"),
        ({"bbox": [1, 1, 5, 5], "category_id": 99}, "unknown category_id 99"),
        ({"bbox": [1, 1, 5, 5], "image_id": 5}, "image_id 5"),
        ({"bbox": [1, 1, 5, 5], "keypoints": [1, 1, 2]}, "1 keypoints, expected 4"),
    ],
)
def test_bad_annotations_name_the_file(tmp_path: Path, annotation, message) -> None:
    _write(tmp_path, [{"id": 1, "image_id": 1, "category_id": 3, **annotation}])
    with pytest.raises(DatasetError, match=message) as error:
        CocoDetectionDataset(str(tmp_path)).load()
    assert "a.png" in str(error.value) or "annotations.json" in str(error.value)


def test_unreadable_image_and_wrong_size(tmp_path: Path) -> None:
    _write(tmp_path, [])
    (tmp_path / "images/a.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match="Cannot read image .*a.png"):
        CocoDetectionDataset(str(tmp_path)).load()
    _write(tmp_path, [], size=(40, 60))
    coco = json.loads((tmp_path / "annotations.json").read_text())
    coco["images"][0]["width"] = 61
    (tmp_path / "annotations.json").write_text(json.dumps(coco))
    with pytest.raises(DatasetError, match="a.png: the image is 60×40 but .* says 61×40"):
        CocoDetectionDataset(str(tmp_path)).load()


def test_broken_json(tmp_path: Path) -> None:
    (tmp_path / "annotations.json").write_text("{ nope")
    with pytest.raises(DatasetError, match="Cannot read COCO annotations"):
        CocoDetectionDataset(str(tmp_path)).load()
