"""The optional dlib reference: skipped cleanly without the extra, scored with it."""

from __future__ import annotations

import copy
import logging
import sys

import numpy as np
import pytest
import skimage.data

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.pipelines.faces.dlib_reference import DlibFaceModelsDataset, dlib_embeddings
from tests.pipelines.faces.conftest import BASE

METRICS = {"dlib_verify_accuracy", "dlib_verify_roc_auc", "dlib_tau", "dlib_verify_accuracy_at_0_6"}


def test_without_the_extra_nothing_is_scored_and_nothing_fails(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    assert DlibFaceModelsDataset(package="no_such_face_models_package").load() is None
    monkeypatch.setitem(sys.modules, "dlib", None)  # `import dlib` fails
    assert DlibFaceModelsDataset().load() is None
    assert "dlib is not installed" in caplog.text
    metrics, report = nodes.evaluate_dlib_reference(None, {}, {}, seed=0)
    assert metrics == {} and report["enabled"] is False
    assert "pip install -e '.[dlib]'" in caplog.text


def test_package_without_the_model_files_is_a_warning_naming_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pytest.importorskip("dlib")
    models = DlibFaceModelsDataset(package="dl_pipelines", folder="pipelines/faces")
    assert models.load() is None
    assert "shape_predictor_5_face_landmarks.dat" in caplog.text


# ------------------------------------------------------------ with the extra installed
@pytest.fixture(scope="module")
def dlib_models():
    pytest.importorskip("dlib")
    models = DlibFaceModelsDataset().load()
    if models is None:
        pytest.skip("face-recognition-models is not installed (the `dlib` extra)")
    return models


@pytest.fixture(scope="module")
def default_crops() -> dict[str, np.ndarray]:
    """Detected 40×40 crops of the default data: 8 lfw_subset people, 4 photos each."""
    params = copy.deepcopy(BASE["data"])
    params["default_data"].update(identities=8, images_per_identity=4)
    photos, _ = nodes.assemble_photos({}, skimage.data.lfw_subset(), params, seed=0)
    crops, _ = nodes.detect_faces(photos, BASE["detection"], [40, 40])
    return crops


def test_dlib_descriptors_are_128_d_and_deterministic(dlib_models, default_crops) -> None:
    images = default_crops["images"][:3]
    first, again = dlib_embeddings(dlib_models, images), dlib_embeddings(dlib_models, images)
    assert first.shape == (3, 128)
    np.testing.assert_array_equal(first, again)
    # two photos of one person are closer than photos of two people
    same_person = np.flatnonzero(default_crops["persons"] == default_crops["persons"][0])
    other = np.flatnonzero(default_crops["persons"] != default_crops["persons"][0])
    vectors = dlib_embeddings(dlib_models, default_crops["images"][[*same_person[:2], *other[:1]]])
    within, between = ev.squared_distances(vectors[:1], vectors[1:])
    assert within < between


def test_dlib_reference_scores_the_same_pairs_well_above_chance(dlib_models, default_crops) -> None:
    people = np.unique(default_crops["persons"])
    in_val = np.isin(default_crops["persons"], people[:4])
    val = {k: v[in_val] for k, v in default_crops.items()}
    test = {k: v[~in_val] for k, v in default_crops.items()}
    metrics, report = nodes.evaluate_dlib_reference(dlib_models, val, test, seed=0)
    assert set(metrics) == METRICS and report["enabled"] is True
    _, _, same = ev.balanced_pairs(test["persons"], np.random.default_rng(0))
    assert report["test_pairs"] == len(same)  # every same-person pair, doubled
    assert metrics["dlib_tau"]["value"] > 0
    assert metrics["dlib_verify_accuracy"]["value"] >= 0.7  # chance: 0.5 (balanced pairs)
    assert metrics["dlib_verify_roc_auc"]["value"] >= 0.8
