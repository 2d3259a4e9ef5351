"""On-device inference: what a phone or an embedded board runs, without Keras.

Everything in this package needs only NumPy and ``ai-edge-litert`` (the LiteRT, formerly
TensorFlow Lite, interpreter): no TensorFlow, Keras, SciPy or Kedro. The shipping
pipeline (``dl_pipelines.pipelines.shipping``) writes the ``.tflite`` files and the
``model.json`` that describes them; :mod:`dl_pipelines.ship.run_tflite` runs them.
"""
