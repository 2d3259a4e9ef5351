"""What the README says about atomic writes holds (issue #29): each of the project's own
datasets writes beside its target and renames into place, so a save that fails leaves the
previous file whole and no temporary file behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import (
    FileTreeDataset,
    ImageFileDataset,
    KerasModelDataset,
    NpzDataset,
    _files,
)


def _model():
    import keras

    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])


CASES = {
    "npz": (lambda root: NpzDataset(str(root / "a.npz")), {"x": np.zeros(3)}, {"x": np.ones(1000)}),
    "image": (
        lambda root: ImageFileDataset(str(root / "a.png")),
        np.zeros((8, 8, 3), np.uint8),
        np.full((64, 64, 3), 200, np.uint8),
    ),
    "keras": (lambda root: KerasModelDataset(str(root / "m.keras")), _model, _model),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_failed_save_leaves_the_old_file_whole(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, first, second = CASES[case]
    dataset = make(tmp_path)
    dataset.save(first() if callable(first) else first)
    (target,) = [p for p in tmp_path.iterdir()]
    before = target.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "replace", fail)  # the write is done, the rename fails
    with pytest.raises(DatasetError, match="disk full"):
        dataset.save(second() if callable(second) else second)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_a_failed_file_tree_save_keeps_the_old_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = FileTreeDataset(str(tmp_path / "tree"))
    dataset.save({"a.txt": b"old", "sub/b.txt": b"old"})
    monkeypatch.setattr(
        Path, "write_bytes", lambda self, data: (_ for _ in ()).throw(OSError("disk full"))
    )
    with pytest.raises(DatasetError, match="disk full"):
        dataset.save({"a.txt": b"new"})
    monkeypatch.undo()
    assert dataset.load() == {"a.txt": b"old", "sub/b.txt": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["tree"]
