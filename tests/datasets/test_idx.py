"""The IDX reader/writer and IdxDataset on tiny files written by the tests."""

import gzip
import struct

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import IdxDataset
from dl_pipelines.datasets.idx import IdxFormatError, read_idx, write_idx


def _raw_idx(magic: bytes, shape: tuple[int, ...], body: bytes) -> bytes:
    return magic + struct.pack(f">{len(shape)}I", *shape) + body


def test_reads_a_hand_written_gzipped_images_file(tmp_path):
    pixels = bytes(range(12))
    path = tmp_path / "tiny-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_raw_idx(b"\x00\x00\x08\x03", (3, 2, 2), pixels)))
    images = read_idx(path)
    assert images.dtype == np.uint8
    assert images.shape == (3, 2, 2)
    np.testing.assert_array_equal(images[1], [[4, 5], [6, 7]])


def test_reads_an_uncompressed_labels_file(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(_raw_idx(b"\x00\x00\x08\x01", (4,), bytes([9, 0, 3, 7])))
    np.testing.assert_array_equal(read_idx(path), [9, 0, 3, 7])


def test_big_endian_values_are_decoded(tmp_path):
    path = tmp_path / "ints.idx"
    path.write_bytes(_raw_idx(b"\x00\x00\x0c\x01", (2,), struct.pack(">2i", 258, -1)))
    values = read_idx(path)
    assert values.tolist() == [258, -1]
    assert values.dtype == np.dtype("int32")


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("name", ["round.idx", "round.idx.gz"])
def test_write_then_read_round_trips(tmp_path, dtype, name):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == array.dtype
    np.testing.assert_array_equal(back, array)


def test_writer_produces_the_standard_magic_number(tmp_path):
    write_idx(tmp_path / "x.gz", np.zeros((5, 28, 28), dtype=np.uint8))
    header = gzip.decompress((tmp_path / "x.gz").read_bytes())[:16]
    assert header == b"\x00\x00\x08\x03" + struct.pack(">3I", 5, 28, 28)


@pytest.mark.parametrize("magic", [b"\x00\x00\x07\x01", b"\x01\x00\x08\x01", b"PK\x03\x04"])
def test_wrong_magic_number_is_rejected(tmp_path, magic):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(_raw_idx(magic, (2,), b"\x00\x01"))
    with pytest.raises(IdxFormatError, match="not an IDX file: magic number"):
        read_idx(path)


def test_truncated_body_is_rejected(tmp_path):
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(_raw_idx(b"\x00\x00\x08\x03", (2, 2, 2), bytes(7))))
    with pytest.raises(IdxFormatError, match="truncated or corrupt"):
        read_idx(path)


def test_broken_gzip_names_the_file(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(IdxFormatError, match="broken.gz"):
        read_idx(path)


FILES = {"train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz"}


def test_dataset_saves_and_loads_named_files(tmp_path):
    dataset = IdxDataset(path=str(tmp_path / "fm"), files=FILES)
    assert not dataset.exists()
    images = np.arange(2 * 28 * 28, dtype=np.uint16).reshape(2, 28, 28).astype(np.uint8)
    dataset.save({"train_images": images, "train_labels": np.array([3, 1], dtype=np.uint8)})
    assert dataset.exists()
    loaded = dataset.load()
    np.testing.assert_array_equal(loaded["train_images"], images)
    assert loaded["train_labels"].tolist() == [3, 1]


def test_lazy_dataset_reads_only_when_called(tmp_path):
    dataset = IdxDataset(
        path=str(tmp_path / "absent"),
        files=FILES,
        lazy=True,
        hint="apt-get install dataset-fashion-mnist",
    )
    loaders = dataset.load()  # no file yet: fine until a loader is called
    assert set(loaders) == set(FILES)
    with pytest.raises(DatasetError) as error:
        loaders["train_images"]()
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message and "absent" in message
    assert "dataset-fashion-mnist" in message


def test_eager_dataset_fails_on_a_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="not found. Put the files"):
        IdxDataset(path=str(tmp_path), files=FILES).load()


DEBIAN = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(
    not __import__("os").path.isdir(DEBIAN),
    reason="Debian package dataset-fashion-mnist not installed",
)
def test_reads_the_real_fashion_mnist_test_labels():
    labels = read_idx(f"{DEBIAN}/t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10_000,)
    assert np.bincount(labels).tolist() == [1000] * 10
