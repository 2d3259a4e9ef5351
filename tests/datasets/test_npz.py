"""Tests for dl_pipelines.datasets.NpzDataset."""

import zipfile

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import NpzDataset


def _arrays():
    return {
        "x": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
        "y": np.array([0, 1], dtype=np.int64),
        "names": np.array(["día/ä.png", "nuit/☾.jpg"]),
        "flags": np.array([True, False]),
    }


def _assert_same(loaded, expected):
    assert set(loaded) == set(expected)
    for name, array in expected.items():
        assert loaded[name].dtype == array.dtype, name
        np.testing.assert_array_equal(loaded[name], array)


@pytest.mark.parametrize("compress", [True, False])
def test_round_trip(tmp_path, compress):
    path = tmp_path / "sub" / "train.npz"
    dataset = NpzDataset(str(path), compress=compress)
    assert not dataset.exists()
    dataset.save(_arrays())
    assert dataset.exists()
    loaded = dataset.load()
    _assert_same(loaded, _arrays())
    assert loaded["names"][1] == "nuit/☾.jpg"
    assert sorted(p.name for p in path.parent.iterdir()) == ["train.npz"]


def test_compress_flag_controls_zip_compression(tmp_path):
    data = {"zeros": np.zeros(10_000, dtype=np.float64)}
    compressed, plain = tmp_path / "c.npz", tmp_path / "p.npz"
    NpzDataset(str(compressed)).save(data)
    NpzDataset(str(plain), compress=False).save(data)
    with zipfile.ZipFile(compressed) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    with zipfile.ZipFile(plain) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    assert compressed.stat().st_size < plain.stat().st_size


def test_lists_are_converted_to_arrays(tmp_path):
    dataset = NpzDataset(str(tmp_path / "a.npz"))
    dataset.save({"v": [1, 2, 3]})
    np.testing.assert_array_equal(dataset.load()["v"], [1, 2, 3])


def test_save_overwrites(tmp_path):
    dataset = NpzDataset(str(tmp_path / "a.npz"))
    dataset.save({"a": np.zeros(3)})
    dataset.save({"b": np.ones(2)})
    loaded = dataset.load()
    assert list(loaded) == ["b"]


@pytest.mark.parametrize("data", [{}, [np.zeros(2)]])
def test_empty_dict_or_non_dict_rejected(tmp_path, data):
    path = tmp_path / "a.npz"
    with pytest.raises(DatasetError, match="non-empty dict"):
        NpzDataset(str(path)).save(data)
    assert not path.exists()


def test_object_array_rejected(tmp_path):
    path = tmp_path / "a.npz"
    data = {"ok": np.zeros(2), "bad": np.array([{"a": 1}, None], dtype=object)}
    with pytest.raises(DatasetError, match="'bad' has dtype object"):
        NpzDataset(str(path)).save(data)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_load_missing_file_raises(tmp_path):
    path = tmp_path / "missing.npz"
    with pytest.raises(DatasetError, match="does not exist") as info:
        NpzDataset(str(path)).load()
    assert str(path) in str(info.value)


def test_failed_save_keeps_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "train.npz"
    dataset = NpzDataset(str(path))
    dataset.save({"a": np.arange(5)})
    before = path.read_bytes()

    def boom(file, **arrays):
        with open(file, "wb") as handle:  # a half-written file
            handle.write(b"PK partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(Exception, match="disk full"):
        dataset.save({"a": np.arange(100)})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["train.npz"]
    monkeypatch.undo()
    np.testing.assert_array_equal(dataset.load()["a"], np.arange(5))


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    def boom(file, **arrays):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(Exception, match="disk full"):
        NpzDataset(str(tmp_path / "a.npz"), compress=False).save({"a": np.zeros(1)})
    assert list(tmp_path.iterdir()) == []


def test_saved_file_has_the_permissions_of_a_plain_write(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = tmp_path / "a.npz"
        NpzDataset(filepath=str(path)).save({"x": np.zeros(2)})
        assert path.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(umask)
