"""Loss functions from the course notes, in ``keras.ops`` (any backend).

Each loss is registered as a Keras serializable, so a saved model that was compiled
with it loads back with ``compile=True``.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dl_pipelines")
def binary_cross_entropy(y_true, y_pred, epsilon: float = 1e-7):
    """Binary cross-entropy L = −[y·log ŷ + (1−y)·log(1−ŷ)], averaged over the last axis.

    Args:
        y_true: Labels in {0, 1} (or soft labels in [0, 1]).
        y_pred: Predicted probabilities ŷ (sigmoid outputs), same shape.
        epsilon: ŷ is clipped to [ε, 1−ε] so that log never sees 0.

    Returns:
        One loss per example (Keras averages over the batch).
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    y_pred = ops.clip(y_pred, epsilon, 1.0 - epsilon)
    per_element = -(y_true * ops.log(y_pred) + (1.0 - y_true) * ops.log(1.0 - y_pred))
    return ops.mean(per_element, axis=-1)
