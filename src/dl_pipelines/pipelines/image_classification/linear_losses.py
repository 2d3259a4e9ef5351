"""Multiclass losses of the linear classifier notes, on raw class scores, in ``keras.ops``.

Both losses take integer labels ``y_true`` (shape ``(batch,)`` or ``(batch, 1)``) and
unnormalised class scores ``y_pred`` = s = f(x, W) (shape ``(batch, classes)``), and
return one loss per example (Keras averages over the batch and adds the weight
penalty λR(W) of the layers' regularisers). They are registered as Keras
serializables, so a model compiled with them loads back with ``compile=True``.
"""

from __future__ import annotations

import keras
from keras import ops


def _labels(y_true, num_classes: int):
    labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
    return ops.one_hot(labels, num_classes)


@keras.saving.register_keras_serializable(package="dl_pipelines")
def multiclass_svm_loss(y_true, y_pred, margin: float = 1.0):
    """Multiclass SVM (hinge) loss L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + Δ).

    Args:
        y_true: Integer class of every example.
        y_pred: Class scores s, ``(batch, classes)``.
        margin: Δ, the margin the correct score must win by.

    Returns:
        One loss per example. Scores 3.2, 5.1, −1.7 with class 0 correct give
        max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1) = 2.9.
    """
    scores = ops.convert_to_tensor(y_pred)
    onehot = ops.cast(_labels(y_true, scores.shape[-1]), scores.dtype)
    correct = ops.sum(scores * onehot, axis=-1, keepdims=True)
    margins = ops.maximum(0.0, scores - correct + margin) * (1.0 - onehot)
    return ops.sum(margins, axis=-1)


@keras.saving.register_keras_serializable(package="dl_pipelines")
def softmax_cross_entropy(y_true, y_pred):
    """Softmax cross-entropy L_i = −log(e^{s_{y_i}} / Σ_j e^{s_j}), from raw scores.

    Computed as logsumexp(s) − s_{y_i}, which never overflows. Scores 3.2, 5.1, −1.7
    with class 0 correct give 2.04; near-zero scores for C classes give ≈ log C.
    """
    scores = ops.convert_to_tensor(y_pred)
    onehot = ops.cast(_labels(y_true, scores.shape[-1]), scores.dtype)
    correct = ops.sum(scores * onehot, axis=-1)
    return ops.logsumexp(scores, axis=-1) - correct


#: Loss name (the ``loss`` of a zoo member in the parameters) → function.
CLASSIFICATION_LOSSES = {"svm": multiclass_svm_loss, "softmax": softmax_cross_entropy}
