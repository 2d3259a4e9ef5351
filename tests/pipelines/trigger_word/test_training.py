"""Training: the training seed, the weight of the steps after other words."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dl_pipelines.pipelines.trigger_word import nodes


def test_training_seed_changes_the_training_not_the_data(tw_params):
    generator = np.random.default_rng(0)
    n, frames, steps = 8, 598, 146
    data = {
        "x": generator.normal(0, 1, (n, frames, 101)).astype(np.float16),
        "y": (generator.random((n, steps)) < 0.1).astype(np.uint8),
        "after_other": np.zeros((n, steps), dtype=np.uint8),
        "free": np.zeros(n, dtype=bool),
    }

    def trained(seed, training_seed):
        params = copy.deepcopy(tw_params)
        params["training"].update(epochs=1, early_stopping_patience=1, seed=training_seed)
        model, _ = nodes.train_model(data, data, params, seed=seed)
        return np.concatenate([w.reshape(-1) for w in model.get_weights()])

    same = trained(0, 5)
    np.testing.assert_array_equal(trained(1, 5), same)  # the training seed rules
    assert not np.allclose(trained(0, 6), same)  # another one: other weights
    np.testing.assert_array_equal(trained(5, None), same)  # None: the global seed


def test_other_word_weight_weighs_the_steps_after_other_words(tw_params):
    # Same seed, so the same initial model: the first loss differs only by the weights.
    # A learning rate of ~0 keeps the model as it is through the epoch.
    generator = np.random.default_rng(0)
    n, frames, steps = 16, 598, 146
    after_other = np.zeros((n, steps), dtype=np.uint8)
    after_other[:, ::2] = 1  # every other step
    data = {
        "x": generator.normal(0, 1, (n, frames, 101)).astype(np.float16),
        "y": np.zeros((n, steps), dtype=np.uint8),
        "after_other": after_other,
        "free": np.zeros(n, dtype=bool),
    }
    losses, val_losses = {}, {}
    for weight in (1.0, 3.0):
        params = copy.deepcopy(tw_params)
        params["training"].update(
            epochs=1, learning_rate=1e-12, other_word_weight=weight, early_stopping_patience=1
        )
        _, history = nodes.train_model(data, data, params, seed=0)
        losses[weight], val_losses[weight] = history["loss"][0], history["val_loss"][0]
    assert losses[3.0] / losses[1.0] == pytest.approx(2.0, rel=0.05)  # (1 + 3) / 2
    assert val_losses[3.0] == pytest.approx(val_losses[1.0], rel=1e-4)  # never weighted
