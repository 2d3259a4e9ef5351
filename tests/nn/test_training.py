"""The one training helper: shared parameter checks and ``fit`` with the standard callbacks."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import pytest

from dl_pipelines.nn.keras_data import ArrayBatches
from dl_pipelines.nn.training import BatchFitParams, FitParams, fit
from dl_pipelines.runtime.config import ParameterError, parse


@dataclass(frozen=True, kw_only=True)
class _Section(BatchFitParams):
    width: int


def _data(seed: int = 0, n: int = 128) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")).astype("float32")
    return x, y


def _model(learning_rate: float) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def _params(**overrides) -> BatchFitParams:
    values = {"epochs": 8, "learning_rate": 0.05, "early_stopping_patience": 3, "batch_size": 16}
    return BatchFitParams(**{**values, **overrides})


def test_a_derived_section_parses_the_shared_keys_and_its_own():
    section = parse(
        _Section,
        {
            "epochs": 3,
            "learning_rate": 0.01,
            "early_stopping_patience": 2,
            "batch_size": 8,
            "width": 4,
        },
        "demo.training",
    )
    assert (section.epochs, section.batch_size, section.width, section.verbose) == (3, 8, 4, 0)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("epochs", 0, "epochs must be >= 1"),
        ("learning_rate", 0.0, "learning_rate must be > 0"),
        ("early_stopping_patience", -1, "early_stopping_patience must be >= 0"),
        ("batch_size", 0, "batch_size must be >= 1"),
    ],
)
def test_bad_shared_values_are_named(key, value, message):
    raw = {
        "epochs": 3,
        "learning_rate": 0.01,
        "early_stopping_patience": 2,
        "batch_size": 8,
        "width": 4,
        key: value,
    }
    with pytest.raises(ParameterError, match=message) as error:
        parse(_Section, raw, "demo.training")
    assert "conf/base/parameters_demo.yml" in str(error.value)


def test_a_missing_shared_key_is_named():
    with pytest.raises(ParameterError, match="'demo.training.early_stopping_patience'"):
        parse(FitParams, {"epochs": 3, "learning_rate": 0.1}, "demo.training")


def test_fit_learns_and_returns_plain_history():
    x, y = _data()
    vx, vy = _data(seed=1, n=32)
    model = _model(0.05)
    history = fit(model, ArrayBatches(x, y, 16, shuffle=True, seed=0), (vx, vy), _params())
    assert set(history) == {"loss", "val_loss"}
    assert len(history["loss"]) == 8
    assert all(isinstance(v, float) for v in history["val_loss"])
    assert history["val_loss"][-1] < 0.1 * history["val_loss"][0]


def test_early_stopping_restores_the_best_epoch():
    """Validation asks for another function than training: its loss grows as training goes on."""
    x, y = _data()
    vx, vy = _data(seed=1, n=32)
    vy = np.zeros_like(vy)
    model = _model(0.05)
    history = fit(
        model,
        ArrayBatches(x, y, 16),
        (vx, vy),
        _params(learning_rate=0.5, early_stopping_patience=2),
    )
    best = int(np.argmin(history["val_loss"]))
    assert len(history["val_loss"]) == best + 3  # stopped `patience` epochs after the best
    restored = float(model.evaluate(vx, vy, verbose=0))
    assert restored == pytest.approx(history["val_loss"][best], rel=1e-4)


def test_the_plateau_schedule_halves_the_rate_and_stays_out_of_the_history():
    x, y = _data()
    vx, vy = _data(seed=1, n=32)
    model = _model(0.5)
    history = fit(
        model,
        ArrayBatches(x, y, 16),
        (vx, vy),
        _params(learning_rate=0.5, early_stopping_patience=4),
        reduce_lr_on_plateau=True,
    )
    assert "learning_rate" not in history
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) < 0.5


def test_extra_callbacks_see_the_restored_best_epoch():
    """They run after early stopping, so weight averaging starts from the best epoch."""
    x, y = _data()
    vx, vy = _data(seed=1, n=32)
    vy = np.zeros_like(vy)
    seen: list[list[np.ndarray]] = []

    class _Last(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen.append([w.copy() for w in self.model.get_weights()])

    model = _model(0.05)
    history = fit(
        model,
        ArrayBatches(x, y, 16),
        (vx, vy),
        _params(early_stopping_patience=2),
        extra_callbacks=[_Last()],
    )
    model.set_weights(seen[0])
    best = min(history["val_loss"])
    assert float(model.evaluate(vx, vy, verbose=0)) == pytest.approx(best, rel=1e-4)


def test_an_unknown_monitor_is_refused():
    x, y = _data()
    with pytest.raises(ValueError, match="monitor must be one of"):
        fit(_model(0.05), ArrayBatches(x, y, 32), (x, y), _params(), monitor="loss")


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_a_mixed_precision_model_learns_with_float32_weights(precision):
    from dl_pipelines.nn.training import training_scope

    x, y = _data()
    params = _params(precision=precision, epochs=6)
    with training_scope(params):
        model = _model(0.05)
        history = fit(model, ArrayBatches(x, y, 16, shuffle=True, seed=0), (x, y), params)
    assert keras.config.dtype_policy().name == "float32"  # restored after the block
    assert model.layers[-1].compute_dtype == precision.removeprefix("mixed_")
    assert all(w.dtype == "float32" for w in model.weights)
    assert history["loss"][-1] < 0.1 * history["loss"][0]


def test_an_unknown_precision_is_named():
    with pytest.raises(ParameterError, match="precision must be one of float32"):
        parse(
            FitParams,
            {"epochs": 1, "learning_rate": 0.1, "early_stopping_patience": 1, "precision": "fp8"},
            "demo.training",
        )
