"""Classification with localisation and landmarks: one network, the notes' output vector.

The network outputs, per image, ``y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_n, l_1x, l_1y, …
l_kx, l_ky]``: the probability that there is an object, its box (centre, height, width as
shares of the image side), its class probabilities and ``k`` landmark points (shares of
the image side). The composite loss follows the notes: when ``p_c = 1`` every part
counts, when ``p_c = 0`` only ``p_c`` does ("don't care" about the rest) — with log-loss
for ``p_c`` and the classes and squared error for the box and the landmarks.
``keras`` and ``keras.ops`` only.
"""

from __future__ import annotations

from collections.abc import Sequence


def layout(num_classes: int, n_landmarks: int) -> dict[str, slice]:
    """Where each part of ``y`` lives."""
    return {
        "p_c": slice(0, 1),
        "box": slice(1, 5),
        "classes": slice(5, 5 + num_classes),
        "landmarks": slice(5 + num_classes, 5 + num_classes + 2 * n_landmarks),
    }


def build_localizer(
    image_size: tuple[int, int],
    num_classes: int,
    n_landmarks: int,
    filters: Sequence[int],
    dense_units: int,
    dropout: float,
):
    """[conv 3×3 → BN → ReLU → max-pool] × len(filters) → flatten → dense → four heads
    (sigmoid ``p_c``, sigmoid box, softmax classes, sigmoid landmarks) concatenated into
    ``y``. Takes raw 0–255 pixels.

    The convolutions are :func:`dl_pipelines.vision.backbone.conv_pool_stack`.
    """
    import keras
    from keras import layers

    from dl_pipelines.vision.backbone import conv_pool_stack, with_batch_norm_momentum

    inputs = keras.Input(shape=(*image_size, 3), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    x = conv_pool_stack(x, filters)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    heads = [
        layers.Dense(1, activation="sigmoid", name="p_c")(x),
        layers.Dense(4, activation="sigmoid", name="box")(x),
        layers.Dense(num_classes, activation="softmax", name="classes")(x),
        layers.Dense(2 * n_landmarks, activation="sigmoid", name="landmarks")(x),
    ]
    outputs = layers.Concatenate(name="y")(heads)
    return with_batch_norm_momentum(keras.Model(inputs, outputs, name="localizer"))


def localization_loss(
    num_classes: int,
    n_landmarks: int,
    box_weight: float = 5.0,
    landmark_weight: float = 5.0,
    epsilon: float = 1e-7,
):
    """The notes' composite loss on ``y`` (see the module docstring).

    L = BCE(p_c) + p_c · [box_weight · ‖b − b̂‖² + CE(c, ĉ) + landmark_weight · ‖l − l̂‖²],
    the squared errors averaged over their coordinates.
    """
    from keras import ops

    parts = layout(num_classes, n_landmarks)

    def loss(y_true, y_pred):
        p_true = y_true[:, 0]
        p_pred = ops.clip(y_pred[:, 0], epsilon, 1 - epsilon)
        objectness = -(p_true * ops.log(p_pred) + (1 - p_true) * ops.log(1 - p_pred))
        box = ops.mean(ops.square(y_true[:, parts["box"]] - y_pred[:, parts["box"]]), axis=-1)
        classes = -ops.sum(
            y_true[:, parts["classes"]]
            * ops.log(ops.clip(y_pred[:, parts["classes"]], epsilon, 1.0)),
            axis=-1,
        )
        landmarks = ops.mean(
            ops.square(y_true[:, parts["landmarks"]] - y_pred[:, parts["landmarks"]]), axis=-1
        )
        return objectness + p_true * (box_weight * box + classes + landmark_weight * landmarks)

    loss.__name__ = "localization_loss"
    return loss
