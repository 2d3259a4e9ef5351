"""Keras models of the style_transfer pipeline: the cost J(G) and Gatys' pixel optimiser
(``keras`` and ``keras.ops`` only).

* :func:`build_pixel_optimiser` – Gatys' method: the generated image is the only
  trainable variable of a model whose output is the cost; ``train_on_batch`` runs one
  gradient step on the pixels on any backend.
* :func:`image_costs` – J(G) and its terms for any image of a pair.

The feed-forward stylizer's models (the transform net and its trainer) are in
``transform_net.py``; they share :func:`cost_row` and :func:`compile_cost_model`.

The cost models output one row ``[total, content, style, tv]`` per image; the Keras
"loss" is the first column and the others are reported as metrics. They are compiled
without XLA (``jit_compile=False``): on CPU, XLA's compilation of VGG costs more time
than it saves in a few hundred steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from dl_pipelines.pipelines.style_transfer.losses import (
    content_cost,
    gram_matrix,
    style_cost,
    total_cost,
    total_variation,
)

#: Columns of the cost models' output.
COST_COLUMNS = ("total_loss", "content_loss", "style_loss", "tv_loss")


@dataclass(frozen=True)
class CostWeights:
    """α, β, the style layers' λ_l and the total-variation weight."""

    alpha: float
    beta: float
    tv_weight: float
    content_layers: tuple[str, ...]
    style_layers: Mapping[str, float]


def compile_cost_model(model: keras.Model, optimizer) -> None:
    """Compile a model whose output is the cost row: the loss is the total, every column a
    metric, no XLA."""
    model.compile(
        optimizer=optimizer,
        loss=lambda y_true, y_pred: y_pred[:, 0],
        metrics=[_column(i, name) for i, name in enumerate(COST_COLUMNS)],
        jit_compile=False,
    )


def _column(index: int, name: str):
    def metric(y_true, y_pred):
        return y_pred[:, index]

    metric.__name__ = name
    return metric


def cost_row(images, features, content_targets, style_grams, weights: CostWeights):
    """``[total, content, style, tv]`` of a batch: shape ``(batch, 4)`` (costs broadcast)."""
    j_content = 0.0
    for layer in weights.content_layers:
        j_content = j_content + content_cost(content_targets[layer], features[layer])
    j_content = j_content / len(weights.content_layers)
    j_style = style_cost(style_grams, features, weights.style_layers)
    j_tv = total_variation(images)
    total = total_cost(j_content, j_style, j_tv, weights.alpha, weights.beta, weights.tv_weight)
    row = ops.stack([total, j_content, j_style, j_tv])
    return ops.tile(ops.reshape(row, (1, 4)), (ops.shape(images)[0], 1))


class ClipPixels(keras.constraints.Constraint):
    """Keeps the generated image's pixels in [0, 255] after every step."""

    def __call__(self, w):
        return ops.clip(w, 0.0, 255.0)


class PixelOptimiser(keras.Model):
    """The generated image G as a trainable variable; ``call`` returns its cost row."""

    def __init__(
        self,
        extractor,
        initial_image: np.ndarray,
        content_targets: dict,
        style_grams: dict,
        weights: CostWeights,
        clip: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.extractor = extractor
        self.cost_weights = weights
        self.content_targets = {k: ops.convert_to_tensor(v) for k, v in content_targets.items()}
        self.style_grams = {k: ops.convert_to_tensor(v) for k, v in style_grams.items()}
        self.image = self.add_weight(
            name="generated_image",
            shape=initial_image.shape,
            initializer=keras.initializers.Constant(initial_image.astype("float32")),
            constraint=ClipPixels() if clip else None,
            trainable=True,
        )

    def call(self, dummy):
        features = self.extractor(self.image)
        return cost_row(
            self.image, features, self.content_targets, self.style_grams, self.cost_weights
        )


def build_pixel_optimiser(
    extractor,
    initial_image: np.ndarray,
    content_image: np.ndarray,
    style_image: np.ndarray,
    weights: CostWeights,
    optimizer,
    clip: bool = True,
):
    """A compiled :class:`PixelOptimiser`; call ``train_on_batch(DUMMY, DUMMY)`` per step.

    Args:
        extractor: RGB [0, 255] → ``{layer: features}`` (see ``vgg.build_extractor``).
        initial_image: ``(h, w, 3)`` float, the starting point of G.
        content_image, style_image: ``(h, w, 3)`` uint8 or float in [0, 255], same size.
        weights: The cost's weights and layers.
        optimizer: A Keras optimizer.
        clip: Clip the pixels to [0, 255] after every step.
    """
    content_targets = layer_features(extractor, content_image, weights.content_layers)
    style_features = layer_features(extractor, style_image, tuple(weights.style_layers))
    style_grams = {k: ops.convert_to_numpy(gram_matrix(v))[0] for k, v in style_features.items()}
    model = PixelOptimiser(
        extractor,
        initial_image[None].astype("float32"),
        content_targets,
        style_grams,
        weights,
        clip=clip,
    )
    compile_cost_model(model, optimizer)
    model(DUMMY)
    return model


#: What ``PixelOptimiser`` is fed (its input is ignored).
DUMMY = np.zeros((1, 1), dtype="float32")


def layer_features(extractor, image: np.ndarray, layers) -> dict[str, np.ndarray]:
    """The ``layers`` features of one image, as NumPy arrays with a batch axis of 1."""
    outputs = extractor(np.asarray(image, dtype="float32")[None])
    return {k: ops.convert_to_numpy(outputs[k]) for k in layers}


def generated_image(model: PixelOptimiser) -> np.ndarray:
    """The current generated image as ``(h, w, 3)`` uint8."""
    pixels = ops.convert_to_numpy(model.image)[0]
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def evaluate(model: PixelOptimiser) -> dict[str, float]:
    """The cost of the current generated image, ``{total_loss: …, content_loss: …, …}``."""
    row = ops.convert_to_numpy(model(DUMMY))[0]
    return {name: float(value) for name, value in zip(COST_COLUMNS, row, strict=True)}


def image_costs(
    extractor, image: np.ndarray, content: np.ndarray, style: np.ndarray, weights: CostWeights
) -> dict[str, float]:
    """``{total_loss, content_loss, style_loss, tv_loss}`` of ``image`` for a pair."""
    layers = (*weights.content_layers, *weights.style_layers)
    targets = layer_features(extractor, content, weights.content_layers)
    style_grams = {
        k: gram_matrix(v)
        for k, v in layer_features(extractor, style, tuple(weights.style_layers)).items()
    }
    pixels = np.asarray(image, dtype="float32")[None]
    features = extractor(pixels)
    row = cost_row(
        ops.convert_to_tensor(pixels),
        {k: features[k] for k in layers},
        targets,
        {k: v[0] for k, v in style_grams.items()},
        weights,
    )
    return {
        name: float(v) for name, v in zip(COST_COLUMNS, ops.convert_to_numpy(row)[0], strict=True)
    }
