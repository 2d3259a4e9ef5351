"""Tests for dl_pipelines.nn.blocks: output shapes, hand-counted parameters, invariants."""

import keras
import numpy as np
import pytest

from dl_pipelines.nn import blocks


def _model(block, input_shape, **kwargs):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, block(inputs, **kwargs))


def test_conv_bn_act_shape_and_parameters():
    model = _model(blocks.conv_bn_act, (9, 9, 3), filters=8, strides=2)
    assert model.output_shape == (None, 5, 5, 8)
    # 3·3·3·8 convolution weights (no bias) + 4·8 batch-norm values
    assert model.count_params() == 216 + 32


def test_residual_block_identity_shortcut():
    model = _model(blocks.residual_block, (6, 6, 8), filters=8, name="res")
    assert model.output_shape == (None, 6, 6, 8)
    assert model.count_params() == 2 * (3 * 3 * 8 * 8 + 4 * 8)
    assert not any("proj" in layer.name for layer in model.layers)


def test_residual_block_projection_shortcut_when_shape_changes():
    model = _model(blocks.residual_block, (6, 6, 4), filters=8, strides=2, name="res")
    assert model.output_shape == (None, 3, 3, 8)
    projection = 1 * 1 * 4 * 8 + 32
    assert model.count_params() == projection + (3 * 3 * 4 * 8 + 32) + (3 * 3 * 8 * 8 + 32)
    assert any(layer.name == "res_proj_conv" for layer in model.layers)


def test_residual_block_with_zero_residual_branch_passes_the_input_through():
    model = _model(blocks.residual_block, (4, 4, 2), filters=2, name="res")
    model.get_layer("res_b_bn").set_weights([np.zeros(2), np.zeros(2), np.zeros(2), np.ones(2)])
    x = np.random.default_rng(0).uniform(0, 1, (1, 4, 4, 2)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), x, rtol=1e-5, atol=1e-5)


def test_depthwise_separable_is_cheaper_than_a_full_convolution():
    model = _model(blocks.depthwise_separable_block, (8, 8, 8), filters=16)
    assert model.output_shape == (None, 8, 8, 16)
    assert model.count_params() == (3 * 3 * 8 + 32) + (8 * 16 + 64)
    assert 3 * 3 * 8 + 8 * 16 < 3 * 3 * 8 * 16


def test_inverted_residual_counts_and_residual_connection():
    model = _model(blocks.inverted_residual_block, (8, 8, 8), filters=8, expansion=6, name="ir")
    assert model.output_shape == (None, 8, 8, 8)
    expand = 8 * 48 + 4 * 48
    depthwise = 9 * 48 + 4 * 48
    project = 48 * 8 + 4 * 8
    assert model.count_params() == expand + depthwise + project
    assert any(layer.name == "ir_add" for layer in model.layers)


def test_inverted_residual_without_residual_when_strided_and_with_squeeze_excite():
    model = _model(
        blocks.inverted_residual_block,
        (8, 8, 8),
        filters=12,
        strides=2,
        se_ratio=0.25,
        kernel_size=5,
        name="mb",
    )
    assert model.output_shape == (None, 4, 4, 12)
    names = {layer.name for layer in model.layers}
    assert "mb_add" not in names
    assert "mb_se_excite" in names
    # the squeeze-excite bottleneck is 0.25 of the block's *input* channels
    assert model.get_layer("mb_se_reduce").filters == 2


def test_squeeze_excite_gates_each_channel_by_a_factor_in_0_1():
    model = _model(blocks.squeeze_excite, (5, 5, 8), ratio=0.25)
    assert model.count_params() == (8 * 2 + 2) + (2 * 8 + 8)
    x = np.random.default_rng(1).uniform(0.5, 1.0, (2, 5, 5, 8)).astype("float32")
    ratio = model.predict(x, verbose=0) / x
    assert np.all(ratio > 0) and np.all(ratio < 1)
    # one gate per image and channel: constant over the spatial positions
    np.testing.assert_allclose(ratio, ratio[:, :1, :1, :].repeat(5, 1).repeat(5, 2), rtol=1e-5)


def test_inception_block_concatenates_its_branches():
    model = _model(
        blocks.inception_block,
        (7, 7, 16),
        filters_1x1=4,
        filters_3x3_reduce=2,
        filters_3x3=6,
        filters_5x5_reduce=2,
        filters_5x5=3,
        filters_pool_proj=5,
    )
    assert model.output_shape == (None, 7, 7, 4 + 6 + 3 + 5)


@pytest.mark.parametrize("batch", [1, 3])
def test_l2_normalize_gives_unit_vectors(batch):
    model = _model(blocks.l2_normalize, (5,))
    x = np.random.default_rng(2).normal(size=(batch, 5)).astype("float32")
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(y * np.linalg.norm(x, axis=1, keepdims=True), x, rtol=1e-4)
