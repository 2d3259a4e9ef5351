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
}
TFLITE_QUANTISATION = {"tflite_float": "float", "tflite_dynamic_range": "dynamic_range",
                       "tflite_int8": "int8"}


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
        model.export(str(folder), format="tf_saved_model", input_signature=[spec],
                     verbose=False)
        return {path.relative_to(folder).as_posix(): path.read_bytes()
                for path in sorted(folder.rglob("*")) if path.is_file()}


def onnx_bytes(model: Any, input_shape: Sequence[int], opset: int) -> bytes:
    """An ONNX model (tf2onnx) with input ``input`` of shape ``(batch, *input_shape)``."""
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((None, *input_shape), tf.float32, name="input"),)
    function = tf.function(lambda x: model(x, training=False))
    proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=opset)
    return proto.SerializeToString()


def tflite_bytes(model: Any, input_shape: Sequence[int], quantization: str = "float",
                 representative: np.ndarray | None = None) -> bytes:
    """A LiteRT flatbuffer taking one input of shape ``(1, *input_shape)``.

    Args:
        quantization: ``float`` (float32), ``dynamic_range`` (int8 weights, float
            activations) or ``int8`` (weights and activations int8, calibrated on
            ``representative``; float input and output, so callers need not quantise).
        representative: Inputs ``(n, *input_shape)`` for the int8 calibration.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    if quantization not in ("float", "dynamic_range", "int8"):
        raise ValueError(f"quantization must be float, dynamic_range or int8, got "
                         f"{quantization!r}")
    function = tf.function(lambda x: model(x, training=False))
    concrete = function.get_concrete_function(
        tf.TensorSpec((1, *input_shape), tf.float32, name="input"))
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [convert_variables_to_constants_v2(concrete)])
    if quantization != "float":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "int8":
        if representative is None or len(representative) == 0:
            raise ValueError("int8 quantisation needs representative inputs (the "
                             "pipeline's own data) to calibrate the activations.")
        data = np.asarray(representative, dtype=np.float32)

        def examples() -> Iterator[list[np.ndarray]]:
            for row in data:
                yield [row[None]]

        converter.representative_dataset = examples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return bytes(converter.convert())


def export_all(model: Any, input_shape: Sequence[int], formats: Sequence[str],
               onnx_opset: int, representative: np.ndarray | None) -> dict[str, bytes]:
    """The files of every format in ``formats`` (see :data:`FILES`), by relative path."""
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
            files[FILES[fmt]] = tflite_bytes(model, input_shape, TFLITE_QUANTISATION[fmt],
                                             representative)
    return files


def file_sizes(files: dict[str, bytes]) -> dict[str, int]:
    """Bytes on disk of each format present in ``files`` (a folder: all its files)."""
    sizes = {}
    for fmt, name in FILES.items():
        total = sum(len(data) for path, data in files.items()
                    if path == name or path.startswith(f"{name}/"))
        if total:
            sizes[fmt] = total
    return sizes

