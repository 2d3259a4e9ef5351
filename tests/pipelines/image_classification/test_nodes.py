"""Unit tests of the image_classification nodes, parameters and training helpers."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from matplotlib.figure import Figure

from dl_pipelines.datasets import IdxDataset, SklearnImagesDataset
from dl_pipelines.datasets.idx import write_idx
from dl_pipelines.pipelines.image_classification import config as cfg
from dl_pipelines.pipelines.image_classification import nodes
from dl_pipelines.runtime.config import ParameterError
from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_image_classification.yml").read_text())[
    "image_classification"
]


@pytest.fixture(scope="module")
def digits():
    return SklearnImagesDataset().load()


@pytest.fixture(scope="module")
def splits(digits):
    return nodes.prepare_data(digits, {}, BASE, seed=42)


def _params(**overrides):
    params = copy.deepcopy(BASE)
    params.update(overrides)
    return params


def test_base_parameters_parse_and_every_member_is_valid():
    config = cfg.load_config(BASE)
    assert cfg.selected_members(config) == BASE["per_dataset"]["digits"]["models"]
    for name in config.zoo:
        cfg.training(config, name)
    assert cfg.selected_members(cfg.load_config(_params(models="all"))) == list(BASE["zoo"])


def test_training_settings_are_layered():
    params = _params()
    params["zoo"]["lenet5"]["training"] = {"epochs": 3}
    config = cfg.load_config(params)
    lenet = cfg.training(config, "lenet5")
    assert lenet.epochs == 3  # member
    assert lenet.batch_size == BASE["per_dataset"]["digits"]["training"]["batch_size"]
    assert lenet.optimizer == BASE["training"]["optimizer"]  # common


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dataset": "cifar10"}, "dataset must be one of"),
        ({"models": ["lenet5", "lenet6"]}, "names 'lenet6', which is not in"),
        ({"models": "everything"}, "models must be null, 'all' or a list"),
        ({"zoo": {"x": {"builder": "transformer"}}}, "builder must be one of"),
        ({"zoo": {"x": {"builder": "linear", "loss": "hinge"}}}, "loss must be one of"),
        ({"zoo": {"x": {"builder": "linear", "lr": 1}}}, "unknown 'image_classification.zoo.x.lr'"),
    ],
)
def test_bad_parameters_name_the_key(overrides, message):
    with pytest.raises(ParameterError, match=message) as error:
        cfg.load_config(_params(**overrides))
    assert "parameters_image_classification.yml" in str(error.value)


def test_bad_training_value_names_the_member():
    params = _params()
    params["zoo"]["lenet5"]["training"] = {"optimizer": "rmsprop"}
    with pytest.raises(ParameterError, match="for member 'lenet5'.*optimizer must be one of"):
        cfg.load_config(params)


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
        nodes.prepare_data({}, loaders, _params(dataset="fashion_mnist"), seed=0)
    loaders["train_labels"] = lambda: np.zeros((20, 28, 28), np.uint8)
    loaders["train_images"] = lambda: np.zeros(20, np.uint8)
    with pytest.raises(ValueError, match="must be uint8 images"):
        nodes.prepare_data({}, loaders, _params(dataset="fashion_mnist"), seed=0)


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
        {}, loaders, _params(dataset="fashion_mnist"), seed=0
    )
    assert len(test["labels"]) == 100  # the official split, untouched
    np.testing.assert_array_equal(test["labels"], np.arange(100) % 10)
    assert (len(train["labels"]), len(val["labels"])) == (270, 30)
    assert set(report["val"]["per_class"].values()) == {3}  # stratified
    assert report["class_names"][0] == "T-shirt/top" and report["class_names"][9] == "Ankle boot"
    assert train["images"].shape[1:] == (28, 28, 1)


def test_shift_augmentation_moves_pixels_within_bounds():
    from dl_pipelines.pipelines.image_classification.training import shift_and_flip

    x = np.zeros((50, 6, 6, 1), dtype=np.uint8)
    x[:, 2:4, 2:4] = 200
    out = shift_and_flip(1, False)(x, np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert (out.reshape(50, -1).sum(axis=1) == 4 * 200).all()  # nothing falls off
    assert not np.array_equal(out, x)
    moved = {tuple(np.argwhere(image[..., 0])[0]) for image in out}
    assert moved <= {(r, c) for r in (1, 2, 3) for c in (1, 2, 3)}
    flipped = shift_and_flip(0, True)(x[:, :, ::-1].copy(), np.random.default_rng(1))
    assert flipped.sum() == x.sum()


def test_member_wrapper_resizes_and_rescales():
    from dl_pipelines.pipelines.image_classification.training import build_member, input_size

    member = cfg.member(cfg.load_config(BASE), "lenet5")
    model, core = build_member("lenet5", member, (8, 8, 1), 10)
    assert model.input_shape == (None, 8, 8, 1) and core.input_shape == (None, 32, 32, 1)
    assert model.count_params() == core.count_params() == 61706
    assert model(np.full((2, 8, 8, 1), 255.0, "float32")).shape == (2, 10)
    effnet = cfg.MemberParams(builder="efficientnet", options={"phi": 2})
    assert input_size(effnet, (8, 8)) == (44, 44)
    linear = cfg.MemberParams(builder="linear")
    assert input_size(linear, (28, 28)) == (28, 28)


def test_linear_templates_are_one_image_per_class():
    from dl_pipelines.pipelines.image_classification.training import (
        build_member,
        linear_templates,
    )

    model, core = build_member("lin", cfg.MemberParams(builder="linear"), (8, 8, 1), 10)
    templates = linear_templates(model)
    assert templates.shape == (10, 8, 8)
    kernel = np.asarray(core.get_layer("logits").kernel)
    np.testing.assert_array_equal(templates[3].ravel(), kernel[:, 3])


def test_figures(splits):
    train, _, test, report = splits
    assert isinstance(nodes.plot_examples(train, report, seed=0), Figure)
    assert isinstance(
        nodes.edge_detection(
            {"camera": np.tile(np.arange(64, dtype=np.uint8)[None, :, None], (48, 1, 3))},
            _params(edge_detection={"photo": "camera", "size": 32}),
        ),
        Figure,
    )
    with pytest.raises(ValueError, match="not one of the sample photos"):
        nodes.edge_detection({}, BASE)
    summaries = {"a": {"history": {"loss": [2.0, 1.0], "val_accuracy": [0.5, 0.7]}}}
    assert isinstance(nodes.plot_training(summaries), Figure)
