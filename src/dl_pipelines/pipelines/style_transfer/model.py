"""Keras models of the style_transfer pipeline (``keras`` and ``keras.ops`` only).

* :func:`build_pixel_optimiser` – Gatys' method: the generated image is the only
  trainable variable of a model whose output is the cost; ``train_on_batch`` runs one
  gradient step on the pixels on any backend.
* :func:`build_transform_net` – Johnson et al.'s image-transform network (smaller):
  one forward pass stylises an image.
* :func:`build_stylizer_trainer` – the transform net followed by the frozen VGG
  extractor and the same perceptual cost, to train the transform net with ``fit``.

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


def _column(index: int, name: str):
    def metric(y_true, y_pred):
        return y_pred[:, index]

    metric.__name__ = name
    return metric


def _cost_row(images, features, content_targets, style_grams, weights: CostWeights):
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
        return _cost_row(
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
    content_targets = _features(extractor, content_image, weights.content_layers)
    style_features = _features(extractor, style_image, tuple(weights.style_layers))
    style_grams = {k: ops.convert_to_numpy(gram_matrix(v))[0] for k, v in style_features.items()}
    model = PixelOptimiser(
        extractor,
        initial_image[None].astype("float32"),
        content_targets,
        style_grams,
        weights,
        clip=clip,
    )
    model.compile(
        optimizer=optimizer,
        loss=lambda y_true, y_pred: y_pred[:, 0],
        metrics=[_column(i, name) for i, name in enumerate(COST_COLUMNS)],
        jit_compile=False,
    )
    model(DUMMY)
    return model


#: What ``PixelOptimiser`` is fed (its input is ignored).
DUMMY = np.zeros((1, 1), dtype="float32")


def _features(extractor, image: np.ndarray, layers) -> dict[str, np.ndarray]:
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


# ----------------------------------------------------------------- feed-forward stylizer
def _conv_norm(x, filters: int, kernel: int, strides: int = 1, relu: bool = True, name: str = ""):
    x = keras.layers.Conv2D(filters, kernel, strides=strides, padding="same", name=f"{name}_conv")(
        x
    )
    x = keras.layers.GroupNormalization(groups=filters, name=f"{name}_instance_norm")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


#: The transform net's model name; ``stylizer__<style>`` records the style it is trained for.
STYLIZER_NAME = "stylizer"


def build_transform_net(
    filters: tuple[int, int, int] = (16, 32, 64), residual_blocks: int = 3, style: str | None = None
) -> keras.Model:
    """Johnson et al.'s image-transform network, narrower: RGB [0, 255] → RGB [0, 255].

    9×9 conv, two stride-2 convs, residual blocks, two ×2 upsamplings (nearest + conv,
    which avoids the checkerboard of transposed convs) and a 9×9 conv to RGB; instance
    normalisation (``GroupNormalization`` with one group per channel) after every conv
    but the last. Height and width must be multiples of 4 (see :func:`stylise`).
    With ``style``, the model is named ``stylizer__<style>``, so that the saved file
    says which style it stylises in (:func:`stylizer_style`).
    """
    f1, f2, f3 = filters
    inputs = keras.Input((None, None, 3), name="rgb_0_255")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_unit")(inputs)
    x = _conv_norm(x, f1, 9, name="down1")
    x = _conv_norm(x, f2, 3, strides=2, name="down2")
    x = _conv_norm(x, f3, 3, strides=2, name="down3")
    for i in range(residual_blocks):
        y = _conv_norm(x, f3, 3, name=f"res{i + 1}a")
        y = _conv_norm(y, f3, 3, relu=False, name=f"res{i + 1}b")
        x = keras.layers.Add(name=f"res{i + 1}_add")([x, y])
    x = keras.layers.UpSampling2D(2, name="up1_resize")(x)
    x = _conv_norm(x, f2, 3, name="up1")
    x = keras.layers.UpSampling2D(2, name="up2_resize")(x)
    x = _conv_norm(x, f1, 3, name="up2")
    x = keras.layers.Conv2D(3, 9, padding="same", activation="sigmoid", name="to_rgb")(x)
    outputs = keras.layers.Rescaling(255.0, name="to_pixels")(x)
    name = f"{STYLIZER_NAME}__{style}" if style else STYLIZER_NAME
    return keras.Model(inputs, outputs, name=name)


def stylizer_style(transform: keras.Model) -> str | None:
    """The style a transform net was trained for, or ``None`` if its name does not say."""
    prefix = f"{STYLIZER_NAME}__"
    return transform.name[len(prefix) :] if transform.name.startswith(prefix) else None


class StylizerTrainer(keras.Model):
    """Transform net → frozen VGG → cost row: trains the transform net with ``fit``.

    The content targets are the VGG features of the input crops themselves; the style
    targets are the Gram matrices of the style image at the crop size.
    """

    def __init__(
        self, transform: keras.Model, extractor, style_grams: dict, weights: CostWeights, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.transform = transform
        self.extractor = extractor
        self.cost_weights = weights
        self.style_grams = {k: ops.convert_to_tensor(v) for k, v in style_grams.items()}

    def call(self, crops):
        stylised = self.transform(crops)
        features = self.extractor(stylised)
        targets = self.extractor(crops)
        targets = {k: ops.stop_gradient(targets[k]) for k in self.cost_weights.content_layers}
        return _cost_row(stylised, features, targets, self.style_grams, self.cost_weights)


def build_stylizer_trainer(
    transform: keras.Model,
    extractor,
    style_image: np.ndarray,
    crop_size: int,
    weights: CostWeights,
    optimizer,
) -> StylizerTrainer:
    """A compiled :class:`StylizerTrainer`; fit it on crops with ``y`` = anything (ignored).

    The style's Gram matrices are computed on the whole ``style_image`` (at the size
    the optimisation uses, so that textures keep their scale) and scaled by
    ``crop area / style area``: a Gram matrix is a sum over positions.
    """
    style_features = _features(extractor, style_image, tuple(weights.style_layers))
    scale = crop_size**2 / float(style_image.shape[0] * style_image.shape[1])
    style_grams = {
        k: ops.convert_to_numpy(gram_matrix(v))[0] * scale for k, v in style_features.items()
    }
    trainer = StylizerTrainer(transform, extractor, style_grams, weights)
    trainer.compile(
        optimizer=optimizer,
        loss=lambda y_true, y_pred: y_pred[:, 0],
        metrics=[_column(i, name) for i, name in enumerate(COST_COLUMNS)],
        jit_compile=False,
    )
    return trainer


def stylise(transform: keras.Model, image: np.ndarray) -> np.ndarray:
    """One forward pass: ``(h, w, 3)`` → stylised uint8, any size (edge-padded to ×4)."""
    height, width = image.shape[:2]
    pad_h, pad_w = -height % 4, -width % 4
    padded = np.pad(
        np.asarray(image, dtype="float32"), ((0, pad_h), (0, pad_w), (0, 0)), mode="edge"
    )
    out = ops.convert_to_numpy(transform(padded[None], training=False))[0, :height, :width]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def image_costs(
    extractor, image: np.ndarray, content: np.ndarray, style: np.ndarray, weights: CostWeights
) -> dict[str, float]:
    """``{total_loss, content_loss, style_loss, tv_loss}`` of ``image`` for a pair."""
    layers = (*weights.content_layers, *weights.style_layers)
    targets = _features(extractor, content, weights.content_layers)
    style_grams = {
        k: gram_matrix(v)
        for k, v in _features(extractor, style, tuple(weights.style_layers)).items()
    }
    pixels = np.asarray(image, dtype="float32")[None]
    features = extractor(pixels)
    row = _cost_row(
        ops.convert_to_tensor(pixels),
        {k: features[k] for k in layers},
        targets,
        {k: v[0] for k, v in style_grams.items()},
        weights,
    )
    return {
        name: float(v) for name, v in zip(COST_COLUMNS, ops.convert_to_numpy(row)[0], strict=True)
    }


class CostLogger(keras.callbacks.Callback):
    """Every ``every`` batches: a progress line and the costs to the active MLflow run.

    Metric keys are ``<prefix><column>`` (``stylizer/total_loss``, …) with the batch
    number as the step.
    """

    def __init__(self, every: int, prefix: str, total_steps: int) -> None:
        super().__init__()
        self.every, self.prefix, self.total_steps = every, prefix, total_steps
        self.history: dict[str, list[float]] = {"step": [], **{c: [] for c in COST_COLUMNS}}
        self._started = 0.0

    def on_train_begin(self, logs=None) -> None:
        import time

        self._started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        import logging
        import time

        from dl_pipelines.tracking.runs import log_metrics_to_active_run

        step = batch + 1
        if step % self.every and step != self.total_steps:
            return
        costs = {c: float(logs[c]) for c in COST_COLUMNS}
        self.history["step"].append(step)
        for column, value in costs.items():
            self.history[column].append(value)
        log_metrics_to_active_run({f"{self.prefix}{c}": v for c, v in costs.items()}, step=step)
        elapsed = time.perf_counter() - self._started
        logging.getLogger(__name__).info(
            "stylizer step %d/%d: total %.4g (content %.4g, style %.4g), %.2f s/step",
            step,
            self.total_steps,
            costs["total_loss"],
            costs["content_loss"],
            costs["style_loss"],
            elapsed / step,
        )
