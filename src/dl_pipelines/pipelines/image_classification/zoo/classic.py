"""The classic CNNs: LeNet-5 (1998: tanh, average pooling), and AlexNet and VGG-16
shapes scaled to small inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dl_pipelines.nn import blocks
from dl_pipelines.pipelines.image_classification.zoo.base import (
    checked_shape,
    class_scores,
    import_keras,
    set_batch_norm_momentum,
)


def lenet5(input_shape: Sequence[int] = (32, 32, 1), num_classes: int = 10) -> Any:
    """LeNet-5 (LeCun et al. 1998): conv 6@5×5 → avg-pool → conv 16@5×5 → avg-pool → 120 → 84.

    tanh activations and 2×2 average pooling as in the paper; "valid" convolutions, so a
    32×32 input gives 28 → 14 → 10 → 5 and a 5·5·16 = 400 vector.

    Parameters at the default input (32×32×1, 10 classes): 61,706.
    """
    keras = import_keras()
    layers = keras.layers
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = layers.Conv2D(6, 5, activation="tanh", name="c1")(inputs)
    x = layers.AveragePooling2D(2, name="s2")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="c3")(x)
    x = layers.AveragePooling2D(2, name="s4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, activation="tanh", name="c5")(x)
    x = layers.Dense(84, activation="tanh", name="f6")(x)
    return keras.Model(inputs, class_scores(x, num_classes), name="lenet5")


def alexnet(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    width: int = 32,
    dense_units: int = 256,
    dropout: float = 0.5,
) -> Any:
    """AlexNet's shape scaled to small inputs.

    Five ReLU convolutions (5×5, then 3×3) with overlapping 3×3/stride-2 max pooling
    after the 1st, 2nd and 5th, and two dropout-regularised dense layers; channel counts
    follow AlexNet's 96-256-384-384-256 ratios as ``width`` × (1, 2, 3, 3, 2).

    Parameters at the default input (32×32×1, width 32, 256 dense units, 10 classes):
    429,194.
    """
    keras = import_keras()
    layers = keras.layers
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = inputs
    plan = [(1, 5, True), (2, 3, True), (3, 3, False), (3, 3, False), (2, 3, True)]
    for i, (ratio, kernel, pool) in enumerate(plan, start=1):
        x = layers.Conv2D(
            width * ratio, kernel, padding="same", activation="relu", name=f"conv{i}"
        )(x)
        if pool and x.shape[1] >= 3 and x.shape[2] >= 3:
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    for i in (1, 2):
        x = layers.Dense(dense_units, activation="relu", name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, class_scores(x, num_classes), name="alexnet")


def vgg(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (32, 64, 128),
    convs_per_stage: int = 2,
    dense_units: int = 128,
    dropout: float = 0.5,
    batch_norm: bool = True,
    bn_momentum: float = 0.9,
) -> Any:
    """VGG-style stack: stages of 3×3 "same" convolutions, each stage closed by 2×2 max pool.

    VGG-16 is ``filters=(64, 128, 256, 512, 512)`` with (2, 2, 3, 3, 3) convolutions and
    two 4096-unit dense layers at 224×224; this keeps the pattern — channels double as
    the resolution halves — at small sizes. With ``batch_norm`` each convolution is
    conv → BN → ReLU.

    Parameters at the default input (32×32×1, filters 32-64-128 × 2 convs, 128 dense
    units, batch norm, 10 classes): 551,338.
    """
    keras = import_keras()
    layers = keras.layers
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = inputs
    for stage, width in enumerate(filters, start=1):
        for conv in range(1, convs_per_stage + 1):
            name = f"block{stage}_conv{conv}"
            if batch_norm:
                x = blocks.conv_bn_act(x, width, 3, name=name)
            else:
                x = layers.Conv2D(width, 3, padding="same", activation="relu", name=name)(x)
        x = layers.MaxPooling2D(2, name=f"block{stage}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="fc1")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, class_scores(x, num_classes), name="vgg")
    return set_batch_norm_momentum(model, bn_momentum)
