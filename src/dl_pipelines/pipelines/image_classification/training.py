"""Training of one zoo member: input wrapper, optimiser, schedule, augmentation, MLflow.

Imported by the nodes only when they run (it imports Keras).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import keras
import mlflow
import numpy as np

from dl_pipelines.nn.keras_data import ArrayBatches
from dl_pipelines.nn.training import fit, training_scope
from dl_pipelines.pipelines.image_classification import zoo as model_zoo
from dl_pipelines.pipelines.image_classification.linear_losses import CLASSIFICATION_LOSSES
from dl_pipelines.pipelines.image_classification.params import MemberParams, TrainingParams
from dl_pipelines.runtime.seeding import seed_everything
from dl_pipelines.tracking.runs import nested_run

logger = logging.getLogger(__name__)


def input_size(member: MemberParams, data_size: tuple[int, int]) -> tuple[int, int]:
    """The member's input size: its ``image_size``, EfficientNet's γᵠ size, or the data's."""
    if member.image_size is not None:
        return tuple(member.image_size)
    if member.builder == "efficientnet":
        side = model_zoo.efficientnet_input_size(
            member.options.get("phi", 0.0), gamma=member.options.get("gamma", 1.15)
        )
        return side, side
    return tuple(data_size)


def build_member(
    name: str, member: MemberParams, data_shape: tuple[int, int, int], num_classes: int
) -> tuple[Any, Any]:
    """The zoo model wrapped to take raw pixels of the data set's size.

    Returns:
        ``(model, core)``: ``model`` = input (0–255) → rescale to [0, 1] → resize to the
        member's input size → ``core`` (the zoo builder's model, nested).
    """
    size = input_size(member, data_shape[:2])
    core = model_zoo.build(member.builder, (*size, data_shape[-1]), num_classes, **member.options)
    inputs = keras.Input(data_shape, name="pixels")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    if tuple(size) != tuple(data_shape[:2]):
        x = keras.layers.Resizing(*size, interpolation="bilinear", name="resize")(x)
    return keras.Model(inputs, core(x), name=name), core


def shift_and_flip(max_shift: int, flip: bool):
    """Augmentation: random translation by up to ``max_shift`` pixels (zero fill) and an
    optional left-right mirror, drawn per image."""

    def augment(x: np.ndarray, generator: np.random.Generator) -> np.ndarray:
        out = np.zeros_like(x)
        h, w = x.shape[1:3]
        shifts = generator.integers(-max_shift, max_shift + 1, size=(len(x), 2))
        for i, (dy, dx) in enumerate(shifts):
            src = x[i, max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
            out[
                i, max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]
            ] = src
        if flip:
            mirror = generator.random(len(x)) < 0.5
            out[mirror] = out[mirror, :, ::-1]
        return out

    return augment


def make_optimizer(config: TrainingParams, steps_per_epoch: int) -> Any:
    """Adam or SGD with momentum, at a constant rate or on a cosine decay over all epochs."""
    rate: Any = config.learning_rate
    if config.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=max(1, config.epochs * steps_per_epoch)
        )
    if config.optimizer == "adam":
        return keras.optimizers.Adam(rate)
    return keras.optimizers.SGD(rate, momentum=config.momentum, nesterov=True)


@contextlib.contextmanager
def member_run(name: str) -> Iterator[str | None]:
    """A nested MLflow run for one member under the pipeline's run, with its
    reproducibility tags (none without a run)."""
    with nested_run(name) as run_id:
        yield run_id


def log_to_member_run(run_id: str | None, metrics: dict[str, float]) -> None:
    """Log ``metrics`` to a member's nested run after it has ended (no-op without one)."""
    if run_id is None:
        return
    client = mlflow.MlflowClient()
    for key, value in metrics.items():
        client.log_metric(run_id, key, float(value))


def train_member(
    name: str,
    member: MemberParams,
    config: TrainingParams,
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    num_classes: int,
    seed: int,
) -> tuple[Any, dict[str, Any]]:
    """Compile and fit one member with :func:`~dl_pipelines.nn.training.fit` (early
    stopping on ``config.monitor``, best weights restored).

    Returns:
        The trained model and its summary for the comparison table.
    """
    seed_everything(seed)
    data_shape = tuple(train["images"].shape[1:])
    with training_scope(config):
        model, core = build_member(name, member, data_shape, num_classes)
        batches = ArrayBatches(
            train["images"],
            train["labels"],
            config.batch_size,
            shuffle=True,
            seed=seed,
            augment=(
                shift_and_flip(config.shift_pixels, config.horizontal_flip)
                if config.shift_pixels or config.horizontal_flip
                else None
            ),
        )
        validation = ArrayBatches(val["images"], val["labels"], 512)
        model.compile(
            optimizer=make_optimizer(config, len(batches)),
            loss=CLASSIFICATION_LOSSES[member.loss],
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
        params_count = int(model.count_params())
        macs = model_zoo.estimate_macs(core)
        logger.info(
            "%s: %s with %s loss at %s, %d parameters, %.2f M MACs",
            name,
            member.builder,
            member.loss,
            "×".join(map(str, core.input_shape[1:3])),
            params_count,
            macs / 1e6,
        )
        with member_run(name) as run_id:
            if run_id is not None:
                mlflow.log_params(
                    {
                        "builder": member.builder,
                        "loss": member.loss,
                        "input_size": list(core.input_shape[1:3]),
                        **{f"options.{k}": v for k, v in member.options.items()},
                        **{f"training.{k}": v for k, v in asdict(config).items()},
                    }
                )
                mlflow.log_metrics({"params_count": params_count, "macs": macs})
            started = time.perf_counter()
            history = fit(model, batches, validation, config, monitor=config.monitor)
            seconds = time.perf_counter() - started
            if run_id is not None:
                mlflow.log_metric("train_seconds", seconds)
    summary = {
        "builder": member.builder,
        "loss": member.loss,
        "input_size": list(core.input_shape[1:3]),
        "params_count": params_count,
        "macs": macs,
        "train_seconds": seconds,
        "epochs_run": len(history.get("loss", [])),
        "history": history,
        "mlflow_run_id": run_id,
    }
    return model, summary


def linear_templates(model: Any) -> np.ndarray:
    """The class templates of a (wrapped) linear member: ``(classes, h, w)`` (channels
    averaged)."""
    core = model.layers[-1] if isinstance(model.layers[-1], keras.Model) else model
    kernel = np.asarray(core.get_layer("logits").kernel)
    h, w, c = core.input_shape[1:]
    return kernel.T.reshape(-1, h, w, c).mean(axis=-1)
