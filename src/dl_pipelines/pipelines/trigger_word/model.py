"""The trigger-word detector (Keras 3, ``keras`` and ``keras.ops`` only).

Spectrogram (Tx, freqs) → Conv1D(stride 4) + BN + ReLU + dropout → [GRU + dropout + BN]
× n → Dense(1, sigmoid) on every step. The GRUs are unidirectional, so the score at
step t depends on the audio up to t only (streaming). The time axis is left free:
the same model scores 10 s training examples and a file of any length.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers, ops

LearningRate = float | keras.optimizers.schedules.LearningRateSchedule


@keras.saving.register_keras_serializable(package="dl_pipelines")
class WeightedBinaryCrossEntropy(keras.losses.Loss):
    """BCE with the rare positive steps weighted, optionally focal.

    −[w·y·(1−ŷ)^γ·log ŷ + (1−y)·ŷ^γ·log(1−ŷ)]. About 7 % of the label steps are 1;
    ``positive_weight`` w > 1 stops the model from settling on "never". With
    ``focal_gamma`` γ > 0 (Lin et al., 2017) a step the model already gets right
    weighs little — the silence and plain words that make up most steps — and the
    loss is spent on the hard ones: near-miss words scoring high, keywords of an
    unusual voice scoring low. γ = 0 is the plain weighted BCE.
    """

    def __init__(
        self,
        positive_weight: float = 1.0,
        epsilon: float = 1e-7,
        focal_gamma: float = 0.0,
        name: str = "weighted_bce",
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if focal_gamma < 0:
            raise ValueError(f"focal_gamma must be >= 0, got {focal_gamma}.")
        self.positive_weight = float(positive_weight)
        self.epsilon = float(epsilon)
        self.focal_gamma = float(focal_gamma)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        y_pred = ops.clip(y_pred, self.epsilon, 1.0 - self.epsilon)
        positive = self.positive_weight * y_true * ops.log(y_pred)
        negative = (1.0 - y_true) * ops.log(1.0 - y_pred)
        if self.focal_gamma:
            positive = positive * ops.power(1.0 - y_pred, self.focal_gamma)
            negative = negative * ops.power(y_pred, self.focal_gamma)
        return ops.mean(-(positive + negative), axis=-1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "positive_weight": self.positive_weight,
            "epsilon": self.epsilon,
            "focal_gamma": self.focal_gamma,
        }


@keras.saving.register_keras_serializable(package="dl_pipelines")
class SpecAugment(layers.Layer):
    """Training-time masking of a spectrogram ``(batch, time, freqs)`` (Park et al., 2019).

    Each example gets ``masks`` frequency bands of 0…``freq_mask_bins`` bins and
    ``masks`` time spans of 0…``time_mask_frames`` frames set to 0 (the normalised
    input's middle level), at random places. With probability ``band_limit_probability``
    an example is first band-limited: every bin from a random cutoff in
    ``band_limit_bins`` up is set to ``floor_value`` (the normalised spectrogram floor),
    which is what audio recorded at a lower sample rate (16 or 8 kHz) looks like once
    resampled. Identity at inference, so the detector and its exports are unchanged.
    """

    def __init__(
        self,
        freq_mask_bins: int = 0,
        time_mask_frames: int = 0,
        masks: int = 2,
        seed: int | None = None,
        band_limit_probability: float = 0.0,
        band_limit_bins: tuple[int, int] = (0, 0),
        floor_value: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.freq_mask_bins = int(freq_mask_bins)
        self.time_mask_frames = int(time_mask_frames)
        self.masks = int(masks)
        self.band_limit_probability = float(band_limit_probability)
        self.band_limit_bins = (int(band_limit_bins[0]), int(band_limit_bins[1]))
        self.floor_value = float(floor_value)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def _keep(self, batch, size: int, width: int, dtype):
        """``(batch, size)`` with 0 inside ``masks`` random spans of < ``width + 1``, else 1."""
        positions = ops.arange(size, dtype="float32")[None, None, :]
        widths = ops.floor(
            keras.random.uniform((batch, self.masks, 1), 0.0, width + 1.0, seed=self.generator)
        )
        starts = ops.floor(
            keras.random.uniform((batch, self.masks, 1), 0.0, 1.0, seed=self.generator)
            * (size - widths + 1)
        )
        inside = ops.logical_and(positions >= starts, positions < starts + widths)
        return ops.cast(ops.logical_not(ops.any(inside, axis=1)), dtype)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        batch, frames, freqs = shape[0], shape[1], inputs.shape[-1]
        out = inputs
        if self.band_limit_probability > 0:
            low, high = self.band_limit_bins
            cutoff = ops.floor(
                keras.random.uniform((batch, 1), low, high + 1.0, seed=self.generator)
            )
            chosen = (
                keras.random.uniform((batch, 1), seed=self.generator) < self.band_limit_probability
            )
            bins = ops.arange(freqs, dtype="float32")[None, :]
            above = ops.logical_and(chosen, bins >= cutoff)[:, None, :]
            out = ops.where(above, ops.cast(self.floor_value, inputs.dtype), out)
        if self.masks == 0:
            return out
        if self.freq_mask_bins:
            out = out * self._keep(batch, freqs, self.freq_mask_bins, inputs.dtype)[:, None, :]
        if self.time_mask_frames:
            out = out * self._keep(batch, frames, self.time_mask_frames, inputs.dtype)[:, :, None]
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "freq_mask_bins": self.freq_mask_bins,
            "time_mask_frames": self.time_mask_frames,
            "masks": self.masks,
            "band_limit_probability": self.band_limit_probability,
            "band_limit_bins": list(self.band_limit_bins),
            "floor_value": self.floor_value,
            "seed": self.seed,
        }


def output_steps(input_frames: int, kernel: int, stride: int) -> int:
    """Ty of the 'valid' Conv1D: (Tx − kernel) // stride + 1 (5511 → 1375 in the course)."""
    return (input_frames - kernel) // stride + 1


def build_trigger_word_model(
    n_freqs: int,
    conv_filters: int,
    conv_kernel: int,
    conv_stride: int,
    gru_units: Sequence[int],
    dropout: float,
    learning_rate: LearningRate,
    positive_weight: float,
    augmentation: SpecAugment | None = None,
    focal_gamma: float = 0.0,
    heard_freqs: int | None = None,
) -> keras.Model:
    """The detector, compiled with Adam (a fixed rate or a schedule) and the weighted BCE
    (focal with ``focal_gamma`` > 0).

    ``augmentation`` (a :class:`SpecAugment`), when given, alters the training inputs
    first (identity at inference). ``heard_freqs`` < ``n_freqs`` keeps the lowest
    ``heard_freqs`` bins only, before anything else (built-in layers: the exports and
    the streaming step model run it as any other per-frame layer).

    Input ``(batch, time, n_freqs)`` with a free time axis; output
    ``(batch, output_steps(time), 1)`` sigmoid scores.
    """
    inputs = keras.Input(shape=(None, n_freqs), name="spectrogram")
    x = inputs
    if heard_freqs is not None and heard_freqs < n_freqs:
        x = layers.Permute((2, 1), name="band_freqs_first")(x)
        x = layers.Cropping1D((0, n_freqs - heard_freqs), name="band")(x)
        x = layers.Permute((2, 1), name="band_frames_first")(x)
    x = x if augmentation is None else augmentation(x)
    x = layers.Conv1D(conv_filters, conv_kernel, strides=conv_stride, name="conv")(x)
    x = layers.BatchNormalization(name="conv_bn")(x)
    x = layers.Activation("relu", name="conv_relu")(x)
    x = layers.Dropout(dropout, name="conv_dropout")(x)
    for i, units in enumerate(gru_units, start=1):
        x = layers.GRU(units, return_sequences=True, name=f"gru{i}")(x)
        x = layers.Dropout(dropout, name=f"gru{i}_dropout")(x)
        x = layers.BatchNormalization(name=f"gru{i}_bn")(x)
    # A plain Dense on the 3-D sequence acts on every step (no TimeDistributed).
    outputs = layers.Dense(1, activation="sigmoid", name="score")(x)
    model = keras.Model(inputs, outputs, name="trigger_word_detector")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.999),
        loss=WeightedBinaryCrossEntropy(positive_weight, focal_gamma=focal_gamma),
        metrics=[
            keras.metrics.BinaryAccuracy(name="frame_accuracy"),
            keras.metrics.AUC(name="frame_auc"),
        ],
    )
    return model


def inference_model(model: keras.Model) -> keras.Model:
    """The detector without its training-only layers, sharing the trained weights.

    :class:`SpecAugment` is the identity at inference, so the scores are the same; but
    it is a class of this project, and a model that contains it loads only where
    ``dl_pipelines`` has been imported first — not in ``mlflow models serve`` or any
    other consumer of the registered model. The copy holds Keras layers only and is
    uncompiled (no custom loss either).
    """
    x = inputs = keras.Input(shape=model.input_shape[1:], name=model.inputs[0].name)
    for layer in model.layers:
        if isinstance(layer, (layers.InputLayer, SpecAugment)):
            continue
        x = layer(x)
    return keras.Model(inputs, x, name=model.name)
