"""A LiteRT (TensorFlow Lite) model behind one ``predict(x) -> y`` call."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class LiteRTError(ValueError):
    """A ``.tflite`` file that cannot be loaded or run."""


class LiteRTModel:
    """One-input, one-output LiteRT model; batches are run one example at a time.

    The exports of the shipping pipeline have a fixed batch of 1 (recurrent layers
    convert to built-in LiteRT ops only with a static batch), so :meth:`predict`
    loops over the rows of ``x``. Integer inputs and outputs (a fully int8 model
    converted with ``inference_input_type=int8``) are quantised and dequantised with
    the tensors' own scale and zero point, so callers always pass and get floats.

    Args:
        model: Path to a ``.tflite`` file, or its bytes.
        threads: Interpreter threads (``None``: LiteRT's default).
    """

    def __init__(self, model: str | Path | bytes, threads: int | None = None) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as error:
            raise LiteRTError(f"Running a .tflite model needs the LiteRT interpreter: "
                              f"`pip install ai-edge-litert` ({error}).") from error

        self.name = "<bytes>" if isinstance(model, bytes | bytearray) else str(model)
        if isinstance(model, str | Path):
            path = Path(model)
            if not path.is_file():
                raise LiteRTError(f"No LiteRT model at '{path}': export one with "
                                  "`kedro run --pipelines shipping --params model=<name>`.")
            content = path.read_bytes()
        else:
            content = bytes(model)
        if not content:
            raise LiteRTError(f"'{self.name}' is empty (0 bytes); re-export it with the "
                              "shipping pipeline.")
        try:
            self._interpreter = Interpreter(model_content=content, num_threads=threads)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise LiteRTError(f"'{self.name}' is not a valid LiteRT model ({error}); "
                              "re-export it with the shipping pipeline.") from error
        inputs = self._interpreter.get_input_details()
        outputs = self._interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise LiteRTError(f"'{self.name}' has {len(inputs)} inputs and {len(outputs)} "
                              "outputs; LiteRTModel runs one-input, one-output models.")
        self._input, self._output = inputs[0], outputs[0]

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The model's input shape, batch included (``(1, …)``)."""
        return tuple(int(d) for d in self._input["shape"])

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The model's output shape, batch included (``(1, …)``)."""
        return tuple(int(d) for d in self._output["shape"])

    @property
    def input_dtype(self) -> np.dtype:
        return np.dtype(self._input["dtype"])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs for a batch ``x`` of shape ``(n, *input_shape[1:])``, as float32."""
        x = np.asarray(x, dtype=np.float32)
        expected = self.input_shape[1:]
        if x.shape[1:] != expected:
            raise LiteRTError(f"'{self.name}' takes inputs of shape (n, "
                              f"{', '.join(map(str, expected))}), got {x.shape}.")
        rows = [self._invoke(row[None]) for row in x]
        if not rows:
            return np.zeros((0, *self.output_shape[1:]), dtype=np.float32)
        return np.concatenate(rows)

    def _invoke(self, row: np.ndarray) -> np.ndarray:
        data = _quantise(row, self._input)
        self._interpreter.set_tensor(self._input["index"], data)
        self._interpreter.invoke()
        return _dequantise(self._interpreter.get_tensor(self._output["index"]), self._output)


def _quantise(x: np.ndarray, detail: dict) -> np.ndarray:
    dtype = np.dtype(detail["dtype"])
    if dtype.kind == "f":
        return x.astype(dtype)
    scale, zero = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale + zero), info.min, info.max).astype(dtype)


def _dequantise(y: np.ndarray, detail: dict) -> np.ndarray:
    if np.dtype(detail["dtype"]).kind == "f":
        return y.astype(np.float32)
    scale, zero = detail["quantization"]
    return ((y.astype(np.float32) - zero) * scale).astype(np.float32)
