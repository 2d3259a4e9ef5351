"""End to end: ``kedro run`` of faces, faces_verify and faces_identify, tracked in MLflow."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skimage.data
from PIL import Image

from dl_pipelines.pipelines.faces import registry
from tests.conftest import KedroProject
from tests.pipelines.faces.conftest import BASE
from tests.registry_checks import scored_with

pytestmark = pytest.mark.e2e

METRICS = (
    "verify_accuracy",
    "verify_roc_auc",
    "verify_tar_at_far_1e-2",
    "verify_tar_at_far_1e-3",
    "tau",
    "pixel_verify_accuracy",
    "recognize_top1",
    "recognize_open_set_accuracy",
    "cluster_nmi",
    "cluster_ari",
    "detection_recall",
    "detection_false_positive_rate",
    "pair_verify_accuracy",
)


def _save_face(path: Path, index: int, size: int = 64) -> None:
    """A real lfw_subset face, enlarged, as a PNG."""
    face = (skimage.data.lfw_subset()[index] * 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(face).resize((size, size), Image.Resampling.BICUBIC).save(path)


def test_training_run_is_tracked_and_learns(faces_project: KedroProject) -> None:
    (run,) = faces_project.runs("faces")
    assert run.info.status == "FINISHED"
    assert run.data.params["faces.training.mining"] in {"batch_hard", "semi_hard"}
    for name in METRICS:
        assert name in run.data.metrics, name
    metrics = run.data.metrics
    assert metrics["verify_accuracy"] >= 0.6  # chance is 0.5 (balanced pairs)
    assert metrics["verify_roc_auc"] >= 0.65
    assert metrics["detection_recall"] >= 0.9
    dlib_report = json.loads((faces_project.path / "data/08_reporting/faces/dlib.json").read_text())
    dlib_installed = all(
        importlib.util.find_spec(name) for name in ("dlib", "face_recognition_models")
    )
    assert dlib_report["enabled"] is dlib_installed
    if dlib_installed:  # the optional `dlib` extra
        assert 0.5 < metrics["dlib_verify_accuracy"] <= 1
        print(
            f"dlib_verify_accuracy={metrics['dlib_verify_accuracy']:.4f}, "
            f"verify_accuracy={metrics['verify_accuracy']:.4f}"
        )
    else:
        assert "dlib_verify_accuracy" not in metrics
    client = faces_project.client()
    losses = [m.value for m in client.get_metric_history(run.info.run_id, "train_loss")]
    assert len(losses) >= 2 and losses[-1] < losses[0]
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {
        "plots/roc_curve.png",
        "plots/distance_histogram.png",
        "plots/embedding_map.png",
        "plots/examples.png",
        "plots/training_curves.png",
    } <= plots


def test_reports_and_open_set_split(faces_project: KedroProject) -> None:
    reporting = faces_project.path / "data/08_reporting/faces"
    split = json.loads((reporting / "split.json").read_text())
    people = [set(split[part]["persons"]) for part in ("train", "val", "test")]
    assert not (people[0] & people[1] or people[0] & people[2] or people[1] & people[2])
    detection = json.loads((reporting / "detection.json").read_text())
    assert detection["images"] == detection["faces_found"] + len(detection["no_face_found"])
    threshold = json.loads((faces_project.path / "data/06_models/faces/threshold.json").read_text())
    assert threshold["tau"] > 0 and threshold["flip_tta"] is True
    synthetic = json.loads((reporting / "synthetic.json").read_text())
    assert synthetic["identities"] == len(synthetic["people"]) > 0  # conf/test asks for some
    parents = {p for person in synthetic["people"].values() for p in person["parents"]}
    assert parents <= people[0]  # morphs of training people only


def test_embeddings_have_unit_norm(faces_project: KedroProject) -> None:
    import keras

    model = keras.saving.load_model(
        faces_project.path / "data/06_models/faces/encoder.keras", compile=False
    )
    x = np.random.default_rng(0).integers(0, 256, (5, *model.input_shape[1:])).astype("float32")
    np.testing.assert_allclose(np.linalg.norm(model.predict(x, verbose=0), axis=1), 1.0, atol=1e-5)


def test_the_gate_registered_the_encoder_with_its_tau_and_crop(
    faces_project: KedroProject,
) -> None:
    (run,) = faces_project.runs("faces")
    threshold = json.loads((faces_project.path / "data/06_models/faces/threshold.json").read_text())
    with faces_project.tracking():
        import mlflow

        info = mlflow.models.get_model_info("models:/faces@champion")
    assert info.run_id == run.info.run_id
    assert info.metadata["faces_threshold"] == threshold
    crop = {key: BASE["detection"][key] for key in registry.CROP_KEYS}  # conf/test keeps them
    assert info.metadata["faces_crop"] == crop


def test_verify_and_identify_new_images(faces_project: KedroProject, tmp_path: Path) -> None:
    _save_face(tmp_path / "a.png", 0)
    _save_face(tmp_path / "b.png", 0, size=80)
    faces_project.run(
        "--pipelines",
        "faces_verify",
        "--params",
        f"image_a={tmp_path / 'a.png'},image_b={tmp_path / 'b.png'}",
    )
    result = json.loads((faces_project.path / "data/07_model_output/faces/verify.json").read_text())
    assert set(result) >= {"distance", "same", "tau"}
    assert result["same"] is True  # the same photo at two sizes
    (trained,) = faces_project.runs("faces")
    champion = ("faces v1 (champion)", trained.info.run_id)  # which version scored
    assert scored_with(faces_project, "faces_verify", "faces") == champion
    assert result["tau"] == pytest.approx(trained.data.metrics["tau"])

    for person, index in (("ann", 1), ("bob", 2)):
        _save_face(tmp_path / "gallery" / person / "1.png", index)
    _save_face(tmp_path / "probe" / "ann_again.png", 1, size=72)
    _save_face(tmp_path / "probe" / "stranger.png", 3)
    faces_project.run(
        "--pipelines",
        "faces_identify",
        "--params",
        f"gallery_dir={tmp_path / 'gallery'},probe_dir={tmp_path / 'probe'}",
    )
    table = pd.read_csv(faces_project.path / "data/07_model_output/faces/identities.csv")
    assert list(table.columns) == ["file", "person", "distance"]
    assert table.set_index("file").loc["ann_again.png", "person"] == "ann"
    assert set(table["person"]) <= {"ann", "bob", "unknown"}
    assert scored_with(faces_project, "faces_identify", "faces") == champion


def test_corrupt_image_fails_the_run_naming_the_file(
    faces_project: KedroProject, tmp_path: Path
) -> None:
    _save_face(tmp_path / "gallery" / "ann" / "1.png", 1)
    (tmp_path / "gallery" / "bob").mkdir()
    (tmp_path / "gallery" / "bob" / "broken.jpg").write_bytes(b"\xff\xd8 not a JPEG")
    _save_face(tmp_path / "probe" / "x.png", 1)
    before = (
        (faces_project.path / "data/07_model_output/faces/identities.csv").read_bytes()
        if (faces_project.path / "data/07_model_output/faces/identities.csv").exists()
        else None
    )
    result = faces_project.run(
        "--pipelines",
        "faces_identify",
        "--params",
        f"gallery_dir={tmp_path / 'gallery'},probe_dir={tmp_path / 'probe'}",
        check=False,
    )
    assert result.returncode != 0
    assert "broken.jpg" in result.stderr and "Replace it" in result.stderr
    after = faces_project.path / "data/07_model_output/faces/identities.csv"
    assert (after.read_bytes() if after.exists() else None) == before


def _failed_verify(project: KedroProject, params: str) -> subprocess.CompletedProcess:
    """A ``faces_verify`` run with ``params`` that fails: its output is left as it was."""
    output = project.path / "data/07_model_output/faces/verify.json"
    before = output.read_bytes() if output.exists() else None
    result = project.run("--pipelines", "faces_verify", "--params", params, check=False)
    assert result.returncode != 0
    assert (output.read_bytes() if output.exists() else None) == before
    return result


def test_unreadable_verify_image_fails_the_run_naming_the_file(
    faces_project: KedroProject, tmp_path: Path
) -> None:
    _save_face(tmp_path / "a.png", 0)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not a JPEG")
    result = _failed_verify(
        faces_project, f"image_a={tmp_path / 'a.png'},image_b={tmp_path / 'broken.jpg'}"
    )
    assert "broken.jpg" in result.stderr and "Replace it" in result.stderr


def test_a_wrong_model_version_fails_naming_the_versions(
    faces_project: KedroProject, tmp_path: Path
) -> None:
    _save_face(tmp_path / "a.png", 0)
    image = tmp_path / "a.png"
    result = _failed_verify(faces_project, f"image_a={image},image_b={image},model_version=99")
    faces_project.assert_failed_cleanly(
        result,
        "faces_verify",
        "Registered model 'faces' has no version 99 (versions: 1",
        "champion → ",
        "--params model_version=",
    )
