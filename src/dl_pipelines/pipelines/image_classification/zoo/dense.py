"""Fully connected members: the linear classifier and the 2- and 3-layer networks.

* linear score function f(x, W) = Wx + b, one template per class, L1/L2/elastic-net
  weight penalty λR(W): :func:`linear`
* 2- and 3-layer networks, ReLU/sigmoid/tanh/leaky ReLU/ELU/maxout, dropout, batch
  norm: :func:`mlp`

The only layer the zoo defines, :class:`Maxout` (the MLP's maxout unit), lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dl_pipelines.pipelines.image_classification.zoo.base import (
    checked_shape,
    class_scores,
    import_keras,
    set_batch_norm_momentum,
    weight_penalty,
)

#: Activations :func:`mlp` accepts (``maxout`` uses :class:`Maxout` with 2 pieces).
MLP_ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "maxout")


def _maxout_class():
    keras = import_keras()

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


def linear(
    input_shape: Sequence[int] = (8, 8, 1), num_classes: int = 10, l1: float = 0.0, l2: float = 0.0
) -> Any:
    """Linear classifier f(x, W) = Wx + b: one template (a row of W) per class.

    Train it with the multiclass SVM loss for a linear SVM or with the softmax
    cross-entropy for multinomial logistic regression. ``l1``/``l2`` add λ₁‖W‖₁ and
    λ₂‖W‖₂² to the loss; both > 0 is the elastic net. The bias is not penalised.

    Parameters at the default input (8×8×1, 10 classes): 650 (64·10 + 10).
    """
    keras = import_keras()
    shape = checked_shape(input_shape, num_classes)
    inputs = keras.Input(shape, name="image")
    x = keras.layers.Flatten(name="flatten")(inputs)
    return keras.Model(inputs, class_scores(x, num_classes, weight_penalty(l1, l2)), name="linear")


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
    keras = import_keras()
    shape = checked_shape(input_shape, num_classes)
    if activation not in MLP_ACTIVATIONS:
        raise ValueError(f"activation must be one of {MLP_ACTIVATIONS}, got '{activation}'")
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden must list at least one positive layer width, got {hidden}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    regularizer = weight_penalty(l1, l2)
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
    model = keras.Model(inputs, class_scores(x, num_classes, regularizer), name=name)
    return set_batch_norm_momentum(model, bn_momentum)
