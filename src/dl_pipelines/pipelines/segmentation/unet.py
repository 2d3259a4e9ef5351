"""U-Net for semantic segmentation and its loss (``keras`` and ``keras.ops`` only).

Down the contracting path, convolutions and max-pooling halve the size and double the
width; up the expanding path, 2×2 transpose convolutions with stride 2 double the size
back, and skip connections concatenate the encoder's feature map of the same size, which
carries the high-resolution detail the bottleneck has lost. A 1×1 convolution and a
per-pixel softmax give the class probabilities.
"""

from __future__ import annotations


def conv_block(x, filters: int, name: str):
    """Two [3×3 conv → batch norm → ReLU] (``{name}_1_conv`` … ``{name}_2_act``)."""
    from dl_pipelines.nn.blocks import conv_bn_act

    for i in (1, 2):
        x = conv_bn_act(x, filters, name=f"{name}_{i}")
    return x


def build_unet(image_size: tuple[int, int], num_classes: int, depth: int, width: int):
    """A U-Net with ``depth`` down/up levels, ``width`` filters at the top level.

    Args:
        image_size: ``(height, width)``, both divisible by ``2**depth``.
        num_classes: Output classes per pixel, background included.
        depth: Number of max-pool / transpose-convolution steps.
        width: Filters of the first level (doubled at every level down).

    Returns:
        An uncompiled model: raw 0–255 pixels ``(h, w, 3)`` → ``(h, w, num_classes)``
        probabilities.
    """
    import keras
    from keras import layers

    from dl_pipelines.vision.backbone import with_batch_norm_momentum

    height, width_px = image_size
    if height % 2**depth or width_px % 2**depth:
        raise ValueError(
            f"image size {image_size} must be divisible by 2**depth = {2**depth}:"
            " change segmentation.model.depth or the image size."
        )
    inputs = keras.Input(shape=(height, width_px, 3), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    skips = []
    for level in range(depth):
        x = conv_block(x, width * 2**level, f"down{level + 1}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level + 1}")(x)
    x = conv_block(x, width * 2**depth, "bottleneck")
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(
            width * 2**level, 2, strides=2, padding="same", name=f"up{level + 1}_transpose"
        )(x)
        x = layers.Concatenate(name=f"up{level + 1}_skip")([x, skips[level]])
        x = conv_block(x, width * 2**level, f"up{level + 1}")
    outputs = layers.Conv2D(num_classes, 1, activation="softmax", name="classes")(x)
    return with_batch_norm_momentum(keras.Model(inputs, outputs, name="unet"))


def dice_loss(y_true, y_pred, epsilon: float = 1.0):
    """1 − soft Dice, averaged over classes: Dice_k = 2·Σ p·y / (Σ p + Σ y).

    ``y_true`` holds class indices ``(n, h, w)`` (or ``(n, h, w, 1)``), ``y_pred`` the
    softmax ``(n, h, w, k)``. Computed per image.
    """
    from keras import ops

    n_classes = ops.shape(y_pred)[-1]
    labels = ops.reshape(ops.cast(y_true, "int32"), ops.shape(y_pred)[:-1])
    one_hot = ops.one_hot(labels, n_classes, dtype=y_pred.dtype)
    intersection = ops.sum(one_hot * y_pred, axis=(1, 2))
    total = ops.sum(one_hot, axis=(1, 2)) + ops.sum(y_pred, axis=(1, 2))
    return 1.0 - ops.mean((2.0 * intersection + epsilon) / (total + epsilon), axis=-1)


def cross_entropy_dice_loss(dice_weight: float = 1.0):
    """Per-pixel categorical cross-entropy (mean over pixels) + ``dice_weight`` · Dice loss."""
    from keras import ops

    def loss(y_true, y_pred):
        labels = ops.reshape(ops.cast(y_true, "int32"), ops.shape(y_pred)[:-1])
        log_p = ops.log(ops.clip(y_pred, 1e-7, 1.0))
        one_hot = ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        cross_entropy = ops.mean(-ops.sum(one_hot * log_p, axis=-1), axis=(1, 2))
        return cross_entropy + dice_weight * dice_loss(y_true, y_pred)

    loss.__name__ = "cross_entropy_dice"
    return loss
