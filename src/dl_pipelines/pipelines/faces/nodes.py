"""Nodes of the ``faces`` pipelines: photos → detected faces → encoder → 1:1, 1:K, clusters.

Each node parses its ``params:`` inputs into the dataclasses of :mod:`.params` (so a bad
value is found before the run starts) and hands them to the module that does the work:

* :mod:`.data`: the people and their photos, synthetic training people, the open-set split;
* :mod:`.face_detection`: detect and crop the faces, the detector's benchmark;
* :mod:`.training`: the encoder, trained with the triplet loss on P×K batches;
* :mod:`.evaluation`: verification, recognition and clustering of unseen people;
* :mod:`.pair_head`: the pairwise binary-classifier comparison;
* :mod:`.dlib_reference`: dlib's pretrained embedder on the same pairs (optional);
* :mod:`.registry`: what a registered version of the ``faces`` model holds;
* :mod:`.inference`: ``faces_verify`` and ``faces_identify`` on new images, with a
  version of the registered ``faces`` model (:func:`gate_for_registry`).

Keras is imported only inside the functions that train or run a model, so listing or
drawing the pipelines stays fast.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.pipelines.faces import (
    data,
    dlib_reference,
    evaluation,
    face_detection,
    inference,
    pair_head,
    plots,
    registry,
    training,
)
from dl_pipelines.pipelines.faces.dlib_reference import DlibFaceModels
from dl_pipelines.pipelines.faces.params import (
    DataParams,
    DetectionParams,
    EvaluationParams,
    ModelParams,
    PairHeadParams,
    SplitParams,
    TrainingParams,
)
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking import plots as plotting


# ----------------------------------------------------------------------------------- data
def assemble_photos(
    raw_images: dict[str, np.ndarray], lfw_subset: np.ndarray, params: dict[str, Any], seed: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The user's LFW-layout folder, or the default set made from ``lfw_subset``'s faces.

    Args:
        raw_images: ``{"<person>/<file>": image}`` from ``data/01_raw/faces``.
        lfw_subset: scikit-image's (200, 25, 25) array; the first 100 are real faces.
        params: ``faces.data``.
        seed: The run's seed.

    Returns:
        The photos of the people kept and the ingestion report
        (:func:`.data.assemble_photos`).
    """
    return data.assemble_photos(
        raw_images, lfw_subset, parse(DataParams, params, "faces.data"), seed
    )


def detect_faces(
    photos: dict[str, np.ndarray], params: dict[str, Any], image_size: list[int]
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Find and crop the face of every photo; list those where none is found.

    Args:
        photos: ``{"<person>/<file>": image}``.
        params: ``faces.detection``.
        image_size: (height, width) of the crops.

    Returns:
        The crops and the detection report (:func:`.face_detection.detect_faces`).
    """
    config = parse(DetectionParams, params, "faces.detection")
    return face_detection.detect_faces(photos, config, image_size)


def detection_benchmark(
    lfw_subset: np.ndarray, params: dict[str, Any]
) -> tuple[dict, dict[str, Any]]:
    """Recall on ``lfw_subset``'s 100 faces, false-positive rate on its 100 non-faces.

    Args:
        lfw_subset: scikit-image's (200, 25, 25) array.
        params: ``faces.detection``.
    """
    config = parse(DetectionParams, params, "faces.detection")
    return face_detection.detection_benchmark(lfw_subset, config)


def split_people(
    crops: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Open-set split by person: validation and test people never appear in training.

    Args:
        crops: The output of :func:`detect_faces`.
        params: ``faces.split``.
        seed: The run's seed.
    """
    return data.split_people(crops, parse(SplitParams, params, "faces.split"), seed)


def add_synthetic_people(
    train: dict[str, np.ndarray],
    lfw_subset: np.ndarray,
    ingest_report: dict[str, Any],
    data_params: dict[str, Any],
    detection_params: dict[str, Any],
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The training people plus procedural morph people, for the default data only.

    Args:
        train: The training part of :func:`split_people`.
        lfw_subset: scikit-image's (200, 25, 25) array (the parents' faces).
        ingest_report: From :func:`assemble_photos` (which data was used).
        data_params: ``faces.data``.
        detection_params: ``faces.detection``.
        seed: The run's seed.

    Returns:
        The encoder's training crops and the synthetic people's report
        (:func:`.data.add_synthetic_people`).
    """
    config = parse(DataParams, data_params, "faces.data")
    detection = parse(DetectionParams, detection_params, "faces.detection")
    return data.add_synthetic_people(train, lfw_subset, ingest_report, config, detection, seed)


def plot_examples(
    photos: dict[str, np.ndarray],
    crops: dict[str, np.ndarray],
    people: int = 4,
    per_person: int = 6,
) -> Figure:
    """Photos of a few people (top) and the face crops the encoder sees (bottom)."""
    return plots.examples_grid(photos, crops, people, per_person)


# ------------------------------------------------------------------------------- training
def train_encoder(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the encoder (or an ensemble of encoders) with the triplet loss.

    Args:
        train: The encoder's training crops (:func:`add_synthetic_people`).
        val: The validation people's crops (their triplet loss stops training).
        model_params: ``faces.model``.
        training_params: ``faces.training``.
        seed: The run's seed (member i of an ensemble is trained from ``seed + i``).

    Returns:
        The encoder and its history (:func:`.training.train_encoder`).
    """
    arch = parse(ModelParams, model_params, "faces.model")
    config = parse(TrainingParams, training_params, "faces.training")
    return training.train_encoder(train, val, arch, config, seed)


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Triplet loss of training and validation people over epochs."""
    return plotting.training_curves(history, title="faces encoder (triplet loss)")


# ----------------------------------------------------------------------------- evaluation
def evaluate_encoder(
    model: Any,
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """Verification, recognition and clustering on people never seen in training.

    Args:
        model: The trained encoder.
        val: The validation people's crops (τ is chosen on their pairs).
        test: The test people's crops.
        params: ``faces.evaluation``.
        seed: The run's seed (the pairs and the gallery drawn).

    Returns:
        MLflow metrics, a JSON report, τ for ``faces_verify`` / ``faces_identify`` and
        the curves for the plots (:func:`.evaluation.evaluate_encoder`).
    """
    config = parse(EvaluationParams, params, "faces.evaluation")
    return evaluation.evaluate_encoder(model, val, test, config, seed)


def plot_evaluation(
    curves: dict[str, np.ndarray], report: dict[str, Any], params: dict[str, Any], seed: int
) -> tuple[Figure, Figure, Figure]:
    """ROC curves (ours vs raw pixels), distance histograms with τ, 2-D map by person."""
    config = parse(EvaluationParams, params, "faces.evaluation")
    roc = plots.roc_figure(
        curves["same"], {"encoder": curves["distances"], "raw pixels": curves["pixel_distances"]}
    )
    histogram = plots.distance_histograms(curves["distances"], curves["same"], float(curves["tau"]))
    points = plots.project_2d(curves["embeddings"], config.map_method, seed)
    scatter = plots.embedding_map(points, curves["persons"], config.map_method)
    return roc, histogram, scatter


def train_and_evaluate_pair_head(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    model_params: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict]:
    """The pairwise binary-classifier comparison, unless ``faces.pair_head.enabled`` is off.

    Args:
        train: The encoder's training crops.
        val: The validation people's crops (the threshold on ŷ is chosen on them).
        test: The test people's crops.
        model_params: ``faces.model`` (the encoder architecture).
        params: ``faces.pair_head``.
        seed: The run's seed.

    Returns:
        MLflow metrics and a JSON report (:func:`.pair_head.train_and_evaluate_pair_head`);
        ``({}, {"enabled": False})`` when it is off.
    """
    config = parse(PairHeadParams, params, "faces.pair_head")
    if not config.enabled:
        return {}, {"enabled": False}
    arch = parse(ModelParams, model_params, "faces.model")
    return pair_head.train_and_evaluate_pair_head(train, val, test, arch, config, seed)


def evaluate_dlib_reference(
    models: DlibFaceModels | None,
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    seed: int,
) -> tuple[dict, dict]:
    """dlib's pretrained embedder on the same crops and pairs as our encoder, if installed.

    See :func:`.dlib_reference.evaluate_dlib_reference`.
    """
    return dlib_reference.evaluate_dlib_reference(models, val, test, seed)


# ------------------------------------------------------------------------------- registry
def gate_for_registry(
    model: Any,
    threshold: dict[str, Any],
    report: dict[str, Any],
    detection_params: dict[str, Any],
    min_test_verify_accuracy: float,
) -> dict[str, Any]:
    """The encoder to register as ``faces`` — an uncompiled copy, with τ and the crop it
    was trained on (:mod:`.registry`) — only if its verification accuracy on unseen test
    people is good enough.

    Args:
        model: The trained encoder.
        threshold: τ and the embedding settings (:func:`evaluate_encoder`).
        report: The test report (:func:`evaluate_encoder`).
        detection_params: ``faces.detection``.
        min_test_verify_accuracy: ``faces.registry.min_test_verify_accuracy``.

    Raises:
        RegistryGateError: when ``verify_accuracy`` is below the minimum (the run then
            fails, and no new version is registered).
    """
    return registry.version_to_register(
        model,
        threshold,
        report["metrics"]["verify_accuracy"],
        detection_params,
        min_test_verify_accuracy,
    )


# --------------------------------------------------------------------- use on new images
def verify_pair(
    encoder: dict[str, Any], image_a: Any, image_b: Any, params: dict[str, Any]
) -> dict[str, Any]:
    """d(a, b) = ‖f(a) − f(b)‖² and whether it is within τ: the same person.

    Args:
        encoder: A version of the registered ``faces`` model:
            ``{"model", "faces_threshold", "faces_crop"}`` (:func:`gate_for_registry`).
        image_a: A photo (PIL image or array).
        image_b: Another photo.
        params: ``faces.detection`` (the version's crop settings take precedence).

    Returns:
        ``{"distance", "same", "tau", "no_face_found"}`` (:func:`.inference.verify_pair`).
    """
    model, threshold, config = registry.version_parts(encoder, params)
    return inference.verify_pair(model, image_a, image_b, threshold, config)


def identify_folder(
    encoder: dict[str, Any],
    gallery: dict[str, np.ndarray],
    probes: dict[str, np.ndarray],
    params: dict[str, Any],
    neighbours: int,
) -> pd.DataFrame:
    """Name the person of every probe image from a gallery folder, "unknown" beyond τ.

    Args:
        encoder: A version of the registered ``faces`` model:
            ``{"model", "faces_threshold", "faces_crop"}`` (:func:`gate_for_registry`).
        gallery: ``{"<person>/<file>": image}``: one folder per enrolled person.
        probes: ``{"<file>": image}``: the images to identify.
        params: ``faces.detection`` (the version's crop settings take precedence).
        neighbours: k of the k-NN vote.

    Returns:
        A table ``file, person, distance`` (:func:`.inference.identify_folder`).
    """
    model, threshold, config = registry.version_parts(encoder, params)
    return inference.identify_folder(model, gallery, probes, threshold, config, neighbours)
