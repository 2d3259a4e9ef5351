"""Training the localiser: the model of ``model.py`` on freshly augmented scene batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from dl_pipelines.pipelines.localization.params import ModelParams, TrainingParams
from dl_pipelines.pipelines.localization.targets import encode_one, encode_targets
from dl_pipelines.vision.scenes import N_KEYPOINTS


def train_localizer(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    classes: list[str],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the localiser with the composite loss (early stopping on ``val_loss``, the
    learning rate halved on a plateau).

    Every epoch sees each training scene shifted and with its colour channels permuted
    at random when ``config.augment`` (no mirror: it would swap left and right
    landmarks).

    Returns:
        The model (best epoch's weights) and its history.
    """
    import keras

    from dl_pipelines.nn.training import training_scope
    from dl_pipelines.pipelines.localization.model import build_localizer, localization_loss
    from dl_pipelines.runtime.seeding import seed_everything
    from dl_pipelines.vision.scene_batches import fit_on_scenes

    seed_everything(seed)
    size = tuple(int(v) for v in train["image_size"])
    with training_scope(config):
        model = build_localizer(
            size, len(classes), N_KEYPOINTS, arch.filters, arch.dense_units, arch.dropout
        )
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss=localization_loss(
                len(classes), N_KEYPOINTS, config.box_weight, config.landmark_weight
            ),
        )

        def targets(boxes, labels, _mask, points) -> np.ndarray:
            return encode_one(boxes, labels, points, size, len(classes))

        validation = (val["images"].astype("float32"), encode_targets(val, len(classes)))
        history = fit_on_scenes(model, train, validation, targets, config, seed, flip=False)
    return model, history
