"""The inputs every export is built and checked with: taken from the model's data,
checked against its registered signature, fitted to the export's input length."""

from __future__ import annotations

import numpy as np

from dl_pipelines.datasets.mlflow_registry import RegisteredModel


def take(data: dict[str, np.ndarray], key: str, limit: int, what: str) -> np.ndarray:
    """The first ``limit`` examples of ``data[key]`` as float32.

    Raises:
        ValueError: when ``data`` has no array ``key`` or it is empty.
    """
    if key not in data:
        raise ValueError(
            f"The {what} data has no array '{key}' (it has {sorted(data)}): fix "
            "shipping.models.<model>.input_key."
        )
    x = np.asarray(data[key][:limit], dtype=np.float32)
    if len(x) == 0:
        raise ValueError(f"The {what} data is empty: run the model's training pipeline.")
    return x


def check_shape(registered: RegisteredModel, shape: tuple[int, ...]) -> None:
    """The data must fit the registered signature (-1 = any size)."""
    expected = registered.signature.inputs.inputs[0].shape[1:]
    if len(expected) != len(shape) or any(
        e not in (-1, s) for e, s in zip(expected, shape, strict=False)
    ):
        raise ValueError(
            f"{registered.uri} takes inputs of shape (batch, "
            f"{', '.join(map(str, expected))}) but its data has examples of "
            f"shape {shape}: the model and the data are from different runs."
        )


def fit_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inputs cut or zero-padded along the time axis to the export's input length.

    A keyword detector is exported at its scoring window (``trigger_word_detect``'s
    ``window_seconds``), which may differ by a few frames from the 10 s examples of
    its data; parity compares every format on the same fitted inputs.
    """
    if x.shape[1:] == tuple(shape):
        return x
    frames = shape[0]
    out = np.zeros((len(x), *shape), dtype=np.float32)
    out[:, : min(frames, x.shape[1])] = x[:, :frames]
    return out
