"""Training of the encoder: the triplet loss with online mining on P×K batches.

Keras is imported inside the functions, so listing or drawing the pipelines stays fast.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import numpy as np

from dl_pipelines.pipelines.faces.params import ModelParams, TrainingParams

logger = logging.getLogger(__name__)


def augment_crops(
    x: np.ndarray, generator: np.random.Generator, flip: bool, shift: int, brightness: float
) -> np.ndarray:
    """Online augmentation of a batch of face crops, for any data (not only the default set).

    Each crop is mirrored with probability ½ (``flip``), moved by up to ``shift`` pixels
    (border pixels repeated) and scaled in brightness by up to ± ``brightness``.
    """
    out = np.empty_like(x)
    height, width = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="edge")
    for n in range(len(x)):
        top, left = generator.integers(0, 2 * shift + 1, size=2)
        image = padded[n, top : top + height, left : left + width]
        if flip and generator.random() < 0.5:
            image = image[:, ::-1]
        out[n] = image
    if brightness > 0:
        gains = 1.0 + generator.uniform(-brightness, brightness, size=(len(x), 1, 1, 1))
        out = np.clip(out.astype(np.float32) * gains, 0, 255).astype(x.dtype)
    return out


def new_encoder(arch: ModelParams, input_shape: tuple[int, ...], name: str = "face_encoder") -> Any:
    """A freshly initialised encoder of the ``faces.model`` architecture."""
    from dl_pipelines.pipelines.faces.model import build_encoder

    return build_encoder(
        tuple(input_shape),
        arch.stem_filters,
        arch.stage_filters,
        arch.block,
        arch.embedding_dim,
        arch.dropout,
        name=name,
    )


def _integer_labels(persons: np.ndarray) -> np.ndarray:
    return np.unique(persons, return_inverse=True)[1].astype("int32")


def train_encoder(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the encoder with the triplet loss and online mining on P×K batches.

    The validation loss is the same triplet loss on batches of the validation people
    (never seen in training); every epoch's ``train_loss`` / ``val_loss`` goes to
    MLflow. Early stopping restores the weights of the best validation loss.

    With ``faces.model.ensemble`` = n > 1, n encoders are trained from the seeds
    ``seed … seed + n − 1`` and joined into one model whose f(x) is their mean,
    renormalised (:func:`.model.build_ensemble`); member i's curves are ``loss_i`` and
    ``val_loss_i`` (``train_loss_i`` in MLflow), the first member's keep the plain names.
    """
    from dl_pipelines.pipelines.faces.model import build_ensemble

    members, history = [], {}
    for member in range(arch.ensemble):
        suffix = f"_{member + 1}" if member else ""
        encoder, member_history = _train_one_encoder(
            train, val, arch, config, seed + member, name=f"face_encoder{suffix}", suffix=suffix
        )
        members.append(encoder)
        history.update({f"{k}{suffix}": v for k, v in member_history.items()})
        if arch.ensemble > 1:
            logger.info(
                "Ensemble member %d of %d trained (best val_loss %.4f).",
                member + 1,
                arch.ensemble,
                min(member_history["val_loss"]),
            )
    return build_ensemble(members), history


def _train_one_encoder(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
    name: str,
    suffix: str,
) -> tuple[Any, dict[str, list[float]]]:
    """One encoder, trained from ``seed``; its MLflow metrics end in ``suffix``."""
    import keras

    from dl_pipelines.nn.training import fit, training_scope
    from dl_pipelines.pipelines.faces.metric_learning import PKBatches, TripletLoss
    from dl_pipelines.runtime.seeding import seed_everything

    seed_everything(seed)
    with training_scope(config):
        encoder = new_encoder(arch, train["images"].shape[1:], name)
        p_train = min(config.identities_per_batch, len(np.unique(train["persons"])))
        p_val = min(config.identities_per_batch, len(np.unique(val["persons"])))
        batches = PKBatches(
            train["images"],
            _integer_labels(train["persons"]),
            p_train,
            config.images_per_identity,
            seed=seed,
            augment=functools.partial(
                augment_crops,
                flip=config.horizontal_flip,
                shift=config.shift_pixels,
                brightness=config.brightness,
            ),
            passes=config.passes_per_epoch,
        )
        validation = PKBatches(
            val["images"],
            _integer_labels(val["persons"]),
            p_val,
            config.images_per_identity,
            seed=seed + 1,
            passes=2,
        )
        rate = config.learning_rate
        if config.cosine_decay:
            rate = keras.optimizers.schedules.CosineDecay(
                config.learning_rate, decay_steps=config.epochs * len(batches), alpha=0.02
            )
        encoder.compile(
            optimizer=keras.optimizers.Adam(rate), loss=TripletLoss(config.margin, config.mining)
        )
        logger.info(
            "Training %s (%d parameters) with %s mining on %d people (%d images), "
            "batches of P=%d × K=%d.",
            encoder.name,
            encoder.count_params(),
            config.mining,
            p_train and len(np.unique(train["persons"])),
            len(train["images"]),
            p_train,
            config.images_per_identity,
        )
        return encoder, fit(encoder, batches, validation, config, metric_suffix=suffix)
