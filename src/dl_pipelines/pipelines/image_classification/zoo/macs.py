"""Multiply-accumulates of one forward pass, the zoo's cost measure beside the parameter
count."""

from __future__ import annotations

import math
from typing import Any

from dl_pipelines.pipelines.image_classification.zoo.base import import_keras


def estimate_macs(model: Any) -> int:
    """Multiply-accumulates of one forward pass, counted over conv and dense layers.

    Conv2D: H_out·W_out·C_out·k_h·k_w·C_in/groups; DepthwiseConv2D:
    H_out·W_out·C_in·m·k_h·k_w; Dense: (positions)·n_in·n_out. Nested models are
    counted through. Batch norm, pooling and activations are left out (small).
    """
    keras = import_keras()
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += estimate_macs(layer)
            continue
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += h * w * c * kh * kw
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            c_in = layer.input.shape[-1]
            total += h * w * c_out * kh * kw * c_in // layer.groups
        elif isinstance(layer, keras.layers.Dense):
            n_in = layer.input.shape[-1]
            positions = math.prod(d for d in layer.input.shape[1:-1] if d)
            total += positions * n_in * layer.units
    return int(total)
