"""Data-parallel training through ``training_scope``: on two fake CPU devices (JAX) it
follows one device's loss curve at the same global batch, and the model saves and loads
as usual."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dl_pipelines.nn.training import BatchFitParams, choose_distribution
from dl_pipelines.runtime.config import ParameterError, parse

pytest.importorskip("jax", reason="the jax extra is not installed")

# Run in a fresh interpreter: the backend and the fake device count are fixed when
# Keras and JAX are first imported.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    import keras
    import numpy as np
    from dl_pipelines.nn.keras_data import ArrayBatches
    from dl_pipelines.nn.training import BatchFitParams, fit, training_scope

    mode, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1)) > 0).astype("float32")
    params = BatchFitParams(epochs=4, learning_rate=0.05, early_stopping_patience=4,
                            batch_size=32, distribution=mode)
    keras.utils.set_random_seed(0)
    with training_scope(params) as distribution:
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.SGD(params.learning_rate),
                      loss="binary_crossentropy")
        history = fit(model, ArrayBatches(x, y, params.batch_size), (x[:64], y[:64]), params)
    # a last batch of 27 examples: two devices cannot share it, fit trims it to 26
    with training_scope(params):
        odd = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
        odd.compile(optimizer="sgd", loss="mse")
        odd_history = fit(odd, ArrayBatches(x[:251], y[:251], 32), (x[:33], y[:33]), params)
    path = out + ".keras"
    model.save(path)
    again = keras.saving.load_model(path)
    same = np.allclose(model.predict(x[:15], verbose=0), again.predict(x[:15], verbose=0))
    devices = [] if distribution is None else [
        str(d) for d in distribution.device_mesh.devices.reshape(-1)]
    json.dump({"loss": history["loss"], "val_loss": history["val_loss"],
               "devices": devices, "reloaded_same": bool(same),
               "odd_epochs": len(odd_history["loss"])}, open(out, "w"))
    """
)


def _train(tmp_path: Path, mode: str) -> dict:
    out = tmp_path / f"{mode}.json"
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
        "CUDA_VISIBLE_DEVICES": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def curves(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("distribution")
    return {mode: _train(tmp, mode) for mode in ("none", "data_parallel", "auto")}


def test_two_fake_devices_follow_one_device_loss_curve(curves):
    one, two = curves["none"], curves["data_parallel"]
    assert one["devices"] == []
    assert len(two["devices"]) == 2
    assert two["loss"] == pytest.approx(one["loss"], rel=1e-3, abs=1e-4)
    assert two["val_loss"] == pytest.approx(one["val_loss"], rel=1e-3, abs=1e-4)
    assert two["loss"][-1] < two["loss"][0]


def test_auto_spreads_over_the_devices_it_sees(curves):
    assert len(curves["auto"]["devices"]) == 2


def test_a_data_parallel_model_saves_and_loads(curves):
    assert curves["data_parallel"]["reloaded_same"]


def test_a_last_batch_the_devices_cannot_share_is_trimmed(curves):
    assert curves["data_parallel"]["odd_epochs"] == 4


def test_an_unknown_distribution_names_the_key():
    raw = {
        "epochs": 1,
        "learning_rate": 0.1,
        "early_stopping_patience": 1,
        "batch_size": 8,
        "distribution": "model_parallel",
    }
    with pytest.raises(ParameterError, match="distribution must be one of auto, none"):
        parse(BatchFitParams, raw, "demo.training")


def test_data_parallel_on_another_backend_says_how_to_get_it(monkeypatch):
    import keras

    if keras.backend.backend() == "jax":
        pytest.skip("this process runs on JAX")
    with pytest.raises(ValueError, match="needs the JAX backend.*KERAS_BACKEND=jax"):
        choose_distribution("data_parallel")
    assert choose_distribution("auto") is None
    assert choose_distribution("none") is None
