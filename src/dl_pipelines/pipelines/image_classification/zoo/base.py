"""What every zoo builder shares: the input check, the class-score layer, weight
penalties, channel rounding and the batch-norm momentum.

Keras is imported on first use (:func:`import_keras`) so that importing the zoo stays
cheap for the Kedro CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def import_keras():
    """The ``keras`` module, imported when a model is first built."""
    import keras

    return keras


def weight_penalty(l1: float, l2: float):
    """λ₁·Σ|w| + λ₂·Σw² (elastic net when both are > 0), or ``None`` when both are 0."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"l1 and l2 must be >= 0, got l1={l1}, l2={l2}")
    if l1 == 0 and l2 == 0:
        return None
    return import_keras().regularizers.L1L2(l1=l1, l2=l2)


def checked_shape(input_shape: Sequence[int], num_classes: int) -> tuple[int, int, int]:
    """``input_shape`` as ``(height, width, channels)`` ints, after checking it and the
    class count."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    return shape  # type: ignore[return-value]


def class_scores(x: Any, num_classes: int, regularizer: Any = None) -> Any:
    """The last layer of every builder: a plain ``Dense`` named ``logits``, one raw score
    per class."""
    return import_keras().layers.Dense(num_classes, kernel_regularizer=regularizer, name="logits")(
        x
    )


def scaled_width(channels: int, multiplier: float, divisor: int = 1) -> int:
    """``channels · multiplier`` rounded to a multiple of ``divisor`` (never below it)."""
    scaled = channels * multiplier
    return max(divisor, int(scaled / divisor + 0.5) * divisor)


def set_batch_norm_momentum(model: Any, momentum: float) -> Any:
    """Set the moving-statistics momentum of every ``BatchNormalization`` layer of ``model``.

    :mod:`dl_pipelines.nn.blocks` builds its batch-norm layers with Keras' default momentum
    0.99: the moving variance then needs several hundred steps to fall from its initial
    1 to the real (often ≈ 0.01) variance, and on a small data set (digits: 42 steps an
    epoch) a deep network predicts one class at inference for the first ~10 epochs. The
    zoo uses 0.9 (converged within one epoch) unless a member asks otherwise.
    """
    if not 0 < momentum < 1:
        raise ValueError(f"bn_momentum must be in (0, 1), got {momentum}")
    keras = import_keras()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = momentum
    return model


def pooled_head(
    inputs: Any, x: Any, num_classes: int, dropout: float, bn_momentum: float, name: str
) -> Any:
    """The end of the modern CNNs: global average pooling, dropout (if > 0), the class
    scores; the model from ``inputs``, named ``name``, with batch-norm momentum
    ``bn_momentum``."""
    keras = import_keras()
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, class_scores(x, num_classes), name=name)
    return set_batch_norm_momentum(model, bn_momentum)
