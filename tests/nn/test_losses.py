"""Tests for dl_pipelines.nn.losses.binary_cross_entropy."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from dl_pipelines.nn.losses import binary_cross_entropy


def _t(values, dtype="float32"):
    return ops.convert_to_tensor(np.asarray(values, dtype=dtype))


def _np(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


def test_hand_computed_values():
    y_true = _t([[1.0], [0.0]])
    y_pred = _t([[0.8], [0.3]])
    loss = _np(binary_cross_entropy(y_true, y_pred))
    assert loss.shape == (2,)
    np.testing.assert_allclose(loss, [-math.log(0.8), -math.log(0.7)], rtol=1e-5)
    np.testing.assert_allclose(loss, [0.22314, 0.35667], atol=1e-5)
    assert float(loss.mean()) == pytest.approx(0.28991, abs=1e-5)


def test_integer_labels_are_cast():
    loss = _np(binary_cross_entropy(_t([[1], [0]], "int32"), _t([[0.8], [0.3]])))
    np.testing.assert_allclose(loss, [0.22314, 0.35667], atol=1e-5)


def test_mean_over_last_axis():
    y_true = _t([[1.0, 0.0], [0.0, 0.0]])
    y_pred = _t([[0.8, 0.3], [0.5, 0.5]])
    loss = _np(binary_cross_entropy(y_true, y_pred))
    np.testing.assert_allclose(loss, [(0.22314 + 0.35667) / 2, math.log(2)], atol=1e-5)


def test_soft_labels():
    loss = _np(binary_cross_entropy(_t([[0.5]]), _t([[0.8]])))
    expected = -(0.5 * math.log(0.8) + 0.5 * math.log(0.2))
    np.testing.assert_allclose(loss, [expected], rtol=1e-5)


def test_matches_keras_binary_crossentropy():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=(32, 3)).astype("float32")
    y_pred = rng.uniform(0.01, 0.99, size=(32, 3)).astype("float32")
    ours = _np(binary_cross_entropy(_t(y_true), _t(y_pred)))
    reference = _np(keras.losses.binary_crossentropy(_t(y_true), _t(y_pred)))
    assert ours.shape == reference.shape == (32,)
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-6)


def test_extreme_predictions_are_clipped_to_finite_values():
    y_true = _t([[1.0], [0.0], [1.0], [0.0]])
    y_pred = _t([[0.0], [1.0], [1.0], [0.0]])
    loss = _np(binary_cross_entropy(y_true, y_pred))
    assert np.all(np.isfinite(loss))
    # Wrong and certain: about -ln(1e-7) ≈ 16.1 (float32 rounding of 1 - 1e-7 allowed).
    assert 15.0 < loss[0] < 17.0 and 15.0 < loss[1] < 17.0
    # Right and certain: about 0.
    assert loss[2] < 1e-5 and loss[3] < 1e-5


def test_epsilon_argument_controls_clipping():
    loss = _np(binary_cross_entropy(_t([[1.0]]), _t([[0.0]]), epsilon=1e-3))
    np.testing.assert_allclose(loss, [-math.log(1e-3)], rtol=1e-5)


def test_perfect_prediction_is_about_zero():
    y = _t([[1.0], [0.0], [1.0]])
    loss = _np(binary_cross_entropy(y, y))
    np.testing.assert_allclose(loss, 0.0, atol=1e-5)


def test_registered_as_keras_serializable():
    name = keras.saving.get_registered_name(binary_cross_entropy)
    assert name == "dl_pipelines>binary_cross_entropy"
    assert keras.saving.get_registered_object(name) is binary_cross_entropy
