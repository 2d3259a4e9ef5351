"""One way to train a Keras model: the parameters every training section shares and ``fit``.

Every training node builds its model and its batches, then calls :func:`fit`, which adds
the standard callbacks (early stopping on the validation loss with the best epoch
restored, optionally halving the learning rate on a plateau, the MLflow metrics of each
epoch) and returns the history as plain lists of floats, ready for a JSON dataset.

A pipeline's ``training`` section is a dataclass derived from :class:`FitParams`, so the
shared keys are checked in one place::

    @dataclass(frozen=True, kw_only=True)
    class TrainingParams(FitParams):
        batch_size: int
        augment: bool
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MONITORS = ("val_loss", "val_accuracy")


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
    """

    epochs: int
    learning_rate: float
    early_stopping_patience: int
    verbose: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.early_stopping_patience < 0:
            raise ValueError(
                f"early_stopping_patience must be >= 0, got {self.early_stopping_patience}"
            )


@dataclass(frozen=True, kw_only=True)
class BatchFitParams(FitParams):
    """:class:`FitParams` for a model trained on batches of a fixed size."""

    batch_size: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


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
