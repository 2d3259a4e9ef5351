"""A registered version of the ``faces`` model: the encoder with τ and the crop it was
trained on, made by the registry gate and taken apart again to verify and identify.

The encoder is an uncompiled copy (:func:`~dl_pipelines.nn.copies.uncompiled_copy`:
Keras layers only, no triplet loss), so it loads without this project's code.
``faces_threshold`` (τ, the crop size, flip test-time augmentation) and ``faces_crop``
(:data:`CROP_KEYS` of ``faces.detection``) go into the version's metadata
(``model_metadata`` of ``faces_registered_model``), so each version is used with its own.
"""

from __future__ import annotations

from typing import Any

from dl_pipelines.pipelines.faces.params import DetectionParams
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import registry_gate

#: The ``faces.detection`` settings that shape the crops an encoder was trained on:
#: registered with each version and applied with it (the others say how to find a face
#: in new photos and what to do without one, and stay the run's).
CROP_KEYS = ("enabled", "margin", "clahe_clip_limit")


def version_to_register(
    model: Any,
    threshold: dict[str, Any],
    verify_accuracy: float,
    detection_params: dict[str, Any],
    min_test_verify_accuracy: float,
) -> dict[str, Any]:
    """``{"model", "faces_threshold", "faces_crop"}``, or :class:`RegistryGateError` when
    ``verify_accuracy`` is below ``min_test_verify_accuracy``."""
    from dl_pipelines.nn.copies import uncompiled_copy

    registry_gate.require(
        "verify_accuracy",
        verify_accuracy,
        min_test_verify_accuracy,
        "faces.registry.min_test_verify_accuracy",
        hint="Inspect the run's roc_curve and distance_histogram plots, or lower the "
        "threshold in parameters_faces.yml.",
    )
    config = parse(DetectionParams, detection_params, "faces.detection")
    return {
        "model": uncompiled_copy(model),
        "faces_threshold": threshold,
        "faces_crop": {key: getattr(config, key) for key in CROP_KEYS},
    }


def version_parts(
    encoder: dict[str, Any], params: dict[str, Any]
) -> tuple[Any, dict[str, Any], DetectionParams]:
    """The model, τ and the detection settings of a registered version: its own crop
    settings over the run's ``faces.detection``."""
    config = parse(DetectionParams, {**params, **encoder["faces_crop"]}, "faces.detection")
    return encoder["model"], encoder["faces_threshold"], config
