"""Sliding windows, and their convolutional implementation (OverFeat).

A classifier of ``w × w`` windows (convolutions, max-pooling, then fully-connected
layers) can be slid over a larger image one crop at a time — each crop pays for all of
its convolutions even where it overlaps its neighbours. Turning each fully-connected
layer into a convolution (the first one with a kernel as large as the feature map it
flattened, the others 1×1) gives a fully-convolutional network that computes every
window's scores in one pass over the image, sharing the overlapping work. With
``valid`` convolutions and a window stride equal to the product of the pooling strides,
both give the same scores (tests), and the convolutional one is much faster
(``benchmarks/detection_sliding_windows.py``). ``keras`` only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def build_window_classifier(
    window: int, num_classes: int, filters: Sequence[int] = (8, 16), dense_units: int = 32
):
    """``[conv 3×3 valid → ReLU → max-pool 2] × len(filters)`` → flatten → dense → softmax."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(window, window, 3), name="window")
    x = inputs
    for i, n in enumerate(filters):
        x = layers.Conv2D(n, 3, padding="valid", activation="relu", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="fc1")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="fc2")(x)
    return keras.Model(inputs, outputs, name="window_classifier")


def window_stride(classifier) -> int:
    """The window step the convolutional version implies: the product of pool strides."""
    stride = 1
    for layer in classifier.layers:
        if layer.__class__.__name__ == "MaxPooling2D":
            stride *= layer.strides[0]
    return stride


def to_fully_convolutional(classifier):
    """The same classifier with its dense layers as convolutions, for any image size.

    ``fc1`` (flattened ``h × w × c`` → ``units``) becomes an ``h × w`` convolution whose
    kernel is the dense kernel reshaped to ``(h, w, c, units)`` (Keras flattens
    channels-last row by row, so the reshape keeps every weight in place); ``fc2``
    becomes a 1×1 convolution. The output is ``(rows, cols, classes)``: the scores of
    the window at each position.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None, None, 3), name="image")
    x = inputs
    flat_shape = None
    converted = []
    for layer in classifier.layers[1:]:
        kind = layer.__class__.__name__
        if kind == "Flatten":
            flat_shape = tuple(layer.input.shape[1:])
            continue
        if kind == "Dense":
            kernel, bias = layer.get_weights()
            size = flat_shape[:2] if flat_shape is not None else (1, 1)
            channels = flat_shape[2] if flat_shape is not None else kernel.shape[0]
            conv = layers.Conv2D(
                kernel.shape[1], size, activation=layer.activation, name=f"{layer.name}_as_conv"
            )
            x = conv(x)
            converted.append((conv, [kernel.reshape(*size, channels, kernel.shape[1]), bias]))
            flat_shape = None
        else:
            twin = layer.__class__.from_config(layer.get_config())
            x = twin(x)
            converted.append((twin, layer.get_weights()))
    model = keras.Model(inputs, x, name="window_classifier_fcn")
    for target, weights in converted:
        if weights:
            target.set_weights(weights)
    return model


def sliding_window_scores(
    classifier, image: np.ndarray, stride: int, batch_size: int = 256
) -> np.ndarray:
    """Crop every ``w × w`` window at ``stride`` steps and classify the crops one by one
    (in batches): ``(rows, cols, classes)``."""
    window = int(classifier.input_shape[1])
    height, width = image.shape[:2]
    rows = (height - window) // stride + 1
    cols = (width - window) // stride + 1
    crops = np.stack(
        [
            image[r * stride : r * stride + window, c * stride : c * stride + window]
            for r in range(rows)
            for c in range(cols)
        ]
    ).astype("float32")
    scores = classifier.predict(crops, batch_size=batch_size, verbose=0)
    return np.asarray(scores).reshape(rows, cols, -1)
