"""FileTreeDataset: round trip, the whole folder replaced at once, bad keys rejected."""

from __future__ import annotations

import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import FileTreeDataset


def test_round_trip_with_sub_folders(tmp_path) -> None:
    dataset = FileTreeDataset(str(tmp_path / "exports"))
    files = {
        "model.onnx": b"\x00\x01",
        "saved_model/saved_model.pb": b"pb",
        "saved_model/variables/variables.index": b"idx",
    }
    dataset.save(files)
    assert dataset.load() == files
    assert dataset.exists()


def test_save_replaces_the_folder_and_leaves_no_temporary_folders(tmp_path) -> None:
    dataset = FileTreeDataset(str(tmp_path / "exports"))
    dataset.save({"old.tflite": b"old", "keep/old.txt": b"x"})
    dataset.save({"new.tflite": b"new"})
    assert dataset.load() == {"new.tflite": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_bad_data_is_rejected_and_the_old_folder_kept(tmp_path) -> None:
    dataset = FileTreeDataset(str(tmp_path / "exports"))
    dataset.save({"a.bin": b"a"})
    with pytest.raises(DatasetError, match="not a relative path"):
        dataset.save({"../escape.bin": b"x"})
    with pytest.raises(DatasetError, match="non-empty dict"):
        dataset.save({})
    assert dataset.load() == {"a.bin": b"a"}
    with pytest.raises(DatasetError, match="does not exist: run the pipeline"):
        FileTreeDataset(str(tmp_path / "missing")).load()
