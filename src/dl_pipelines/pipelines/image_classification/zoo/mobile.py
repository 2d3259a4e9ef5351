"""Networks for mobile budgets: MobileNet v1 (depthwise-separable) and v2 (inverted
residual, linear bottleneck), and EfficientNet's compound scaling (depth αᵠ, width βᵠ,
resolution γᵠ)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dl_pipelines.nn import blocks
from dl_pipelines.pipelines.image_classification.zoo.base import (
    checked_shape,
    import_keras,
    pooled_head,
    scaled_width,
)


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
    keras = import_keras()
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, scaled_width(32, alpha), 3, activation="relu6", name="stem")
    for i, (filters, stride) in enumerate(stages, start=1):
        x = blocks.depthwise_separable_block(
            x, scaled_width(filters, alpha), strides=stride, activation="relu6", name=f"ds{i}"
        )
    return pooled_head(inputs, x, num_classes, dropout, bn_momentum, name="mobilenet_v1")


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
    keras = import_keras()
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, scaled_width(32, alpha), 3, activation="relu6", name="stem")
    for stage, (t, c, n, s) in enumerate(stages, start=1):
        for i in range(1, n + 1):
            x = blocks.inverted_residual_block(
                x,
                scaled_width(c, alpha),
                expansion=t,
                strides=s if i == 1 else 1,
                name=f"stage{stage}_{i}",
            )
    x = blocks.conv_bn_act(x, scaled_width(head_filters, alpha), 1, activation="relu6", name="head")
    return pooled_head(inputs, x, num_classes, dropout, bn_momentum, name="mobilenet_v2")


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
    keras = import_keras()
    shape = checked_shape(input_shape, num_classes)
    depth, width, _ = compound_scaling(phi, alpha, beta, gamma)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(
        inputs, scaled_width(stem_filters, width, 8), 3, activation="swish", name="stem"
    )
    for stage, (t, c, n, s, k) in enumerate(stages, start=1):
        for i in range(1, math.ceil(n * depth) + 1):
            x = blocks.inverted_residual_block(
                x,
                scaled_width(c, width, 8),
                expansion=t,
                strides=s if i == 1 else 1,
                kernel_size=k,
                se_ratio=se_ratio,
                activation="swish",
                name=f"stage{stage}_{i}",
            )
    x = blocks.conv_bn_act(
        x, scaled_width(head_filters, width, 8), 1, activation="swish", name="head"
    )
    return pooled_head(
        inputs, x, num_classes, dropout, bn_momentum, name=f"efficientnet_phi{phi:g}"
    )
