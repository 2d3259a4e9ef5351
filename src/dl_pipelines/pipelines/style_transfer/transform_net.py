"""Keras models of the feed-forward stylizer (``keras`` and ``keras.ops`` only).

* :func:`build_transform_net` – Johnson et al.'s image-transform network (smaller):
  one forward pass stylises an image (:func:`stylise`).
* :func:`build_stylizer_trainer` – the transform net followed by the frozen VGG
  extractor and the perceptual cost of ``model.py``, to train the transform net with
  ``fit``; :class:`CostLogger` reports its costs while it trains.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dl_pipelines.pipelines.style_transfer.losses import gram_matrix
from dl_pipelines.pipelines.style_transfer.model import (
    COST_COLUMNS,
    CostWeights,
    compile_cost_model,
    cost_row,
    layer_features,
)


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
        return cost_row(stylised, features, targets, self.style_grams, self.cost_weights)


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
    style_features = layer_features(extractor, style_image, tuple(weights.style_layers))
    scale = crop_size**2 / float(style_image.shape[0] * style_image.shape[1])
    style_grams = {
        k: ops.convert_to_numpy(gram_matrix(v))[0] * scale for k, v in style_features.items()
    }
    trainer = StylizerTrainer(transform, extractor, style_grams, weights)
    compile_cost_model(trainer, optimizer)
    return trainer


def stylise(transform: keras.Model, image: np.ndarray, multiple: int = 4) -> np.ndarray:
    """One forward pass: ``(h, w, 3)`` → stylised uint8, any size (edge-padded to a
    multiple of ``multiple``, 4 for :func:`build_transform_net`'s two stride-2 convs)."""
    height, width = image.shape[:2]
    pad_h, pad_w = -height % multiple, -width % multiple
    padded = np.pad(
        np.asarray(image, dtype="float32"), ((0, pad_h), (0, pad_w), (0, 0)), mode="edge"
    )
    out = ops.convert_to_numpy(transform(padded[None], training=False))[0, :height, :width]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


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
