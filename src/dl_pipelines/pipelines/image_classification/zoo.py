"""A config-driven zoo of image classifiers, from a linear classifier to EfficientNet.

Every builder takes the input shape ``(height, width, channels)`` and the class count
and returns an uncompiled ``keras.Model`` whose last layer, named ``logits``, is a
plain ``Dense`` giving one *score* per class (no softmax): the same scores feed the
multiclass SVM loss or the softmax cross-entropy (:mod:`.linear_losses`),
and ``argmax`` of them is the prediction. Each docstring states the parameter count
at the builder's default input and options; ``tests/pipelines/image_classification/test_zoo.py``
checks it.

Course notes → builder (names as used in ``conf/base/parameters_image_classification.yml``):

* linear score function f(x, W) = Wx + b, one template per class, L1/L2/elastic-net
  weight penalty λR(W): :func:`linear`
* 2- and 3-layer networks, ReLU/sigmoid/tanh/leaky ReLU/ELU/maxout, dropout, batch
  norm: :func:`mlp`
* LeNet-5 (1998: tanh, average pooling): :func:`lenet5`
* AlexNet and VGG-16 shapes scaled to small inputs: :func:`alexnet`, :func:`vgg`
* ResNet (identity and projection shortcuts): :func:`resnet`
* Inception (1×1 / 3×3 / 5×5 / pool branches with 1×1 bottlenecks): :func:`inception`
* MobileNet v1 (depthwise-separable) and v2 (inverted residual, linear bottleneck):
  :func:`mobilenet_v1`, :func:`mobilenet_v2`
* EfficientNet compound scaling (depth αᵠ, width βᵠ, resolution γᵠ): :func:`efficientnet`
  with :func:`compound_scaling`

The convolutional blocks come from :mod:`dl_pipelines.nn.blocks`; the only layer defined
here is :class:`Maxout` (the MLP's maxout unit), which no other pipeline needs.
Keras is imported lazily so that importing this module stays cheap for the Kedro CLI.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from dl_pipelines.nn import blocks

#: Activations :func:`mlp` accepts (``maxout`` uses :class:`Maxout` with 2 pieces).
MLP_ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "maxout")


def _keras():
    import keras

    return keras


def _regularizer(l1: float, l2: float):
    """λ₁·Σ|w| + λ₂·Σw² (elastic net when both are > 0), or ``None`` when both are 0."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"l1 and l2 must be >= 0, got l1={l1}, l2={l2}")
    if l1 == 0 and l2 == 0:
        return None
    return _keras().regularizers.L1L2(l1=l1, l2=l2)


def _check(input_shape: Sequence[int], num_classes: int) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    return shape  # type: ignore[return-value]


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
    keras = _keras()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = momentum
    return model


def _scores(x: Any, num_classes: int, regularizer: Any = None) -> Any:
    return _keras().layers.Dense(num_classes, kernel_regularizer=regularizer, name="logits")(x)


def _maxout_class():
    keras = _keras()

    @keras.saving.register_keras_serializable(package="dl_pipelines")
    class Maxout(keras.layers.Layer):
        """Maxout unit: the maximum over ``pieces`` groups of the last axis.

        A ``Dense(units · pieces)`` followed by ``Maxout(pieces)`` computes
        max(w₁ᵀx + b₁, …, w_kᵀx + b_k) for each of the ``units`` outputs.
        """

        def __init__(self, pieces: int = 2, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if pieces < 1:
                raise ValueError(f"pieces must be >= 1, got {pieces}")
            self.pieces = pieces

        def call(self, inputs):
            ops = keras.ops
            units = inputs.shape[-1] // self.pieces
            grouped = ops.reshape(inputs, (-1, units, self.pieces))
            return ops.max(grouped, axis=-1)

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], input_shape[-1] // self.pieces)

        def get_config(self):
            return {**super().get_config(), "pieces": self.pieces}

    return Maxout


_MAXOUT = None


def Maxout(pieces: int = 2, **kwargs: Any):  # noqa: N802 - reads like the layer it makes
    """A :class:`Maxout` layer (the class is created on first use, importing Keras)."""
    global _MAXOUT
    if _MAXOUT is None:
        _MAXOUT = _maxout_class()
    return _MAXOUT(pieces, **kwargs)


# --------------------------------------------------------------------------- linear, MLP
def linear(
    input_shape: Sequence[int] = (8, 8, 1), num_classes: int = 10, l1: float = 0.0, l2: float = 0.0
) -> Any:
    """Linear classifier f(x, W) = Wx + b: one template (a row of W) per class.

    Train it with the multiclass SVM loss for a linear SVM or with the softmax
    cross-entropy for multinomial logistic regression. ``l1``/``l2`` add λ₁‖W‖₁ and
    λ₂‖W‖₂² to the loss; both > 0 is the elastic net. The bias is not penalised.

    Parameters at the default input (8×8×1, 10 classes): 650 (64·10 + 10).
    """
    keras = _keras()
    shape = _check(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = keras.layers.Flatten(name="flatten")(inputs)
    return keras.Model(inputs, _scores(x, num_classes, _regularizer(l1, l2)), name="linear")


def mlp(
    input_shape: Sequence[int] = (8, 8, 1),
    num_classes: int = 10,
    hidden: Sequence[int] = (128,),
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    l1: float = 0.0,
    l2: float = 0.0,
    maxout_pieces: int = 2,
    bn_momentum: float = 0.9,
) -> Any:
    """Fully connected network: ``hidden=(h,)`` is the 2-layer, ``(h1, h2)`` the 3-layer net.

    Each hidden layer is Dense → (batch norm) → activation → (dropout). ``activation``
    is one of :data:`MLP_ACTIVATIONS`; ``maxout`` makes each unit the maximum of
    ``maxout_pieces`` linear pieces. ``l1``/``l2`` penalise every weight matrix.

    Parameters at the default input (8×8×1, one hidden layer of 128 ReLU units, 10
    classes): 9,610 (64·128 + 128 + 128·10 + 10).
    """
    keras = _keras()
    shape = _check(input_shape, num_classes)
    if activation not in MLP_ACTIVATIONS:
        raise ValueError(f"activation must be one of {MLP_ACTIVATIONS}, got '{activation}'")
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden must list at least one positive layer width, got {hidden}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    regularizer = _regularizer(l1, l2)
    inputs = keras.Input(shape, name="image")
    x = keras.layers.Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden, start=1):
        pieces = maxout_pieces if activation == "maxout" else 1
        x = keras.layers.Dense(
            units * pieces,
            kernel_regularizer=regularizer,
            use_bias=not batch_norm,
            name=f"dense{i}",
        )(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
        if activation == "maxout":
            x = Maxout(pieces, name=f"maxout{i}")(x)
        else:
            x = keras.layers.Activation(activation, name=f"act{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout{i}")(x)
    name = f"mlp_{len(hidden) + 1}layer"
    model = keras.Model(inputs, _scores(x, num_classes, regularizer), name=name)
    return set_batch_norm_momentum(model, bn_momentum)


# ------------------------------------------------------------------------ classic CNNs
def lenet5(input_shape: Sequence[int] = (32, 32, 1), num_classes: int = 10) -> Any:
    """LeNet-5 (LeCun et al. 1998): conv 6@5×5 → avg-pool → conv 16@5×5 → avg-pool → 120 → 84.

    tanh activations and 2×2 average pooling as in the paper; "valid" convolutions, so a
    32×32 input gives 28 → 14 → 10 → 5 and a 5·5·16 = 400 vector.

    Parameters at the default input (32×32×1, 10 classes): 61,706.
    """
    keras = _keras()
    layers = keras.layers
    shape = _check(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = layers.Conv2D(6, 5, activation="tanh", name="c1")(inputs)
    x = layers.AveragePooling2D(2, name="s2")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="c3")(x)
    x = layers.AveragePooling2D(2, name="s4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, activation="tanh", name="c5")(x)
    x = layers.Dense(84, activation="tanh", name="f6")(x)
    return keras.Model(inputs, _scores(x, num_classes), name="lenet5")


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
    keras = _keras()
    layers = keras.layers
    shape = _check(input_shape, num_classes)
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
    return keras.Model(inputs, _scores(x, num_classes), name="alexnet")


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
    keras = _keras()
    layers = keras.layers
    shape = _check(input_shape, num_classes)
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
    model = keras.Model(inputs, _scores(x, num_classes), name="vgg")
    return set_batch_norm_momentum(model, bn_momentum)


# ----------------------------------------------------------------------- modern CNNs
def resnet(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (16, 32, 64),
    blocks_per_stage: int = 1,
    dropout: float = 0.0,
    bn_momentum: float = 0.9,
) -> Any:
    """ResNet for small images (He et al.'s CIFAR layout): 3×3 stem, stages of basic blocks.

    Stage ``i`` has ``blocks_per_stage`` residual blocks of ``filters[i]`` channels; the
    first block of every stage after the first halves the resolution through a
    projection shortcut (1×1 stride-2 conv + BN), the others use the identity shortcut.
    Global average pooling, then the class scores. ``blocks_per_stage=3`` is ResNet-20.

    Parameters at the default input (32×32×1, filters 16-32-64, 1 block per stage,
    10 classes): 78,426.
    """
    keras = _keras()
    shape = _check(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, filters[0], 3, name="stem")
    for stage, width in enumerate(filters, start=1):
        for block in range(1, blocks_per_stage + 1):
            strides = 2 if stage > 1 and block == 1 else 1
            x = blocks.residual_block(x, width, strides=strides, name=f"stage{stage}_{block}")
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, _scores(x, num_classes), name="resnet")
    return set_batch_norm_momentum(model, bn_momentum)


def inception(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    stem_filters: int = 32,
    width: int = 16,
    dropout: float = 0.2,
    bn_momentum: float = 0.9,
) -> Any:
    """A small GoogLeNet: stem, two Inception modules, pool, one more module, GAP.

    Each module runs 1×1, 1×1→3×3, 1×1→5×5 and 3×3-max-pool→1×1 branches in parallel
    and concatenates them; the 1×1 bottlenecks keep the 3×3 and 5×5 branches cheap.
    Branch widths follow GoogLeNet's module 3a (64 : 96→128 : 16→32 : 32) as ``width`` ×
    (1 : 1→2 : ¼→½ : ½); the module after the pool doubles ``width``.

    Parameters at the default input (32×32×1, stem 32, width 16, 10 classes): 45,354.
    """
    keras = _keras()
    layers = keras.layers
    shape = _check(input_shape, num_classes)

    def module(x: Any, w: int, name: str) -> Any:
        quarter, half = max(1, w // 4), max(1, w // 2)
        return blocks.inception_block(x, w, w, 2 * w, quarter, half, half, name=name)

    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, stem_filters, 3, name="stem")
    x = layers.MaxPooling2D(2, name="stem_pool")(x)
    x = module(x, width, "inception3a")
    x = module(x, width, "inception3b")
    x = layers.MaxPooling2D(2, name="pool3")(x)
    x = module(x, 2 * width, "inception4a")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, _scores(x, num_classes), name="inception")
    return set_batch_norm_momentum(model, bn_momentum)


def mobilenet_v1(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    alpha: float = 1.0,
    stages: Sequence[Sequence[int]] = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1)),
    dropout: float = 0.2,
    bn_momentum: float = 0.9,
) -> Any:
    """MobileNet v1: a 3×3 conv stem, then depthwise-separable blocks, GAP.

    ``stages`` lists ``(filters, stride)`` of each depthwise-separable block (the
    paper's first blocks, sized for small inputs); ``alpha`` is the width multiplier
    applied to every channel count. Activations are ReLU6 as in the paper.

    Parameters at the default input (32×32×1, α = 1, 10 classes): 139,146.
    """
    keras = _keras()
    shape = _check(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, _width(32, alpha), 3, activation="relu6", name="stem")
    for i, (filters, stride) in enumerate(stages, start=1):
        x = blocks.depthwise_separable_block(
            x, _width(filters, alpha), strides=stride, activation="relu6", name=f"ds{i}"
        )
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, _scores(x, num_classes), name="mobilenet_v1")
    return set_batch_norm_momentum(model, bn_momentum)


#: MobileNet v2's (expansion t, channels c, repeats n, stride s) table, first rows.
MOBILENET_V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 2, 2), (6, 64, 2, 2))


def mobilenet_v2(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    alpha: float = 1.0,
    stages: Sequence[Sequence[int]] = MOBILENET_V2_STAGES,
    head_filters: int = 256,
    dropout: float = 0.2,
    bn_momentum: float = 0.9,
) -> Any:
    """MobileNet v2: inverted residual blocks with linear bottlenecks.

    ``stages`` is the paper's (t, c, n, s) table: n blocks expanding the input t-fold,
    depthwise 3×3, then a *linear* 1×1 projection to c channels; the first block of a
    stage has stride s; a residual connects blocks that keep the shape. A 1×1 conv head
    of ``head_filters`` channels, GAP, then the scores. ``alpha`` scales every width.

    Parameters at the default input (32×32×1, α = 1, 10 classes): 140,618.
    """
    keras = _keras()
    shape = _check(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, _width(32, alpha), 3, activation="relu6", name="stem")
    for stage, (t, c, n, s) in enumerate(stages, start=1):
        for i in range(1, n + 1):
            x = blocks.inverted_residual_block(
                x,
                _width(c, alpha),
                expansion=t,
                strides=s if i == 1 else 1,
                name=f"stage{stage}_{i}",
            )
    x = blocks.conv_bn_act(x, _width(head_filters, alpha), 1, activation="relu6", name="head")
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, _scores(x, num_classes), name="mobilenet_v2")
    return set_batch_norm_momentum(model, bn_momentum)


def compound_scaling(
    phi: float, alpha: float = 1.2, beta: float = 1.1, gamma: float = 1.15
) -> tuple[float, float, float]:
    """EfficientNet's compound scaling: (depth, width, resolution) = (αᵠ, βᵠ, γᵠ).

    Tan & Le fix α·β²·γ² ≈ 2 (α = 1.2, β = 1.1, γ = 1.15), so each step of φ roughly
    doubles the FLOPs.
    """
    if alpha < 1 or beta < 1 or gamma < 1:
        raise ValueError("alpha, beta and gamma must be >= 1")
    return alpha**phi, beta**phi, gamma**phi


def efficientnet_input_size(
    phi: float = 0.0, base_resolution: int = 32, gamma: float = 1.15
) -> int:
    """The input side for φ: ``base_resolution`` · γᵠ, rounded to a multiple of 4."""
    return int(4 * round(base_resolution * gamma**phi / 4))


#: Small EfficientNet-B0-like MBConv table: (expansion, channels, repeats, stride, kernel).
EFFICIENTNET_STAGES = ((1, 16, 1, 1, 3), (6, 24, 2, 2, 3), (6, 40, 2, 2, 5), (6, 80, 1, 2, 3))


def efficientnet(
    input_shape: Sequence[int] = (32, 32, 1),
    num_classes: int = 10,
    phi: float = 0.0,
    alpha: float = 1.2,
    beta: float = 1.1,
    gamma: float = 1.15,
    stages: Sequence[Sequence[int]] = EFFICIENTNET_STAGES,
    stem_filters: int = 16,
    head_filters: int = 320,
    se_ratio: float = 0.25,
    dropout: float = 0.2,
    bn_momentum: float = 0.9,
) -> Any:
    """EfficientNet-style network of MBConv blocks (inverted residual + squeeze-excite, swish).

    Compound scaling with coefficient φ (:func:`compound_scaling`): every stage's repeat
    count is multiplied by αᵠ (rounded up), every channel count by βᵠ (rounded to a
    multiple of 8); the resolution γᵠ is the *input* size — pass
    ``input_shape=(s, s, c)`` with ``s = efficientnet_input_size(phi)`` (the pipeline
    does this when a member gives no ``image_size``).

    Parameters at the default input (32×32×1, φ = 0, 10 classes): 135,330.
    """
    keras = _keras()
    shape = _check(input_shape, num_classes)
    depth, width, _ = compound_scaling(phi, alpha, beta, gamma)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(
        inputs, _width(stem_filters, width, 8), 3, activation="swish", name="stem"
    )
    for stage, (t, c, n, s, k) in enumerate(stages, start=1):
        for i in range(1, math.ceil(n * depth) + 1):
            x = blocks.inverted_residual_block(
                x,
                _width(c, width, 8),
                expansion=t,
                strides=s if i == 1 else 1,
                kernel_size=k,
                se_ratio=se_ratio,
                activation="swish",
                name=f"stage{stage}_{i}",
            )
    x = blocks.conv_bn_act(x, _width(head_filters, width, 8), 1, activation="swish", name="head")
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    model = keras.Model(inputs, _scores(x, num_classes), name=f"efficientnet_phi{phi:g}")
    return set_batch_norm_momentum(model, bn_momentum)


def _width(channels: int, multiplier: float, divisor: int = 1) -> int:
    """``channels · multiplier`` rounded to a multiple of ``divisor`` (never below it)."""
    scaled = channels * multiplier
    return max(divisor, int(scaled / divisor + 0.5) * divisor)


# ------------------------------------------------------------------------------- registry
#: Builder name (the ``builder`` key of a zoo member in the parameters) → function.
BUILDERS: dict[str, Callable[..., Any]] = {
    "linear": linear,
    "mlp": mlp,
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg": vgg,
    "resnet": resnet,
    "inception": inception,
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet": efficientnet,
}


def build(builder: str, input_shape: Sequence[int], num_classes: int, **options: Any) -> Any:
    """Build zoo member ``builder`` with ``options`` (its keyword arguments).

    Raises:
        ValueError: for an unknown builder or option, naming the valid ones.
    """
    if builder not in BUILDERS:
        raise ValueError(f"Unknown model builder '{builder}'; choose one of {sorted(BUILDERS)}.")
    function = BUILDERS[builder]
    import inspect

    accepted = set(inspect.signature(function).parameters) - {"input_shape", "num_classes"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(
            f"Builder '{builder}' has no option(s) {unknown}; it accepts {sorted(accepted)}."
        )
    return function(input_shape=input_shape, num_classes=num_classes, **options)


def estimate_macs(model: Any) -> int:
    """Multiply-accumulates of one forward pass, counted over conv and dense layers.

    Conv2D: H_out·W_out·C_out·k_h·k_w·C_in/groups; DepthwiseConv2D:
    H_out·W_out·C_in·m·k_h·k_w; Dense: (positions)·n_in·n_out. Nested models are
    counted through. Batch norm, pooling and activations are left out (small).
    """
    keras = _keras()
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += estimate_macs(layer)
            continue
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += h * w * c * kh * kw
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            c_in = layer.input.shape[-1]
            total += h * w * c_out * kh * kw * c_in // layer.groups
        elif isinstance(layer, keras.layers.Dense):
            n_in = layer.input.shape[-1]
            positions = math.prod(d for d in layer.input.shape[1:-1] if d)
            total += positions * n_in * layer.units
    return int(total)
