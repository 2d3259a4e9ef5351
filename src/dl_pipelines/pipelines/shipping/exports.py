"""One Keras model → the files that ship it: SavedModel, ONNX, LiteRT float / quantised.

Every function takes the model and the shape of **one** input (no batch axis) and
returns bytes (a folder as ``{relative path: bytes}``), so the pipeline's datasets do
all the writing. TensorFlow's converters only work on files and folders; they get a
temporary directory that is gone when the function returns.

LiteRT exports have a fixed batch of 1 and a fixed input shape: a recurrent layer
(the trigger-word GRUs) converts to built-in LiteRT ops only when every shape is
static. They are converted from the model's frozen concrete function: converting the
SavedModel instead leaves the GRU's ``TensorList`` ops, which built-in LiteRT lacks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: File names of the exports, by format (``saved_model`` is a folder).
FILES = {
    "keras": "model.keras",
    "saved_model": "saved_model",
    "onnx": "model.onnx",
    "tflite_float": "model_float.tflite",
    "tflite_dynamic_range": "model_dynamic_range.tflite",
    "tflite_int8": "model_int8.tflite",
    "tflite_streaming_float": "model_streaming_float.tflite",
    "tflite_streaming_dynamic_range": "model_streaming_dynamic_range.tflite",
}
#: LiteRT formats: their quantisation (whole-sequence models).
TFLITE_QUANTISATION = {
    "tflite_float": "float",
    "tflite_dynamic_range": "dynamic_range",
    "tflite_int8": "int8",
}
#: Streaming LiteRT formats (a keyword detector's step model): their quantisation.
STREAMING_QUANTISATION = {
    "tflite_streaming_float": "float",
    "tflite_streaming_dynamic_range": "dynamic_range",
}
#: The name of each LiteRT format in ``model.json``'s ``files``.
VARIANTS = {
    **{fmt: q for fmt, q in TFLITE_QUANTISATION.items()},
    **{fmt: f"streaming_{q}" for fmt, q in STREAMING_QUANTISATION.items()},
}
#: Layers that mix time steps, which a streaming step model cannot hold (only the first
#: 'valid' Conv1D and unidirectional GRUs are carried across chunks).
_TEMPORAL = (
    "Conv1D",
    "LSTM",
    "SimpleRNN",
    "Bidirectional",
    "MaxPooling1D",
    "AveragePooling1D",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "Attention",
    "MultiHeadAttention",
    "Conv1DTranspose",
)


def keras_bytes(model: Any) -> bytes:
    """The model as a ``.keras`` file (the reference every export is compared with)."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / FILES["keras"]
        keras.saving.save_model(model, path)
        return path.read_bytes()


def saved_model_files(model: Any, input_shape: Sequence[int]) -> dict[str, bytes]:
    """A TensorFlow SavedModel (``model.export``) with a ``serve`` signature taking a
    batch of any size: ``{relative path: bytes}`` of the folder."""
    import tensorflow as tf

    spec = tf.TensorSpec((None, *input_shape), tf.float32, name="input")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "saved_model"
        model.export(str(folder), format="tf_saved_model", input_signature=[spec], verbose=False)
        return {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }


def onnx_bytes(model: Any, input_shape: Sequence[int], opset: int) -> bytes:
    """An ONNX model (tf2onnx) with input ``input`` of shape ``(batch, *input_shape)``."""
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((None, *input_shape), tf.float32, name="input"),)
    function = tf.function(lambda x: model(x, training=False))
    proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=opset)
    return proto.SerializeToString()


def _convert(
    function: Any, specs: Sequence[Any], quantization: str, representative: np.ndarray | None
) -> bytes:
    """LiteRT flatbuffer of a traced function (frozen first: variables become constants)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    if quantization not in ("float", "dynamic_range", "int8"):
        raise ValueError(f"quantization must be float, dynamic_range or int8, got {quantization!r}")
    concrete = function.get_concrete_function(*specs)
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [convert_variables_to_constants_v2(concrete)]
    )
    if quantization != "float":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "int8":
        if representative is None or len(representative) == 0:
            raise ValueError(
                "int8 quantisation needs representative inputs (the "
                "pipeline's own data) to calibrate the activations."
            )
        data = np.asarray(representative, dtype=np.float32)

        def examples() -> Iterator[list[np.ndarray]]:
            for row in data:
                yield [row[None]]

        converter.representative_dataset = examples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return bytes(converter.convert())


def tflite_bytes(
    model: Any,
    input_shape: Sequence[int],
    quantization: str = "float",
    representative: np.ndarray | None = None,
) -> bytes:
    """A LiteRT flatbuffer taking one input of shape ``(1, *input_shape)``.

    Args:
        quantization: ``float`` (float32), ``dynamic_range`` (int8 weights, float
            activations) or ``int8`` (weights and activations int8, calibrated on
            ``representative``; float input and output, so callers need not quantise).
        representative: Inputs ``(n, *input_shape)`` for the int8 calibration.
    """
    import tensorflow as tf

    function = tf.function(lambda x: model(x, training=False))
    return _convert(
        function,
        [tf.TensorSpec((1, *input_shape), tf.float32, name="input")],
        quantization,
        representative,
    )


def conv_geometry(model: Any) -> tuple[int, int]:
    """``(kernel, stride)`` of a keyword detector's first Conv1D (frames → steps)."""
    import keras

    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    if not convs:
        raise ValueError(
            f"Model '{model.name}' has no Conv1D: a streaming export needs a "
            "detector whose first layer maps frames to steps."
        )
    return int(convs[0].kernel_size[0]), int(convs[0].strides[0])


def streaming_step_model(model: Any, chunk_steps: int) -> Any:
    """One streaming step of a Conv1D → … → GRU detector, sharing the trained weights.

    Inputs: ``frames`` ``(1, (chunk_steps − 1)·stride + kernel, freqs)`` and one state
    ``(1, units)`` per GRU; outputs: the chunk's scores ``(1, chunk_steps, 1)`` and the
    GRUs' last states. The GRUs are unrolled over the chunk (no loop op, so LiteRT's
    built-in kernels run it); chunks follow each other ``chunk_steps · stride`` frames
    apart, and fed in order from zero states they give the whole-sequence scores.

    Raises:
        ValueError: the model mixes time steps other than in its first ('valid')
            Conv1D and unidirectional GRUs (a chunk could not be scored on its own).
    """
    import keras

    kernel, stride = conv_geometry(model)
    n_freqs = int(model.input_shape[-1])
    frames = keras.Input(
        ((chunk_steps - 1) * stride + kernel, n_freqs), batch_size=1, name="frames"
    )
    x, states, new_states, convs = frames, [], [], 0
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.GRU):
            if layer.go_backwards or not layer.return_sequences:
                raise ValueError(
                    f"GRU '{layer.name}' must run forward and return sequences to be streamed."
                )
            config = {**layer.get_config(), "unroll": True, "return_state": True}
            step = keras.layers.GRU.from_config(config)
            state = keras.Input((layer.units,), batch_size=1, name=f"state_{len(states) + 1}")
            x, new_state = step(x, initial_state=state)
            step.set_weights(layer.get_weights())
            states.append(state)
            new_states.append(new_state)
            continue
        if kind in _TEMPORAL and not (kind == "Conv1D" and convs == 0 and layer.padding == "valid"):
            raise ValueError(
                f"Layer '{layer.name}' ({kind}) mixes time steps: only the first "
                "'valid' Conv1D and unidirectional GRUs can be streamed."
            )
        convs += kind == "Conv1D"
        x = layer(x)
    if not states:
        raise ValueError(f"Model '{model.name}' has no GRU: nothing to stream.")
    return keras.Model([frames, *states], [x, *new_states], name=f"{model.name}_step")


def tflite_streaming_bytes(model: Any, chunk_steps: int, quantization: str = "float") -> bytes:
    """The LiteRT flatbuffer of :func:`streaming_step_model` (``float`` or
    ``dynamic_range``; full int8 of the recurrent state is not offered, see
    docs/shipping.md)."""
    import tensorflow as tf

    if quantization not in ("float", "dynamic_range"):
        raise ValueError(f"A streaming export is float or dynamic_range, got {quantization!r}")
    step = streaming_step_model(model, chunk_steps)
    specs = [tf.TensorSpec(t.shape, tf.float32, name=t.name) for t in step.inputs]
    function = tf.function(lambda *inputs: step(list(inputs), training=False))
    return _convert(function, specs, quantization, None)


def export_all(
    model: Any,
    input_shape: Sequence[int],
    formats: Sequence[str],
    onnx_opset: int,
    representative: np.ndarray | None,
    chunk_steps: int | None = None,
) -> dict[str, bytes]:
    """The files of every format in ``formats`` (see :data:`FILES`), by relative path.

    ``chunk_steps``: output steps per streaming step (streaming formats only).
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            f"The exports are traced with TensorFlow, but Keras runs on "
            f"{keras.backend.backend()}: run the shipping pipeline with "
            "KERAS_BACKEND=tensorflow (the default; a model trained on any "
            "backend exports)."
        )
    unknown = sorted(set(formats) - set(FILES))
    if unknown:
        raise ValueError(f"Unknown export format(s) {unknown}: choose from {sorted(FILES)}.")
    files: dict[str, bytes] = {FILES["keras"]: keras_bytes(model)}
    for fmt in formats:
        if fmt == "saved_model":
            folder = saved_model_files(model, input_shape)
            files.update({f"{FILES[fmt]}/{name}": data for name, data in folder.items()})
        elif fmt == "onnx":
            files[FILES[fmt]] = onnx_bytes(model, input_shape, onnx_opset)
        elif fmt in TFLITE_QUANTISATION:
            files[FILES[fmt]] = tflite_bytes(
                model, input_shape, TFLITE_QUANTISATION[fmt], representative
            )
        elif fmt in STREAMING_QUANTISATION:
            if not chunk_steps:
                raise ValueError(
                    f"{fmt} needs chunk_steps (shipping.models.<model>.streaming_chunk_steps)."
                )
            files[FILES[fmt]] = tflite_streaming_bytes(
                model, chunk_steps, STREAMING_QUANTISATION[fmt]
            )
    return files


def file_sizes(files: dict[str, bytes]) -> dict[str, int]:
    """Bytes on disk of each format present in ``files`` (a folder: all its files)."""
    sizes = {}
    for fmt, name in FILES.items():
        total = sum(
            len(data) for path, data in files.items() if path == name or path.startswith(f"{name}/")
        )
        if total:
            sizes[fmt] = total
    return sizes
