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
    """BCE with the rare positive steps weighted: −[w·y·log ŷ + (1−y)·log(1−ŷ)].

    About 7 % of the label steps are 1; ``positive_weight`` > 1 stops the model from
    settling on "never".
    """

    def __init__(self, positive_weight: float = 1.0, epsilon: float = 1e-7,
                 name: str = "weighted_bce", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.positive_weight = float(positive_weight)
        self.epsilon = float(epsilon)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        y_pred = ops.clip(y_pred, self.epsilon, 1.0 - self.epsilon)
        per_step = -(self.positive_weight * y_true * ops.log(y_pred)
                     + (1.0 - y_true) * ops.log(1.0 - y_pred))
        return ops.mean(per_step, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "positive_weight": self.positive_weight,
                "epsilon": self.epsilon}


def output_steps(input_frames: int, kernel: int, stride: int) -> int:
    """Ty of the 'valid' Conv1D: (Tx − kernel) // stride + 1 (5511 → 1375 in the course)."""
    return (input_frames - kernel) // stride + 1


def build_trigger_word_model(n_freqs: int, conv_filters: int, conv_kernel: int,
                             conv_stride: int, gru_units: Sequence[int], dropout: float,
                             learning_rate: LearningRate,
                             positive_weight: float) -> keras.Model:
    """The detector, compiled with Adam (a fixed rate or a schedule) and the weighted BCE.

    Input ``(batch, time, n_freqs)`` with a free time axis; output
    ``(batch, output_steps(time), 1)`` sigmoid scores.
    """
    inputs = keras.Input(shape=(None, n_freqs), name="spectrogram")
    x = layers.Conv1D(conv_filters, conv_kernel, strides=conv_stride, name="conv")(inputs)
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
        loss=WeightedBinaryCrossEntropy(positive_weight),
        metrics=[keras.metrics.BinaryAccuracy(name="frame_accuracy"),
                 keras.metrics.AUC(name="frame_auc")],
    )
    return model
