"""Training the U-Net of ``unet.py`` on freshly augmented scene batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from dl_pipelines.pipelines.segmentation.params import ModelParams, TrainingParams


def train_unet(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    classes: list[str],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the U-Net with cross-entropy + Dice (early stopping on ``val_loss``, the
    learning rate halved on a plateau).

    Every epoch sees each training scene in a new random variant (mirror, shift,
    colour-channel permutation) when ``config.augment``.

    Returns:
        The model (best epoch's weights) and its history (loss and pixel accuracy).
    """
    import keras

    from dl_pipelines.nn.training import training_scope
    from dl_pipelines.pipelines.segmentation.unet import build_unet, cross_entropy_dice_loss
    from dl_pipelines.runtime.seeding import seed_everything
    from dl_pipelines.vision.scene_batches import fit_on_scenes

    seed_everything(seed)
    with training_scope(config):
        model = build_unet(
            tuple(int(v) for v in train["image_size"]), len(classes) + 1, arch.depth, arch.width
        )
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss=cross_entropy_dice_loss(config.dice_weight),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="pixel_accuracy")],
        )

        def targets(_boxes, _classes, mask, _keypoints) -> np.ndarray:
            return mask.astype("int32")

        validation = (val["images"].astype("float32"), val["masks"].astype("int32"))
        return model, fit_on_scenes(model, train, validation, targets, config, seed)
