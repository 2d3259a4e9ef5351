"""The shallow day/night CNN (Keras 3, ``keras`` and ``keras.ops`` only)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from dl_pipelines.nn.losses import binary_cross_entropy
from dl_pipelines.pipelines.day_night.params import POOLINGS


def build_day_night_cnn(
    input_shape: tuple[int, int, int],
    filters: Sequence[int],
    kernel_size: int,
    dense_units: int,
    dropout: float,
    learning_rate: float,
    pooling: str = "average",
) -> keras.Model:
    """A shallow CNN: [conv → ReLU → max-pool] × len(filters) → global pooling → dense → sigmoid.

    ``pooling`` (``POOLINGS``): the global average of the last feature map, or its
    average and maximum side by side (``average_max``).

    The model takes raw pixels (float 0–255) and rescales them itself, so a served
    model needs no preprocessing beyond resizing. With the defaults
    (64×64×3, filters 16/32/64, dense 32) it has about 26 k parameters.

    Returns:
        A model compiled with Adam, binary cross-entropy and accuracy/AUC metrics.
    """
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    for i, n in enumerate(filters):
        x = layers.Conv2D(n, kernel_size, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {list(POOLINGS)}, got {pooling!r}")
    features = layers.GlobalAveragePooling2D(name="gap")(x)
    if pooling == "average_max":
        peaks = layers.GlobalMaxPooling2D(name="gmp")(x)
        features = layers.Concatenate(name="gap_gmp")([features, peaks])
    x = features
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="p_night")(x)
    model = keras.Model(inputs, outputs, name="day_night_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=binary_cross_entropy,
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")],
    )
    return model
