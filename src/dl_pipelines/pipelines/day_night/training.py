"""Training the shallow day/night CNN on the train split, validated on the val split.

Keras is imported inside :func:`train_cnn`, so that listing or drawing the pipelines does
not pay for it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dl_pipelines.nn.training import fit, training_scope
from dl_pipelines.pipelines.day_night.params import ModelParams, TrainingParams

logger = logging.getLogger(__name__)


def train_cnn(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Build the CNN for the images' shape and train it with :func:`~dl_pipelines.nn.training.fit`.

    Early stopping watches the validation loss and restores the best epoch; every
    epoch's metrics go to the active MLflow run as ``train_*`` / ``val_*``.

    Args:
        train: The train split (``images`` uint8, ``labels`` 0/1).
        val: The validation split, likewise.
        arch: ``day_night.model``.
        config: ``day_night.training``.
        seed: The run's seed: weights, shuffling and flips.

    Returns:
        The trained model (best weights restored) and its history.
    """
    from dl_pipelines.nn.keras_data import ArrayBatches, random_horizontal_flip
    from dl_pipelines.pipelines.day_night.model import build_day_night_cnn
    from dl_pipelines.runtime.seeding import seed_everything

    seed_everything(seed)
    with training_scope(config):
        model = build_day_night_cnn(
            input_shape=train["images"].shape[1:],
            filters=arch.filters,
            kernel_size=arch.kernel_size,
            dense_units=arch.dense_units,
            dropout=arch.dropout,
            learning_rate=config.learning_rate,
            pooling=arch.pooling,
        )
        logger.info(
            "Training %s (%d parameters) on %d images, validating on %d.",
            model.name,
            model.count_params(),
            len(train["labels"]),
            len(val["labels"]),
        )
        batches = ArrayBatches(
            train["images"],
            train["labels"].astype("float32")[:, None],
            config.batch_size,
            shuffle=True,
            seed=seed,
            augment=random_horizontal_flip if config.horizontal_flip else None,
            workers=config.input_workers,
            max_queue_size=config.prefetch_batches,
        )
        validation = ArrayBatches(
            val["images"],
            val["labels"].astype("float32")[:, None],
            config.batch_size,
            workers=config.input_workers,
            max_queue_size=config.prefetch_batches,
        )
        history = fit(model, batches, validation, config)
    return model, history
