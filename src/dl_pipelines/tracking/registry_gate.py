"""The registry gate of a training pipeline: a model is registered only if it is good enough."""

from __future__ import annotations

import math


class RegistryGateError(ValueError):
    """A trained model misses its registry threshold: the run fails, nothing is registered."""


def require(
    metric: str,
    value: float,
    limit: float,
    parameter: str,
    *,
    at_most: bool = False,
    hint: str = "",
) -> None:
    """Raise :class:`RegistryGateError` when ``value`` is below ``limit`` (above it, with
    ``at_most``) or is not a number (a diverged model's NaN compares as passing either
    way), naming the metric, the parameter that sets the limit and ``hint``.

    Args:
        metric: The metric's name, e.g. ``test_accuracy``.
        value: The run's figure.
        limit: The threshold.
        parameter: The parameter holding the threshold, e.g.
            ``day_night.registry.min_test_accuracy``.
        at_most: The figure must not exceed the limit (an error rate).
        hint: What a user should look at, appended to the message.
    """
    if not math.isfinite(value):
        raise RegistryGateError(
            f"{metric} is {value}: the model diverged or was not evaluated, and is not "
            f"registered.{' ' + hint if hint else ''}"
        )
    failed = value > limit if at_most else value < limit
    if failed:
        side = "above" if at_most else "below"
        raise RegistryGateError(
            f"{metric} {value:.4f} is {side} {parameter} {limit}: the model is not "
            f"registered.{' ' + hint if hint else ''}"
        )
