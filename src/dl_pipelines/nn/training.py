"""One way to train a Keras model: the parameters every training section shares and ``fit``.

Every training node builds its model and its batches, then calls :func:`fit`, which adds
the standard callbacks (early stopping on the validation loss with the best epoch
restored, optionally halving the learning rate on a plateau, the MLflow metrics of each
epoch) and returns the history as plain lists of floats, ready for a JSON dataset.

Models are built and trained inside :func:`training_scope`, which spreads each batch over
every local accelerator (``training.distribution``: Keras 3's data parallelism on the
JAX backend) or does nothing on one device.

A pipeline's ``training`` section is a dataclass derived from :class:`FitParams`, so the
shared keys are checked in one place::

    @dataclass(frozen=True, kw_only=True)
    class TrainingParams(FitParams):
        batch_size: int
        augment: bool
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

MONITORS = ("val_loss", "val_accuracy")
#: ``training.distribution``: ``auto`` = data parallel when the JAX backend sees two or
#: more devices, else one device; ``none`` = one device; ``data_parallel`` = every
#: local device (JAX backend only).
DISTRIBUTIONS = ("auto", "none", "data_parallel")
#: ``training.precision``: Keras dtype policies. The mixed ones compute in 16 bits and keep
#: the weights in float32; ``mixed_bfloat16`` needs no loss scaling (GPUs from Ampere on,
#: TPUs), ``mixed_float16`` is scaled by Keras' optimizer wrapper.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@dataclass(frozen=True, kw_only=True)
class FitParams:
    """The keys of every ``<pipeline>.training`` section.

    Attributes:
        epochs: The most epochs to train.
        learning_rate: The optimiser's (initial) learning rate.
        early_stopping_patience: Epochs without a better ``monitor`` before training
            stops; the best epoch's weights are restored.
        verbose: Keras' own progress output (0: none; a log line per epoch is written
            in any case).
        distribution: ``auto``, ``none`` or ``data_parallel`` (see
            :func:`training_scope`).
        precision: ``float32`` or a mixed policy of :data:`PRECISIONS`, for the layers
            built inside :func:`training_scope`.
    """

    epochs: int
    learning_rate: float
    early_stopping_patience: int
    verbose: int = 0
    distribution: str = "auto"
    precision: str = "float32"

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.early_stopping_patience < 0:
            raise ValueError(
                f"early_stopping_patience must be >= 0, got {self.early_stopping_patience}"
            )
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}"
            )
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {self.distribution!r}"
            )


@dataclass(frozen=True, kw_only=True)
class BatchFitParams(FitParams):
    """:class:`FitParams` for a model trained on batches of a fixed size."""

    batch_size: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


def choose_distribution(mode: str, batch_size: int | None = None) -> Any | None:
    """The ``keras.distribution.DataParallel`` that ``mode`` asks for, or ``None``.

    Args:
        mode: One of :data:`DISTRIBUTIONS`.
        batch_size: The global batch, split evenly over the devices; checked when given.

    Raises:
        ValueError: ``data_parallel`` on another backend than JAX, or a batch that the
            devices cannot share evenly.
    """
    import keras

    if mode not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {mode!r}")
    if mode == "none":
        return None
    backend = keras.backend.backend()
    if backend != "jax":
        if mode == "data_parallel":
            raise ValueError(
                f"training.distribution: data_parallel needs the JAX backend, and this run "
                f"uses {backend}. Run with KERAS_BACKEND=jax (pip install -e '.[jax]'), or "
                "set training.distribution to auto or none."
            )
        return None
    devices = keras.distribution.list_devices()
    if mode == "auto" and len(devices) < 2:
        return None
    if batch_size is not None and batch_size % len(devices):
        raise ValueError(
            f"training.batch_size {batch_size} cannot be split evenly over {len(devices)} "
            f"devices ({', '.join(devices)}): use a multiple of {len(devices)}, or set "
            "training.distribution to none."
        )
    return keras.distribution.DataParallel(devices=devices)


@contextlib.contextmanager
def training_scope(params: FitParams) -> Iterator[Any]:
    """Build and train a model inside this block to spread it over the local devices
    and to compute in the precision the parameters ask for.

    With data parallelism every device holds a copy of the weights and computes the
    gradient of its share of each batch (``batch_size`` is the global batch); Keras
    averages them, so one step equals one step on one device with the same batch. A
    mixed precision policy applies to the layers created inside the block; the global
    policy is restored after it. Yields the distribution, or ``None`` (one device).
    """
    import keras

    distribution = choose_distribution(params.distribution, getattr(params, "batch_size", None))
    policy = keras.config.dtype_policy()
    if params.precision != "float32":
        logger.info("Training in %s precision.", params.precision)
        keras.config.set_dtype_policy(params.precision)
    try:
        if distribution is None:
            yield None
            return
        devices = distribution.device_mesh.devices.reshape(-1)
        logger.info(
            "Training data-parallel over %d devices: %s.",
            len(devices),
            ", ".join(map(str, devices)),
        )
        with distribution.scope():
            yield distribution
    finally:
        keras.config.set_dtype_policy(policy)


def fit(
    model: Any,
    data: Any,
    validation: Any,
    params: FitParams,
    *,
    monitor: str = "val_loss",
    reduce_lr_on_plateau: bool = False,
    metric_suffix: str = "",
    extra_callbacks: Sequence[Any] = (),
) -> dict[str, list[float]]:
    """Train a compiled ``model`` with the standard callbacks; return its history.

    Args:
        model: A compiled ``keras.Model``; trained in place.
        data: The training batches (a ``keras.utils.PyDataset`` such as
            :class:`~dl_pipelines.nn.keras_data.ArrayBatches`).
        validation: ``model.fit``'s ``validation_data``.
        params: The training section (epochs, patience, verbosity).
        monitor: ``val_loss`` (lower is better) or ``val_accuracy`` (higher is better),
            watched by early stopping and the plateau schedule.
        reduce_lr_on_plateau: Halve the learning rate after ``patience // 2`` epochs
            (at least 1) without a better ``monitor``.
        metric_suffix: Appended to every MLflow metric key (``train_loss_2`` for the
            second member of an ensemble).
        extra_callbacks: Run after the standard ones (e.g. weight averaging, which must
            come after early stopping has restored the best epoch).

    Returns:
        ``{metric: [value per epoch]}``, the learning rate left out.
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback

    if monitor not in MONITORS:
        raise ValueError(f"monitor must be one of {MONITORS}, got {monitor!r}")
    mode = "min" if monitor == "val_loss" else "max"
    callbacks = [
        keras.callbacks.EarlyStopping(
            monitor=monitor,
            patience=params.early_stopping_patience,
            mode=mode,
            restore_best_weights=True,
        )
    ]
    if reduce_lr_on_plateau:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor,
                mode=mode,
                factor=0.5,
                patience=max(1, params.early_stopping_patience // 2),
            )
        )
    callbacks.append(MlflowMetricsCallback(metric_suffix))
    callbacks.extend(extra_callbacks)
    data, validation = _even_for_devices(data), _even_for_devices(validation)
    history = model.fit(
        data,
        validation_data=validation,
        epochs=params.epochs,
        verbose=params.verbose,
        callbacks=callbacks,
    )
    return {
        key: [float(v) for v in values]
        for key, values in history.history.items()
        if key != "learning_rate"
    }


def _even_for_devices(data: Any) -> Any:
    """Under data parallelism, every batch trimmed to a multiple of the device count.

    Each device takes an equal share of a batch, so a last batch of 27 examples cannot
    be split over 2 devices: the odd example is left out of that step (at most
    ``devices - 1`` examples an epoch). Without a distribution, ``data`` as it is.
    """
    import keras

    distribution = keras.distribution.distribution()
    if distribution is None or data is None:
        return data
    devices = int(distribution.device_mesh.devices.size)
    if devices < 2:
        return data

    def trim(batch: Any) -> Any:
        size = len(keras.tree.flatten(batch)[0])
        keep = size - size % devices
        return keras.tree.map_structure(lambda a: a[:keep], batch)

    if isinstance(data, keras.utils.PyDataset):
        return _trimmed(data, trim)
    return trim(tuple(data))


def _trimmed(inner: Any, trim: Any) -> Any:
    """``inner`` (a ``PyDataset``) with every batch passed through ``trim``."""
    import keras

    class TrimmedBatches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()

        def __len__(self) -> int:
            return len(inner)

        def __getitem__(self, index: int) -> Any:
            return trim(inner[index])

        def on_epoch_end(self) -> None:
            inner.on_epoch_end()

    return TrimmedBatches()
