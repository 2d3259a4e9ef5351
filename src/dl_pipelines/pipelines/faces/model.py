"""The face encoder f(x) and the pairwise binary-classification head, in Keras 3.

Built from the shared blocks (:mod:`dl_pipelines.nn.blocks`); only ``keras`` and
``keras.ops`` are used, so the models run on TensorFlow, JAX and PyTorch.
"""

from __future__ import annotations

from typing import Any

import keras

from dl_pipelines.nn import blocks
from dl_pipelines.nn.copies import uncompiled_copy

#: Stage blocks the encoder can be built from (``faces.model.block``).
BLOCKS = ("residual", "depthwise_separable")


def build_encoder(
    input_shape: tuple[int, int, int],
    stem_filters: int,
    stage_filters: tuple[int, ...],
    block: str,
    embedding_dim: int,
    dropout: float,
    name: str = "face_encoder",
) -> Any:
    """A small CNN that maps a face crop to an L2-normalised embedding f(x), ‖f(x)‖ = 1.

    Per-image standardisation (zero mean, unit variance: exposure and contrast
    changes cancel out) → conv-BN-ReLU stem → one stage per
    entry of ``stage_filters`` (a strided block that halves the resolution, then one
    that keeps it) → global average pooling → dropout → dense ``embedding_dim`` →
    L2 normalisation.

    Args:
        input_shape: (height, width, 3) of the face crops.
        stem_filters: Channels of the stem convolution.
        stage_filters: Channels of each stage.
        block: ``"residual"`` (ResNet basic block) or ``"depthwise_separable"``.
        embedding_dim: Length of the embedding (128 as in FaceNet).
        dropout: Dropout rate before the embedding layer.
        name: The model's name (members of an ensemble need their own).
    """
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {BLOCKS}, got {block!r}.")
    inputs = keras.Input(input_shape, name="face")
    # per-image standardisation: mean 0, variance 1 over each image's pixels and channels
    x = keras.layers.LayerNormalization(
        axis=(1, 2, 3), center=False, scale=False, epsilon=1e-3, name="standardize"
    )(inputs)
    x = blocks.conv_bn_act(x, stem_filters, 3, name="stem")
    for i, filters in enumerate(stage_filters):
        if block == "residual":
            x = blocks.residual_block(x, filters, strides=2, name=f"stage{i}_down")
            x = blocks.residual_block(x, filters, strides=1, name=f"stage{i}_keep")
        else:
            x = blocks.depthwise_separable_block(x, filters, strides=2, name=f"stage{i}_down")
            x = blocks.depthwise_separable_block(x, filters, strides=1, name=f"stage{i}_keep")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    x = keras.layers.Dense(embedding_dim, name="embedding_linear")(x)
    outputs = blocks.l2_normalize(x, name="embedding")
    return keras.Model(inputs, outputs, name=name)


def build_ensemble(encoders: list[Any]) -> Any:
    """One encoder from several trained ones: f(x) = mean_i f_i(x), renormalised.

    Encoders trained from different seeds err on different pairs; on unit vectors the
    squared distance of the renormalised mean averages theirs, so the ensemble is a
    steadier f(x) — still one model of one input and one ``embedding_dim`` output,
    saved, loaded and used exactly like a single encoder.
    """
    if len(encoders) == 1:
        return encoders[0]
    names = [encoder.name for encoder in encoders]
    if len(set(names)) != len(names):
        raise ValueError(f"the members of an ensemble need distinct names, got {names}")
    inputs = keras.Input(tuple(encoders[0].input_shape[1:]), name="face")
    mean = keras.layers.Average(name="mean_embedding")(
        [uncompiled_copy(encoder)(inputs) for encoder in encoders]
    )
    outputs = blocks.l2_normalize(mean, name="embedding")
    return keras.Model(inputs, outputs, name="face_encoder_ensemble")


@keras.saving.register_keras_serializable(package="dl_pipelines")
class AbsoluteDifference(keras.layers.Layer):
    """|f(x_i) − f(x_j)|, element-wise: the input of the pairwise head.

    Not in :mod:`dl_pipelines.nn.blocks`; kept here because only the faces pair head uses it.
    """

    def call(self, inputs):
        first, second = inputs
        return keras.ops.abs(first - second)


def build_pair_classifier(encoder: Any) -> Any:
    """The notes' alternative to the triplet loss: ŷ = σ(Σ_k w_k |f(x_i)_k − f(x_j)_k| + b).

    Both images go through the same ``encoder`` (shared weights, a Siamese network);
    a single sigmoid unit on the absolute difference of the embeddings says
    "same person". Trained with binary cross-entropy on pairs.
    """
    shape = tuple(encoder.input_shape[1:])
    first = keras.Input(shape, name="face_a")
    second = keras.Input(shape, name="face_b")
    difference = AbsoluteDifference(name="abs_difference")([encoder(first), encoder(second)])
    same = keras.layers.Dense(1, activation="sigmoid", name="same_person")(difference)
    return keras.Model([first, second], same, name="face_pair_classifier")
