"""Deeper CNNs made trainable and cheap: ResNet (identity and projection shortcuts) and
Inception (1×1 / 3×3 / 5×5 / pool branches with 1×1 bottlenecks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dl_pipelines.nn import blocks
from dl_pipelines.pipelines.image_classification.zoo.base import (
    checked_shape,
    import_keras,
    pooled_head,
)


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
    keras = import_keras()
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = blocks.conv_bn_act(inputs, filters[0], 3, name="stem")
    for stage, width in enumerate(filters, start=1):
        for block in range(1, blocks_per_stage + 1):
            strides = 2 if stage > 1 and block == 1 else 1
            x = blocks.residual_block(x, width, strides=strides, name=f"stage{stage}_{block}")
    return pooled_head(inputs, x, num_classes, dropout, bn_momentum, name="resnet")


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
    keras = import_keras()
    layers = keras.layers
    shape = checked_shape(input_shape, num_classes)

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
    return pooled_head(inputs, x, num_classes, dropout, bn_momentum, name="inception")
