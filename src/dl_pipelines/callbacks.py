"""Keras callbacks shared by the training nodes."""

from __future__ import annotations

import logging
import time
from typing import Any

import keras

from dl_pipelines.tracking import log_metrics_to_active_run

logger = logging.getLogger(__name__)


def _metric_name(keras_name: str) -> str:
    """``loss`` → ``train_loss``; ``val_loss`` stays ``val_loss``."""
    return keras_name if keras_name.startswith("val_") else f"train_{keras_name}"


class MlflowMetricsCallback(keras.callbacks.Callback):
    """Logs every epoch's training and validation metrics to the active MLflow run.

    Metric keys are ``train_<name>`` and ``val_<name>`` with ``step`` = epoch number
    (from 0), so the MLflow UI draws one curve per metric while training runs. Without
    an active run (a node called from a test or a notebook) it only logs a line.
    """

    def __init__(self, suffix: str = "") -> None:
        """``suffix`` is appended to every key (``train_loss_2`` for a second model)."""
        super().__init__()
        self._started = 0.0
        self._suffix = suffix

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = {_metric_name(k) + self._suffix: float(v) for k, v in (logs or {}).items()
                   if k != "learning_rate"}
        metrics["epoch_seconds" + self._suffix] = time.perf_counter() - self._started
        log_metrics_to_active_run(metrics, step=epoch)
        total = self.params.get("epochs") if self.params else None
        logger.info(
            "epoch %d/%s: %s", epoch + 1, total or "?",
            ", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items())),
        )
