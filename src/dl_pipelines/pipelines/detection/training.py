"""Training the YOLO-style detector of ``yolo.py`` on freshly augmented scene batches."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dl_pipelines.pipelines.detection.data import encode_scene, encode_split
from dl_pipelines.pipelines.detection.params import ModelParams, TrainingParams

logger = logging.getLogger(__name__)


def train_detector(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    spec: dict[str, Any],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the detector with the YOLO loss (early stopping on ``val_loss``, the learning
    rate halved on a plateau).

    Every epoch sees each training scene in a new random variant (mirror, shift,
    colour-channel permutation) when ``config.augment``, its targets re-encoded.

    Returns:
        The model (best epoch's weights) and its history.
    """
    import keras

    from dl_pipelines.nn.training import training_scope
    from dl_pipelines.pipelines.detection.yolo import build_detector, yolo_loss
    from dl_pipelines.runtime.seeding import seed_everything
    from dl_pipelines.vision.scene_batches import fit_on_scenes

    seed_everything(seed)
    val_targets, dropped = encode_split(val, spec)
    if dropped:
        logger.warning("%d validation boxes share a cell and anchor with another box.", dropped)
    with training_scope(config):
        model = build_detector(
            tuple(spec["image_size"]),
            arch.grid,
            arch.anchors,
            len(spec["classes"]),
            arch.filters,
            arch.head_filters,
        )
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss=yolo_loss(config.lambda_coord, config.lambda_noobj),
        )

        def targets(boxes, classes, _mask, _keypoints) -> np.ndarray:
            return encode_scene(boxes, classes, spec)[0]

        validation = (val["images"].astype("float32"), val_targets)
        return model, fit_on_scenes(model, train, validation, targets, config, seed)
