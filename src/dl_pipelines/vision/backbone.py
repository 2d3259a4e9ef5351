"""The convolutional layers the vision models share (``keras`` and ``keras.ops`` only).

:func:`conv_pool_stack` is the feature extractor of the ``localization`` and
``detection`` models, ``[conv 3×3 → BN → ReLU → max-pool 2]`` per entry of ``filters``,
built from :func:`dl_pipelines.nn.blocks.conv_bn_act`. These small models train with a
batch-norm momentum of 0.9 rather than Keras' 0.99, so that the moving statistics
follow the few hundred steps of a run: :func:`with_batch_norm_momentum` sets it on a
built model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dl_pipelines.nn.blocks import conv_bn_act

#: Momentum of the batch-norm moving mean and variance in the vision models.
BATCH_NORM_MOMENTUM = 0.9


def conv_pool_stack(x: Any, filters: Sequence[int], name: str = "block") -> Any:
    """``[conv 3×3 → BN → ReLU → max-pool 2]`` once per entry of ``filters``.

    Args:
        x: Input tensor ``(batch, height, width, channels)``.
        filters: Output channels of each convolution, in order.
        name: Prefix of the layer names: ``block1_conv``, ``block1_bn``, ``block1_act``,
            ``block1_pool``, ``block2_conv`` …

    Returns:
        The output tensor, ``2**len(filters)`` times smaller in height and width.
    """
    import keras

    for i, n in enumerate(filters, start=1):
        x = conv_bn_act(x, n, name=f"{name}{i}")
        x = keras.layers.MaxPooling2D(2, name=f"{name}{i}_pool")(x)
    return x


def with_batch_norm_momentum(model: Any, momentum: float = BATCH_NORM_MOMENTUM) -> Any:
    """Set the momentum of every batch-normalisation layer of ``model``; return it.

    The momentum is read when the model trains and saved with its configuration, so
    setting it on the built model equals passing it to each layer.
    """
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(momentum)
    return model
