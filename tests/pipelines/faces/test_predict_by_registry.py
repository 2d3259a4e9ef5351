"""faces' registry gate registers the encoder with its τ and crop settings only above
``faces.registry.min_test_verify_accuracy``; faces_verify and faces_identify score with a
version of the registered ``faces`` model — the ``champion`` by default, another with
``model_version`` — and with the τ stored with that very version.

Tiny encoders go through the catalog entry ``faces_registered_model`` (no training);
the end-to-end checks on a trained project (a wrong version included) are in
``test_pipeline_run.py``."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from dl_pipelines.datasets import MlflowKerasModelDataset
from dl_pipelines.hooks import _provenance
from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.tracking.registry_gate import RegistryGateError
from tests.conftest import PROJECT_ROOT
from tests.pipelines.faces.conftest import BASE, TINY

ENTRY = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_faces.yml").read_text())[
    "faces_registered_model"
]
#: faces.detection without the Haar cascade: the test images are whole "faces".
DETECTION = {**BASE["detection"], "enabled": False}
SIDE = 16


def _entry(model_version: str | int | None = None) -> MlflowKerasModelDataset:
    """``faces_registered_model`` as the catalog builds it, ``--params model_version``
    resolved (None: the default, ``champion``)."""
    config = {
        k: copy.deepcopy(v)
        for k, v in ENTRY.items()
        if k not in {"type", "metadata", "model_version"}
    }
    return MlflowKerasModelDataset(model_version=model_version, **config)


def _encoder(seed: int):
    import keras

    from dl_pipelines.pipelines.faces.model import build_encoder

    keras.utils.set_random_seed(seed)
    return build_encoder((SIDE, SIDE, 3), **{**TINY, "stage_filters": tuple(TINY["stage_filters"])})


def _threshold(tau: float) -> dict:
    return {"tau": tau, "image_size": [SIDE, SIDE], "flip_tta": True, "distance": "squared"}


def _report(accuracy: float) -> dict:
    return {"metrics": {"verify_accuracy": accuracy}}


def test_the_gate_refuses_an_encoder_below_the_minimum() -> None:
    with pytest.raises(RegistryGateError) as error:
        nodes.gate_for_registry(_encoder(0), _threshold(0.5), _report(0.7), DETECTION, 0.85)
    message = str(error.value)
    assert "verify_accuracy 0.7000 is below faces.registry.min_test_verify_accuracy 0.85" in (
        message
    )
    assert "not registered" in message and "parameters_faces.yml" in message


def test_the_gate_passes_an_uncompiled_copy_with_tau_and_the_crop_settings() -> None:
    import keras

    encoder = _encoder(0)
    encoder.compile(optimizer="adam", loss=lambda y, p: keras.ops.mean(p))  # a project loss
    x = np.random.default_rng(0).integers(0, 256, (2, SIDE, SIDE, 3)).astype("float32")
    registered = nodes.gate_for_registry(
        encoder, _threshold(0.5), _report(0.9), {**DETECTION, "clahe_clip_limit": 3.0}, 0.85
    )
    assert registered["faces_threshold"] == _threshold(0.5)
    assert registered["faces_crop"] == {"enabled": False, "margin": 0.1, "clahe_clip_limit": 3.0}
    model = registered["model"]
    assert model is not encoder and encoder.compiled and not model.compiled
    np.testing.assert_allclose(model.predict(x, verbose=0), encoder.predict(x, verbose=0))


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Versions 1 (τ = 4: every pair is the same person) and 2, the champion (τ = 0:
    none is), registered through the gate and the catalog entry; their run ids."""
    import mlflow

    uri = f"sqlite:///{tmp_path_factory.mktemp('faces_registry') / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        mlflow.set_tracking_uri(uri)
        runs = []
        for seed, tau in ((0, 4.0), (1, 0.0)):
            with mlflow.start_run() as run:
                registered = nodes.gate_for_registry(
                    _encoder(seed), _threshold(tau), _report(0.9), DETECTION, 0.85
                )
                _entry().save(registered)
                runs.append(run.info.run_id)
        yield runs
        mlflow.set_tracking_uri(None)


def _picture(colour) -> np.ndarray:
    rng = np.random.default_rng(sum(colour))
    noise = rng.integers(-20, 20, (24, 24, 3))
    return np.clip(np.asarray(colour) + noise, 0, 255).astype(np.uint8)


def test_each_version_verifies_and_identifies_with_its_own_tau(two_versions) -> None:
    first_run, second_run = two_versions
    a, b = _picture((200, 40, 40)), _picture((40, 40, 200))
    gallery = {"red/1.png": a, "blue/1.png": b}
    probes = {"x.png": _picture((190, 60, 30))}

    champion = _entry()
    loaded = champion.load()
    result = nodes.verify_pair(loaded, a, b, DETECTION)
    assert (result["tau"], result["same"]) == (0.0, False)
    table = nodes.identify_folder(loaded, gallery, probes, DETECTION, 1)
    assert table["person"].tolist() == ["unknown"]  # nothing is within τ = 0
    tags = _provenance("faces_registered_model", champion)
    assert tags["input.faces_registered_model"] == "faces v2 (champion)"
    assert tags["input.faces_registered_model.source_run_id"] == second_run

    first = _entry(model_version="1")  # --params model_version=1
    loaded = first.load()
    result = nodes.verify_pair(loaded, a, b, DETECTION)
    assert (result["tau"], result["same"]) == (4.0, True)
    table = nodes.identify_folder(loaded, gallery, probes, DETECTION, 1)
    assert table["person"].tolist() in (["red"], ["blue"])  # τ = 4 accepts any neighbour
    tags = _provenance("faces_registered_model", first)
    assert tags["input.faces_registered_model"] == "faces v1"
    assert tags["input.faces_registered_model.source_run_id"] == first_run
