"""The perceptual losses of neural style transfer (Gatys et al.), one formula each.

Every function takes and returns Keras tensors and uses ``keras.ops`` only, so the
same code runs on TensorFlow, JAX and PyTorch. Feature maps are ``(batch, n_H, n_W,
n_C)`` (a leading batch axis is optional); costs are averaged over the batch.

Normalisers (``docs/style_transfer.md`` § The losses):

* content: ``J_content = 1/(4·n_H·n_W·n_C) · Σ (a(C) − a(G))²`` — the notes'
  ``½‖a(C) − a(G)‖²`` divided by ``2·n_H·n_W·n_C``, so that ``alpha`` does not
  depend on the image size;
* style, per layer: ``J_style[l] = 1/(2·n_H·n_W·n_C)² · ‖G(S) − G(G)‖_F²`` — the
  course's *squared* normaliser (the notes write ``1/(2·n_H·n_W·n_C)``), again so
  that ``beta`` and the ``λ_l`` do not depend on the image size;
* total variation: the mean squared difference of neighbouring pixels.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
from keras import ops


def gram_matrix(features):
    """The Gram matrix of a feature map: ``G[k, k'] = Σ_i Σ_j a[i, j, k] · a[i, j, k']``.

    Args:
        features: ``(..., n_H, n_W, n_C)``.

    Returns:
        ``(..., n_C, n_C)``, unnormalised (as in the course notes).
    """
    shape = ops.shape(features)
    flat = ops.reshape(features, (*shape[:-3], shape[-3] * shape[-2], shape[-1]))
    return ops.matmul(ops.swapaxes(flat, -1, -2), flat)


def content_cost(content_features, generated_features):
    """``J_content = 1/(4·n_H·n_W·n_C) · Σ (a(C) − a(G))²``, averaged over the batch."""
    n_h, n_w, n_c = (ops.shape(generated_features)[i] for i in (-3, -2, -1))
    squared = ops.square(ops.subtract(content_features, generated_features))
    per_image = ops.sum(squared, axis=(-3, -2, -1)) / float(4 * n_h * n_w * n_c)
    return ops.mean(per_image)


def layer_style_cost(style_gram, generated_features):
    """``J_style[l] = 1/(2·n_H·n_W·n_C)² · ‖G(S) − G(G)‖_F²``, averaged over the batch.

    Args:
        style_gram: Gram matrix of the style image at this layer, ``(n_C, n_C)``, from
            a style image of the generated image's size (both are normalised by the
            generated image's ``n_H·n_W``).
        generated_features: The generated image's features, ``(..., n_H, n_W, n_C)``.
    """
    n_h, n_w, n_c = (ops.shape(generated_features)[i] for i in (-3, -2, -1))
    difference = ops.subtract(style_gram, gram_matrix(generated_features))
    per_image = ops.sum(ops.square(difference), axis=(-2, -1)) / float(2 * n_h * n_w * n_c) ** 2
    return ops.mean(per_image)


def style_cost(
    style_grams: Mapping[str, object],
    generated_features: Mapping[str, object],
    layer_weights: Mapping[str, float],
):
    """``J_style = Σ_l λ_l · J_style[l]`` over the style layers.

    Args:
        style_grams: ``{layer: G(S)}``.
        generated_features: ``{layer: a(G)}`` (may hold other layers too).
        layer_weights: ``{layer: λ_l}``; its keys are the layers that count.
    """
    total = 0.0
    for layer, weight in layer_weights.items():
        total = total + float(weight) * layer_style_cost(
            style_grams[layer], generated_features[layer]
        )
    return total


def total_variation(images):
    """Mean squared difference between vertically and horizontally adjacent pixels.

    ``J_tv = (Σ (x[i+1, j] − x[i, j])² + Σ (x[i, j+1] − x[i, j])²) / (n_H·n_W·n_C)``
    per image, averaged over the batch. Penalises high-frequency noise in the result.
    """
    n_h, n_w, n_c = (ops.shape(images)[i] for i in (-3, -2, -1))
    vertical = ops.square(images[..., 1:, :, :] - images[..., :-1, :, :])
    horizontal = ops.square(images[..., :, 1:, :] - images[..., :, :-1, :])
    per_image = (
        ops.sum(vertical, axis=(-3, -2, -1)) + ops.sum(horizontal, axis=(-3, -2, -1))
    ) / float(n_h * n_w * n_c)
    return ops.mean(per_image)


def total_cost(
    j_content, j_style, j_tv=0.0, alpha: float = 1.0, beta: float = 1.0, tv_weight: float = 0.0
):
    """``J(G) = α·J_content + β·J_style + w_tv·J_tv``."""
    return alpha * j_content + beta * j_style + tv_weight * j_tv


def as_float(value) -> float:
    """A scalar tensor of any backend as a Python float (for logs and reports)."""
    return float(keras.ops.convert_to_numpy(value))
