"""Keras callbacks shared by the training nodes."""

from __future__ import annotations

import logging
import time
from typing import Any

import keras

from dl_pipelines.tracking.runs import log_metrics_to_active_run

logger = logging.getLogger(__name__)


def _metric_name(keras_name: str, prefix: str = "") -> str:
    """``loss`` → ``train_loss``; ``val_loss`` stays ``val_loss``; with ``prefix``
    ``pair_``: ``train_pair_loss``, ``val_pair_loss``."""
    split, name = (
        ("val", keras_name[4:]) if keras_name.startswith("val_") else ("train", keras_name)
    )
    return f"{split}_{prefix}{name}"


class MlflowMetricsCallback(keras.callbacks.Callback):
    """Logs every epoch's training and validation metrics to the active MLflow run.

    Metric keys are ``train_<name>`` and ``val_<name>`` with ``step`` = epoch number
    (from 0), so the MLflow UI draws one curve per metric while training runs. Without
    an active run (a node called from a test or a notebook) it only logs a line.
    """

    def __init__(self, suffix: str = "", prefix: str = "") -> None:
        """``suffix`` is appended to every key (``train_loss_2`` for a second model);
        ``prefix`` names a second model's curves in the same run (``train_pair_loss``,
        ``pair_epoch_seconds``), so no two models write one series."""
        super().__init__()
        self._started = 0.0
        self._suffix = suffix
        self._prefix = prefix

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = {
            _metric_name(k, self._prefix) + self._suffix: float(v)
            for k, v in (logs or {}).items()
            if k != "learning_rate"
        }
        metrics[f"{self._prefix}epoch_seconds{self._suffix}"] = time.perf_counter() - self._started
        log_metrics_to_active_run(metrics, step=epoch)
        total = self.params.get("epochs") if self.params else None
        logger.info(
            "epoch %d/%s: %s",
            epoch + 1,
            total or "?",
            ", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items())),
        )


class WeightAveraging(keras.callbacks.Callback):
    """Stochastic weight averaging over the last epochs of a run.

    The weights at the end of each of the last ``last_epochs`` epochs (of the
    ``epochs`` that ``fit`` was asked for) are summed; when training ends the model
    gets their mean. Batch-norm moving statistics are averaged like the other weights
    (they are averages already). Weights that are not floating point (none in the
    usual layers) keep their last value. With early stopping before the window opens
    nothing is averaged and the model is left as it is.

    Toward the end of a decaying learning-rate schedule the weights move around a
    minimum; their mean lies nearer its centre than any one of them, and generalises
    better than the last epoch (Izmailov et al., 2018, "Averaging weights leads to
    wider optima and better generalization").
    """

    def __init__(self, last_epochs: int) -> None:
        super().__init__()
        if last_epochs < 1:
            raise ValueError(f"last_epochs must be at least 1, got {last_epochs}.")
        self.last_epochs = last_epochs
        self.averaged = 0
        self._sums: list | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.averaged, self._sums = 0, None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        epochs = (self.params or {}).get("epochs") or 0
        if epoch < epochs - self.last_epochs:
            return
        weights = self.model.get_weights()
        if self._sums is None:
            self._sums = [w.astype("float64") if w.dtype.kind == "f" else w.copy() for w in weights]
        else:
            for i, w in enumerate(weights):
                self._sums[i] = self._sums[i] + w if w.dtype.kind == "f" else w.copy()
        self.averaged += 1

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self.averaged:
            return
        current = self.model.get_weights()
        self.model.set_weights(
            [
                (total / self.averaged).astype(w.dtype) if w.dtype.kind == "f" else total
                for total, w in zip(self._sums, current, strict=True)
            ]
        )
        logger.info("Weights averaged over the last %d epoch(s).", self.averaged)
