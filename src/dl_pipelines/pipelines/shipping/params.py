"""The ``shipping`` parameters (``conf/base/parameters_shipping.yml``), read as a mapping.

``shipping.models.<name>`` holds what each registered model is and how to ship it:
``task`` (``binary_classifier`` | ``keyword_detector``), ``input_key`` (the array of its
data), ``formats`` and, by task, ``threshold`` and ``labels`` or
``streaming_chunk_steps``. The other keys (``onnx_opset``, ``representative_examples``,
``parity.*``, ``timing.*``) are read by the node that uses them.
"""

from __future__ import annotations

from typing import Any


def model_settings(params: dict[str, Any], name: str) -> dict[str, Any]:
    """``shipping.models.<name>``.

    Raises:
        ValueError: when the model has no settings, listing the models that have.
    """
    models = params.get("models", {})
    if name not in models:
        raise ValueError(
            f"No shipping settings for model '{name}': add "
            f"shipping.models.{name} (task, formats, input_key, …) to "
            f"conf/base/parameters_shipping.yml (known: {sorted(models)})."
        )
    return models[name]
