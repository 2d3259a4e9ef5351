"""Loading and splitting the data: digits and Fashion-MNIST (IDX files)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from dl_pipelines.datasets import IdxDataset
from dl_pipelines.datasets.idx import write_idx
from dl_pipelines.pipelines.image_classification import nodes
from tests.conftest import PROJECT_ROOT
from tests.pipelines.image_classification.conftest import BASE, params_with


def test_digits_split_is_stratified_and_disjoint(splits, digits):
    train, val, test, report = splits
    assert len(train["labels"]) + len(val["labels"]) + len(test["labels"]) == 1797
    assert len(test["labels"]) == 360 and len(val["labels"]) == 144
    assert train["images"].shape[1:] == (8, 8, 1) and train["images"].dtype == np.uint8
    assert train["images"].max() == 255  # 16 → 255
    for part in (train, val, test):
        counts = np.bincount(part["labels"], minlength=10)
        shares = counts / counts.sum()
        assert np.abs(shares - 0.1).max() < 0.02
    # no image in two splits: compare the raw digits row by row
    as_rows = {
        split: {
            img.tobytes() + bytes([lab])
            for img, lab in zip(part["images"], part["labels"], strict=True)
        }
        for split, part in (("train", train), ("val", val), ("test", test))
    }
    flat = digits["images"]
    duplicates = len(flat) - len({x.tobytes() for x in flat})
    assert len(as_rows["train"] & as_rows["test"]) <= duplicates
    assert report["class_names"] == [str(d) for d in range(10)]


def test_split_is_the_same_for_the_same_seed(digits, splits):
    again = nodes.prepare_data(digits, {}, BASE, seed=42)
    np.testing.assert_array_equal(again[2]["labels"], splits[2]["labels"])
    other = nodes.prepare_data(digits, {}, BASE, seed=7)
    assert not np.array_equal(other[2]["images"], splits[2]["images"])


def test_fashion_mnist_labels_must_match_the_images():
    loaders = {
        "train_images": lambda: np.zeros((20, 28, 28), np.uint8),
        "train_labels": lambda: np.zeros(19, np.uint8),
        "test_images": lambda: np.zeros((10, 28, 28), np.uint8),
        "test_labels": lambda: np.zeros(10, np.uint8),
    }
    with pytest.raises(ValueError, match="'train_labels' must be 20 labels"):
        nodes.prepare_data({}, loaders, params_with(dataset="fashion_mnist"), seed=0)
    loaders["train_labels"] = lambda: np.zeros((20, 28, 28), np.uint8)
    loaders["train_images"] = lambda: np.zeros(20, np.uint8)
    with pytest.raises(ValueError, match="must be uint8 images"):
        nodes.prepare_data({}, loaders, params_with(dataset="fashion_mnist"), seed=0)


def test_fashion_mnist_is_read_from_idx_files(tmp_path):
    """Tiny IDX files in the Fashion-MNIST layout, read through the catalog's dataset."""
    catalog = yaml.safe_load(
        (PROJECT_ROOT / "conf/base/catalog_image_classification.yml").read_text()
    )["image_classification_fashion_mnist"]
    rng = np.random.default_rng(0)
    for split, n in (("train", 300), ("t10k", 100)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = rng.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", labels)
    loaders = IdxDataset(path=str(tmp_path), files=catalog["files"], lazy=True).load()
    train, val, test, report = nodes.prepare_data(
        {}, loaders, params_with(dataset="fashion_mnist"), seed=0
    )
    assert len(test["labels"]) == 100  # the official split, untouched
    np.testing.assert_array_equal(test["labels"], np.arange(100) % 10)
    assert (len(train["labels"]), len(val["labels"])) == (270, 30)
    assert set(report["val"]["per_class"].values()) == {3}  # stratified
    assert report["class_names"][0] == "T-shirt/top" and report["class_names"][9] == "Ankle boot"
    assert train["images"].shape[1:] == (28, 28, 1)
