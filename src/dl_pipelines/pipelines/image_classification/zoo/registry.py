"""The zoo's builders by name, as a member's ``builder`` key in
``conf/base/parameters_image_classification.yml`` names them, and :func:`build`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from dl_pipelines.pipelines.image_classification.zoo.classic import alexnet, lenet5, vgg
from dl_pipelines.pipelines.image_classification.zoo.dense import linear, mlp
from dl_pipelines.pipelines.image_classification.zoo.mobile import (
    efficientnet,
    mobilenet_v1,
    mobilenet_v2,
)
from dl_pipelines.pipelines.image_classification.zoo.modern import inception, resnet

#: Builder name (the ``builder`` key of a zoo member in the parameters) → function.
BUILDERS: dict[str, Callable[..., Any]] = {
    "linear": linear,
    "mlp": mlp,
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg": vgg,
    "resnet": resnet,
    "inception": inception,
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet": efficientnet,
}


def build(builder: str, input_shape: Sequence[int], num_classes: int, **options: Any) -> Any:
    """Build zoo member ``builder`` with ``options`` (its keyword arguments).

    Raises:
        ValueError: for an unknown builder or option, naming the valid ones.
    """
    if builder not in BUILDERS:
        raise ValueError(f"Unknown model builder '{builder}'; choose one of {sorted(BUILDERS)}.")
    function = BUILDERS[builder]
    accepted = set(inspect.signature(function).parameters) - {"input_shape", "num_classes"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(
            f"Builder '{builder}' has no option(s) {unknown}; it accepts {sorted(accepted)}."
        )
    return function(input_shape=input_shape, num_classes=num_classes, **options)
