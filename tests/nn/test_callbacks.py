"""Shared Keras callbacks: weight averaging (the MLflow callback is in test_tracking)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dl_pipelines.nn.callbacks import WeightAveraging


class _Recorder(keras.callbacks.Callback):
    """Keeps a copy of the weights at the end of every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.weights: list[list[np.ndarray]] = []

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.weights.append([w.copy() for w in self.model.get_weights()])


class _StopAfter(keras.callbacks.Callback):
    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None) -> None:
        if epoch + 1 >= self.epochs:
            self.model.stop_training = True


def _fit(epochs: int, *callbacks: keras.callbacks.Callback) -> keras.Model:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 1))).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, callbacks=list(callbacks))
    return model


def test_model_ends_with_the_mean_of_the_last_epochs_weights() -> None:
    recorder = _Recorder()
    averaging = WeightAveraging(last_epochs=3)
    model = _fit(5, recorder, averaging)
    assert averaging.averaged == 3
    final = model.get_weights()
    assert len(final) == 8  # 2 × (kernel, bias) + BN gamma, beta, moving mean, variance
    for i, weight in enumerate(final):
        expected = np.mean([epoch[i] for epoch in recorder.weights[-3:]], axis=0)
        np.testing.assert_allclose(weight, expected, rtol=1e-6, atol=1e-7)
    # … and not the last epoch's weights (training moved them)
    assert not np.allclose(final[0], recorder.weights[-1][0])


def test_training_stopped_before_the_window_leaves_the_model_as_it_is() -> None:
    recorder = _Recorder()
    averaging = WeightAveraging(last_epochs=2)
    model = _fit(6, recorder, _StopAfter(3), averaging)  # epochs 5–6 never run
    assert averaging.averaged == 0
    for weight, last in zip(model.get_weights(), recorder.weights[-1], strict=True):
        np.testing.assert_array_equal(weight, last)


def test_averaging_over_no_epochs_is_rejected() -> None:
    with pytest.raises(ValueError, match="last_epochs must be at least 1"):
        WeightAveraging(0)
