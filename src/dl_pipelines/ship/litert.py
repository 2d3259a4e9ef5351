"""A LiteRT (TensorFlow Lite) model behind one ``predict(x) -> y`` call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
        self.name, self._interpreter = _interpreter(model, threads)
        inputs = self._interpreter.get_input_details()
        outputs = self._interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise LiteRTError(
                f"'{self.name}' has {len(inputs)} inputs and {len(outputs)} "
                "outputs; LiteRTModel runs one-input, one-output models."
            )
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
            raise LiteRTError(
                f"'{self.name}' takes inputs of shape (n, "
                f"{', '.join(map(str, expected))}), got {x.shape}."
            )
        rows = [self._invoke(row[None]) for row in x]
        if not rows:
            return np.zeros((0, *self.output_shape[1:]), dtype=np.float32)
        return np.concatenate(rows)

    def _invoke(self, row: np.ndarray) -> np.ndarray:
        data = _quantise(row, self._input)
        self._interpreter.set_tensor(self._input["index"], data)
        self._interpreter.invoke()
        return _dequantise(self._interpreter.get_tensor(self._output["index"]), self._output)


class StreamingLiteRTModel:
    """A keyword detector exported as one streaming **step**: a chunk of spectrogram
    frames and the GRU states in, the chunk's scores and the new states out.

    The step model (``exports.streaming_step_model``) holds no loop, so LiteRT runs it
    with its fast built-in kernels; the loop over chunks is here. Fed the chunks of a
    signal in order, starting from zero states, it gives exactly the scores of the
    whole-sequence model. A live-audio app calls :meth:`step` as frames arrive (one
    chunk of ``chunk_steps`` output steps); :meth:`predict` runs whole windows
    ``(n, frames, freqs)`` → ``(n, steps, 1)``, each from zero states, as the
    whole-sequence model and ``trigger_word_detect`` score them.

    Args:
        model: Path to the step model's ``.tflite`` file, or its bytes.
        kernel, stride: The detector's Conv1D (frames → output steps).
        threads: Interpreter threads (``None``: LiteRT's default).
    """

    def __init__(
        self, model: str | Path | bytes, kernel: int, stride: int, threads: int | None = None
    ) -> None:
        self.name, self._interpreter = _interpreter(model, threads)
        self.kernel, self.stride = int(kernel), int(stride)
        # inputs in argument order: frames, then one state per GRU; outputs likewise
        self._inputs = sorted(self._interpreter.get_input_details(), key=lambda d: d["index"])
        self._outputs = sorted(
            self._interpreter.get_output_details(), key=lambda d: _output_order(d["name"])
        )
        if len(self._inputs) < 2 or len(self._inputs) != len(self._outputs):
            raise LiteRTError(
                f"'{self.name}' has {len(self._inputs)} inputs and "
                f"{len(self._outputs)} outputs: it is not a streaming step "
                "model (frames + states in, scores + states out)."
            )
        self.chunk_frames, self.freqs = (int(d) for d in self._inputs[0]["shape"][1:])
        self.chunk_steps = int(self._outputs[0]["shape"][1])
        if (self.chunk_steps - 1) * self.stride + self.kernel != self.chunk_frames:
            raise LiteRTError(
                f"'{self.name}' reads {self.chunk_frames} frames for "
                f"{self.chunk_steps} steps, which a Conv1D of kernel "
                f"{self.kernel} and stride {self.stride} does not: check the "
                "detector section of its model.json."
            )

    def initial_states(self) -> list[np.ndarray]:
        """Zero GRU states: the start of a signal."""
        return [np.zeros(tuple(int(d) for d in d_["shape"]), np.float32) for d_ in self._inputs[1:]]

    def step(
        self, frames: np.ndarray, states: list[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Scores ``(chunk_steps,)`` of one chunk ``(chunk_frames, freqs)`` and the next
        states. Consecutive chunks start ``chunk_steps · stride`` frames apart."""
        for detail, value in zip(self._inputs, [frames[None], *states], strict=True):
            self._interpreter.set_tensor(
                detail["index"], _quantise(np.asarray(value, np.float32), detail)
            )
        self._interpreter.invoke()
        out = [_dequantise(self._interpreter.get_tensor(d["index"]), d) for d in self._outputs]
        return out[0][0, :, 0], out[1:]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores ``(n, steps, 1)`` of spectrograms ``x`` ``(n, frames, freqs)``."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 3 or x.shape[2] != self.freqs or x.shape[1] < self.kernel:
            raise LiteRTError(
                f"'{self.name}' takes spectrograms (n, ≥ {self.kernel} frames, "
                f"{self.freqs}), got {x.shape}."
            )
        steps = (x.shape[1] - self.kernel) // self.stride + 1
        chunks = -(-steps // self.chunk_steps)
        hop = self.chunk_steps * self.stride
        padded = np.zeros((x.shape[1] + chunks * hop + self.chunk_frames, self.freqs), np.float32)
        out = np.empty((len(x), steps, 1), np.float32)
        for row, frames in enumerate(x):
            padded[: len(frames)] = frames
            states = self.initial_states()
            scores = []
            for c in range(chunks):
                chunk, states = self.step(padded[c * hop : c * hop + self.chunk_frames], states)
                scores.append(chunk)
            out[row, :, 0] = np.concatenate(scores)[:steps]
        return out


def _interpreter(model: str | Path | bytes, threads: int | None) -> tuple[str, Any]:
    """``(name, allocated interpreter)`` of a ``.tflite`` path or its bytes."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as error:
        raise LiteRTError(
            f"Running a .tflite model needs the LiteRT interpreter: "
            f"`pip install ai-edge-litert` ({error})."
        ) from error

    name = "<bytes>" if isinstance(model, bytes | bytearray) else str(model)
    if isinstance(model, str | Path):
        path = Path(model)
        if not path.is_file():
            raise LiteRTError(
                f"No LiteRT model at '{path}': export one with "
                "`kedro run --pipelines shipping --params model=<name>`."
            )
        content = path.read_bytes()
    else:
        content = bytes(model)
    if not content:
        raise LiteRTError(f"'{name}' is empty (0 bytes); re-export it with the shipping pipeline.")
    try:
        interpreter = Interpreter(model_content=content, num_threads=threads)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        raise LiteRTError(
            f"'{name}' is not a valid LiteRT model ({error}); "
            "re-export it with the shipping pipeline."
        ) from error
    return name, interpreter


def _output_order(name: str) -> int:
    """Outputs of a converted function are ``Identity``, ``Identity_1``, … in order."""
    tail = name.rsplit("_", 1)[-1]
    return int(tail) if name.startswith("Identity_") and tail.isdigit() else 0


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
