"""Reusable Keras 3 building blocks, shared by every pipeline that builds a CNN.

Each block is a function of the functional API: it takes a symbolic tensor and returns
one, so models read top-down like the papers they come from. Only ``keras`` and
``keras.ops`` are used, so the blocks run unchanged on the TensorFlow, JAX and PyTorch
backends. Keras is imported lazily so that importing this module stays cheap for the
Kedro CLI.

Blocks (course notes → function):

* conv → batch norm → activation: :func:`conv_bn_act`
* ResNet basic block with an identity or a 1×1 projection shortcut: :func:`residual_block`
* MobileNet v1 depthwise-separable convolution: :func:`depthwise_separable_block`
* MobileNet v2 inverted residual with a linear bottleneck (EfficientNet's MBConv when
  ``se_ratio`` > 0): :func:`inverted_residual_block`
* squeeze-and-excitation channel gating: :func:`squeeze_excite`
* Inception module (1×1 / 3×3 / 5×5 / pool branches with 1×1 bottlenecks):
  :func:`inception_block`
* an L2-normalisation layer for embeddings: :func:`l2_normalize`
"""

from __future__ import annotations

from typing import Any


def _keras():
    import keras

    return keras


def _name(prefix: str | None, suffix: str) -> str | None:
    return f"{prefix}_{suffix}" if prefix else None


def conv_bn_act(
    x: Any,
    filters: int,
    kernel_size: int = 3,
    strides: int = 1,
    activation: str | None = "relu",
    name: str | None = None,
) -> Any:
    """Convolution ("same" padding, no bias) → batch normalisation → activation.

    Args:
        x: Input tensor ``(batch, height, width, channels)``.
        filters: Output channels.
        kernel_size: Square kernel size.
        strides: Stride of the convolution.
        activation: Keras activation name, or ``None`` for a linear output.
        name: Prefix for the layer names.

    Returns:
        The output tensor, spatially ``ceil(size / strides)``.
    """
    keras = _keras()
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=False,
        name=_name(name, "conv"),
    )(x)
    x = keras.layers.BatchNormalization(name=_name(name, "bn"))(x)
    if activation is not None:
        x = keras.layers.Activation(activation, name=_name(name, "act"))(x)
    return x


def residual_block(
    x: Any, filters: int, strides: int = 1, activation: str = "relu", name: str | None = None
) -> Any:
    """ResNet basic block: a[l+2] = g(z[l+2] + shortcut(a[l])).

    Two 3×3 conv-BN layers; the shortcut is the identity when the shape is kept and a
    1×1 strided convolution + BN (the projection shortcut) when ``strides`` > 1 or the
    channel count changes.

    Args:
        x: Input tensor ``(batch, height, width, channels)``.
        filters: Output channels.
        strides: Stride of the first convolution (2 halves the resolution).
        activation: Activation after each convolution and after the addition.
        name: Prefix for the layer names.

    Returns:
        The output tensor with ``filters`` channels.
    """
    keras = _keras()
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = conv_bn_act(
            x, filters, kernel_size=1, strides=strides, activation=None, name=_name(name, "proj")
        )
    y = conv_bn_act(x, filters, 3, strides, activation, name=_name(name, "a"))
    y = conv_bn_act(y, filters, 3, 1, None, name=_name(name, "b"))
    y = keras.layers.Add(name=_name(name, "add"))([y, shortcut])
    return keras.layers.Activation(activation, name=_name(name, "out"))(y)


def depthwise_separable_block(
    x: Any, filters: int, strides: int = 1, activation: str = "relu", name: str | None = None
) -> Any:
    """MobileNet v1 block: 3×3 depthwise conv-BN-act, then 1×1 pointwise conv-BN-act.

    Costs ``k²·C_in + C_in·C_out`` weights instead of a full convolution's
    ``k²·C_in·C_out``.

    Args:
        x: Input tensor.
        filters: Output channels of the pointwise convolution.
        strides: Stride of the depthwise convolution.
        activation: Activation after each convolution (MobileNet v1 uses ReLU6).
        name: Prefix for the layer names.

    Returns:
        The output tensor with ``filters`` channels.
    """
    keras = _keras()
    x = keras.layers.DepthwiseConv2D(
        3, strides=strides, padding="same", use_bias=False, name=_name(name, "dw")
    )(x)
    x = keras.layers.BatchNormalization(name=_name(name, "dw_bn"))(x)
    x = keras.layers.Activation(activation, name=_name(name, "dw_act"))(x)
    return conv_bn_act(x, filters, 1, 1, activation, name=_name(name, "pw"))


def squeeze_excite(x: Any, ratio: float = 0.25, name: str | None = None) -> Any:
    """Squeeze-and-excitation: rescale each channel by a gate learned from global context.

    Args:
        x: Input tensor ``(batch, height, width, channels)``.
        ratio: Width of the bottleneck as a fraction of the channels (at least 1 unit).
        name: Prefix for the layer names.

    Returns:
        ``x`` multiplied channel-wise by sigmoid gates in (0, 1).
    """
    keras = _keras()
    channels = x.shape[-1]
    s = keras.layers.GlobalAveragePooling2D(keepdims=True, name=_name(name, "squeeze"))(x)
    s = keras.layers.Conv2D(
        max(1, int(channels * ratio)), 1, activation="relu", name=_name(name, "reduce")
    )(s)
    s = keras.layers.Conv2D(channels, 1, activation="sigmoid", name=_name(name, "expand"))(s)
    return keras.layers.Multiply(name=_name(name, "excite"))([x, s])


def inverted_residual_block(
    x: Any,
    filters: int,
    expansion: int = 6,
    strides: int = 1,
    kernel_size: int = 3,
    se_ratio: float = 0.0,
    activation: str = "relu6",
    name: str | None = None,
) -> Any:
    """MobileNet v2 inverted residual with a linear bottleneck (MBConv when ``se_ratio`` > 0).

    1×1 expansion to ``expansion × C_in`` channels → depthwise ``kernel_size`` conv →
    optional squeeze-excite → 1×1 linear projection to ``filters``; the residual
    connection is added when the stride is 1 and the channel count is kept.

    Args:
        x: Input tensor.
        filters: Output channels.
        expansion: Expansion factor t (1 skips the expansion convolution).
        strides: Stride of the depthwise convolution.
        kernel_size: Depthwise kernel size (EfficientNet also uses 5).
        se_ratio: Squeeze-excite bottleneck ratio relative to the *input* channels; 0 = none.
        activation: Activation of the expansion and depthwise stages.
        name: Prefix for the layer names.

    Returns:
        The output tensor with ``filters`` channels.
    """
    keras = _keras()
    channels_in = x.shape[-1]
    y = x
    if expansion != 1:
        y = conv_bn_act(y, channels_in * expansion, 1, 1, activation, name=_name(name, "expand"))
    y = keras.layers.DepthwiseConv2D(
        kernel_size, strides=strides, padding="same", use_bias=False, name=_name(name, "dw")
    )(y)
    y = keras.layers.BatchNormalization(name=_name(name, "dw_bn"))(y)
    y = keras.layers.Activation(activation, name=_name(name, "dw_act"))(y)
    if se_ratio > 0:
        y = squeeze_excite(y, ratio=se_ratio / expansion, name=_name(name, "se"))
    y = conv_bn_act(y, filters, 1, 1, None, name=_name(name, "project"))
    if strides == 1 and channels_in == filters:
        y = keras.layers.Add(name=_name(name, "add"))([x, y])
    return y


def inception_block(
    x: Any,
    filters_1x1: int,
    filters_3x3_reduce: int,
    filters_3x3: int,
    filters_5x5_reduce: int,
    filters_5x5: int,
    filters_pool_proj: int,
    name: str | None = None,
) -> Any:
    """Inception module: four parallel branches concatenated along the channels.

    Branches: 1×1; 1×1 bottleneck → 3×3; 1×1 bottleneck → 5×5; 3×3 max-pool (stride 1)
    → 1×1 projection. All keep the spatial size ("same" padding), so the output has
    ``filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_proj`` channels.

    Args:
        x: Input tensor.
        filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5,
        filters_pool_proj: Channels of each convolution, GoogLeNet's naming.
        name: Prefix for the layer names.

    Returns:
        The concatenated output tensor.
    """
    keras = _keras()
    b1 = conv_bn_act(x, filters_1x1, 1, name=_name(name, "1x1"))
    b3 = conv_bn_act(x, filters_3x3_reduce, 1, name=_name(name, "3x3_reduce"))
    b3 = conv_bn_act(b3, filters_3x3, 3, name=_name(name, "3x3"))
    b5 = conv_bn_act(x, filters_5x5_reduce, 1, name=_name(name, "5x5_reduce"))
    b5 = conv_bn_act(b5, filters_5x5, 5, name=_name(name, "5x5"))
    bp = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=_name(name, "pool"))(x)
    bp = conv_bn_act(bp, filters_pool_proj, 1, name=_name(name, "pool_proj"))
    return keras.layers.Concatenate(name=_name(name, "concat"))([b1, b3, b5, bp])


def l2_normalize(x: Any, name: str | None = None) -> Any:
    """Scale each vector of the last axis to unit Euclidean length (embeddings).

    Uses the built-in ``keras.layers.UnitNormalization``, which saves and loads with the
    model and runs on every backend.
    """
    return _keras().layers.UnitNormalization(axis=-1, name=name)(x)
