"""Load each export in the runtime that would serve it, behind one ``predict(x)``.

``load(fmt, files)`` returns a function mapping a batch ``(n, *input_shape)`` to the
model's outputs as float32, whatever the format: Keras (``predict_on_batch``),
TensorFlow (the SavedModel's ``serve`` signature), onnxruntime, LiteRT (one example
at a time: the exports have a fixed batch of 1). All run in this process, on this CPU.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dl_pipelines.pipelines.shipping.exports import (
    FILES,
    STREAMING_QUANTISATION,
    TFLITE_QUANTISATION,
)

Predict = Callable[[np.ndarray], np.ndarray]


def _file(files: dict[str, bytes], fmt: str) -> bytes:
    name = "model.json" if fmt == "manifest" else FILES[fmt]
    try:
        return files[name]
    except KeyError:
        raise ValueError(
            f"The exports hold no {fmt} file ({name}): add {fmt} to "
            "shipping.models.<model>.formats."
        ) from None


def load(fmt: str, files: dict[str, bytes]) -> Predict:
    """A ``predict`` function for the export of format ``fmt`` (see ``exports.FILES``)."""
    if fmt == "keras":
        import keras

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / FILES["keras"]
            path.write_bytes(_file(files, fmt))
            model = keras.saving.load_model(path, compile=False)
        return lambda x: np.asarray(
            model.predict_on_batch(np.asarray(x, np.float32)), dtype=np.float32
        )
    if fmt == "saved_model":
        import tensorflow as tf

        prefix = f"{FILES['saved_model']}/"
        folder_files = {k[len(prefix) :]: v for k, v in files.items() if k.startswith(prefix)}
        if not folder_files:
            _file(files, fmt)
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in folder_files.items():
                (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / name).write_bytes(data)
            loaded = tf.saved_model.load(tmp)
        serve = loaded.signatures["serving_default"]
        (output_name,) = serve.structured_outputs
        return lambda x: serve(tf.constant(x, tf.float32))[output_name].numpy()
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(
            _file(files, fmt), providers=["CPUExecutionProvider"]
        )
        name = session.get_inputs()[0].name
        return lambda x: np.asarray(
            session.run(None, {name: np.asarray(x, np.float32)})[0], dtype=np.float32
        )
    if fmt in TFLITE_QUANTISATION:
        from dl_pipelines.ship.litert import LiteRTModel

        return LiteRTModel(_file(files, fmt)).predict
    if fmt in STREAMING_QUANTISATION:
        from dl_pipelines.ship.litert import StreamingLiteRTModel

        detector = json.loads(_file(files, "manifest"))["detector"]
        return StreamingLiteRTModel(
            _file(files, fmt), detector["kernel"], detector["stride"]
        ).predict
    raise ValueError(f"Unknown export format {fmt!r}: choose from {sorted(FILES)}.")
