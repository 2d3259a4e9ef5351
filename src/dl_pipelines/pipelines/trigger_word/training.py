"""Training the detector: the model of the parameters, its batches, one call to ``fit``.

Keras is imported inside :func:`train` only.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dl_pipelines.pipelines.trigger_word.params import TriggerWordParams

logger = logging.getLogger(__name__)


def train(
    train_data: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    p: TriggerWordParams,
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """The trained detector and its history (see
    :func:`~dl_pipelines.pipelines.trigger_word.nodes.train_model`).

    Args:
        train_data: The training model input (``x``, ``y``, ``after_other``).
        val: The validation model input; its examples with keywords validate.
        p: The ``trigger_word`` parameters.
        seed: The run's seed, used unless ``training.seed`` is set.
    """
    import keras

    from dl_pipelines.nn.callbacks import WeightAveraging
    from dl_pipelines.nn.keras_data import ArrayBatches
    from dl_pipelines.nn.training import fit, training_scope
    from dl_pipelines.pipelines.trigger_word.model import SpecAugment, build_trigger_word_model
    from dl_pipelines.runtime.seeding import seed_everything

    t, m = p.training, p.model
    seed = seed if t.seed is None else t.seed
    seed_everything(seed)
    learning_rate = t.learning_rate
    if t.lr_schedule == "cosine":
        steps = -(-len(train_data["x"]) // t.batch_size) * t.epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(t.learning_rate, steps, alpha=0.05)
    with training_scope(t):
        model = build_trigger_word_model(
            n_freqs=train_data["x"].shape[-1],
            conv_filters=m.conv_filters,
            conv_kernel=m.conv_kernel,
            conv_stride=m.conv_stride,
            gru_units=m.gru_units,
            dropout=m.dropout,
            learning_rate=learning_rate,
            positive_weight=t.positive_weight,
            focal_gamma=t.focal_gamma,
            heard_freqs=p.heard_freqs,
            augmentation=SpecAugment(
                m.freq_mask_bins,
                m.time_mask_frames,
                m.masks,
                seed,
                m.band_limit_probability,
                m.band_limit_bins,
                p.spectrogram.floor_value,
                name="spec_augment",
            ),
        )
        keep = ~val["free"]
        logger.info(
            "Training %s (%d parameters) on %d examples of %d × %d (hearing %d bins), "
            "validating on %d; Keras backend %s.",
            model.name,
            model.count_params(),
            len(train_data["x"]),
            train_data["x"].shape[1],
            train_data["x"].shape[2],
            p.heard_freqs or train_data["x"].shape[2],
            int(keep.sum()),
            keras.backend.backend(),
        )
        # The label-0 steps right after other words, where a near miss fires, can weigh more.
        weights = (
            None
            if t.other_word_weight == 1.0
            else (1.0 + (t.other_word_weight - 1.0) * train_data["after_other"]).astype("float32")
        )
        batches = ArrayBatches(
            train_data["x"],
            train_data["y"][..., None].astype("float32"),
            t.batch_size,
            shuffle=True,
            seed=seed,
            sample_weight=weights,
        )
        validation = ArrayBatches(
            val["x"][keep], val["y"][keep][..., None].astype("float32"), t.batch_size
        )
        # Early stopping restores the best epoch; weight averaging (after it) then replaces it
        # with the mean of the last epochs, when any of them ran.
        history = fit(
            model,
            batches,
            validation,
            t,
            extra_callbacks=(
                [WeightAveraging(t.average_last_epochs)] if t.average_last_epochs else ()
            ),
        )
    return model, history
