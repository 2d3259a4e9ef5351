"""Copies of a trained model for the places it goes after training."""

from __future__ import annotations

from typing import Any


def uncompiled_copy(model: Any) -> Any:
    """The same network and weights, uncompiled: no optimiser and no loss.

    A compiled model saves its training loss with it — often a closure or class of this
    project — and loading it then needs this project's code. The copy holds Keras
    layers only, so it loads, and ``mlflow models serve`` serves it, wherever Keras
    does. (``keras.models.clone_model`` would keep the compilation.)
    """
    import keras

    copy = keras.Model.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy
