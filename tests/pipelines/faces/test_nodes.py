"""Unit tests of the faces data, detection, evaluation and use-on-new-images nodes."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import skimage.data
import yaml
from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.pipelines.faces.face_detection import (
    Box,
    DetectorParams,
    HaarFaceDetector,
    crop_box,
)
from dl_pipelines.pipelines.faces.nuisance import NuisanceParams, render_photo
from dl_pipelines.pipelines.faces.synthetic import MorphIdentity, draw_identities, morph_face
from dl_pipelines.runtime.config import ParameterError
from dl_pipelines.vision.images import resize
from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_faces.yml").read_text())["faces"]
LFW = skimage.data.lfw_subset()


@pytest.fixture
def data_params() -> dict:
    params = copy.deepcopy(BASE["data"])
    params["default_data"].update(identities=6, images_per_identity=3)
    return params


class StubEncoder:
    """Stands in for the Keras encoder: the embedding is the mean colour of the crop."""

    def predict(self, x, batch_size=None, verbose=0):
        means = x.reshape(len(x), -1, 3).mean(axis=1)
        return means / np.linalg.norm(means, axis=1, keepdims=True)


# ---------------------------------------------------------------------------------- data
def test_nuisance_photos_are_reproducible_and_vary() -> None:
    params = NuisanceParams(
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in BASE["data"]["default_data"]["nuisance"].items()
        }
    )
    first = render_photo(LFW[0], 64, np.random.default_rng(1), params)
    again = render_photo(LFW[0], 64, np.random.default_rng(1), params)
    other = render_photo(LFW[0], 64, np.random.default_rng(2), params)
    assert first.shape == (64, 64, 3) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert np.abs(first.astype(int) - other.astype(int)).mean() > 5


def test_default_set_has_one_person_per_lfw_face(data_params: dict) -> None:
    photos, report = nodes.assemble_photos({}, LFW, data_params, seed=0)
    assert len(photos) == 18
    assert sorted({k.split("/")[0] for k in photos}) == [f"lfw_subset_{i:03d}" for i in range(6)]
    assert report["source"] == "lfw_subset" and report["skipped_people"] == {}


def test_people_with_one_image_are_listed_and_skipped(data_params: dict) -> None:
    image = np.zeros((30, 30, 3), np.uint8)
    raw = {f"p{i}/{j}.png": image for i in range(4) for j in range(2)} | {"alone/x.jpg": image}
    photos, report = nodes.assemble_photos(raw, LFW, data_params, seed=0)
    assert "alone/x.jpg" not in photos and len(photos) == 8
    assert report["skipped_people"] == {"alone": ["alone/x.jpg"]}


def test_images_outside_person_folders_are_an_error(data_params: dict) -> None:
    with pytest.raises(ValueError, match="stray.jpg lie directly in data/01_raw/faces"):
        nodes.assemble_photos({"stray.jpg": np.zeros((5, 5, 3), np.uint8)}, LFW, data_params, 0)


def test_too_few_people_is_an_error(data_params: dict) -> None:
    raw = {f"p{i}/{j}.png": np.zeros((9, 9, 3), np.uint8) for i in range(3) for j in range(2)}
    with pytest.raises(ValueError, match="Only 3 people"):
        nodes.assemble_photos(raw, LFW, data_params, seed=0)


def test_mistyped_parameter_names_the_key(data_params: dict) -> None:
    data_params["imag_size"] = data_params.pop("image_size")
    with pytest.raises(ParameterError, match="'faces.data.image_size'.*'faces.data.imag_size'"):
        nodes.assemble_photos({}, LFW, data_params, seed=0)


# ----------------------------------------------------------------------------- detection
def test_haar_finds_an_upsampled_lfw_face_but_not_a_flat_patch() -> None:
    detector = HaarFaceDetector(nodes.parse(DetectorParams, BASE["detection"]["detector"], "d"))
    face = (LFW[0] * 255).astype(np.uint8)
    box = detector.detect(face)
    assert box is not None and 10 <= box.height <= 30
    assert detector.detect(np.full((40, 40, 3), 128, np.uint8)) is None


def test_crop_box_is_square_and_repeats_edges() -> None:
    image = np.arange(100, dtype=np.uint8).reshape(10, 10, 1).repeat(3, axis=2)
    crop = crop_box(image, Box(top=0, left=0, height=4, width=2), margin=0.25)
    assert crop.shape == (6, 6, 3)
    assert crop[0, 0, 0] == image[0, 0, 0]  # clipped at the border


def test_missing_faces_are_listed_kept_skipped_or_an_error() -> None:
    photos = {
        "a/face.png": np.repeat((LFW[0] * 255).astype(np.uint8)[..., None], 3, 2),
        "a/flat.png": np.full((25, 25, 3), 90, np.uint8),
    }
    params = copy.deepcopy(BASE["detection"])
    crops, report = nodes.detect_faces(photos, params, [16, 16])
    assert report["no_face_found"] == ["a/flat.png"]
    assert crops["images"].shape == (2, 16, 16, 3) and crops["detected"].tolist() == [True, False]
    params["no_face"] = "skip"
    crops, _ = nodes.detect_faces(photos, params, [16, 16])
    assert crops["names"].tolist() == ["a/face.png"]
    params["no_face"] = "error"
    with pytest.raises(ValueError, match="a/flat.png"):
        nodes.detect_faces(photos, params, [16, 16])


def test_detection_benchmark_reports_recall_and_false_positives() -> None:
    metrics, report = nodes.detection_benchmark(LFW, BASE["detection"])
    assert metrics["detection_recall"]["value"] >= 0.9
    assert metrics["detection_false_positive_rate"]["value"] <= 0.05
    assert len(report["missed_faces"]) == round(100 * (1 - report["detection_recall"]))


# ---------------------------------------------------------------------------------- split
def test_split_is_open_set() -> None:
    persons = np.repeat([f"p{i}" for i in range(10)], 3)
    crops = {
        "images": np.zeros((30, 4, 4, 3), np.uint8),
        "persons": persons,
        "names": np.arange(30).astype(str),
        "detected": np.ones(30, bool),
    }
    train, val, test, report = nodes.split_people(crops, BASE["split"], seed=3)
    sets = [set(part["persons"]) for part in (train, val, test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert [len(s) for s in sets] == [6, 2, 2]
    assert report["test"]["images"] == 6


# ------------------------------------------------------------------- synthetic people
def test_morph_identities_are_distinct_pairs_of_parents_with_their_own_blend() -> None:
    identities = draw_identities([3, 5, 8, 13], 6, (0.3, 0.7), np.random.default_rng(0))
    pairs = {frozenset((i.first, i.second)) for i in identities}
    assert len(pairs) == 6 and set().union(*pairs) == {3, 5, 8, 13}  # every pair once
    assert all(0.3 <= i.alpha <= 0.7 for i in identities)
    face = morph_face(LFW, MorphIdentity(first=0, second=1, alpha=0.25))
    np.testing.assert_allclose(face, 0.25 * LFW[0] + 0.75 * LFW[1])
    with pytest.raises(ValueError, match="only 6 parent pairs"):
        draw_identities([3, 5, 8, 13], 7, (0.3, 0.7), np.random.default_rng(0))


def _train_part(people: list[int], images: int = 2) -> dict[str, np.ndarray]:
    persons = np.repeat([f"lfw_subset_{p:03d}" for p in people], images)
    return {
        "images": np.zeros((len(persons), 16, 16, 3), np.uint8),
        "persons": persons,
        "names": np.asarray([f"{p}/{i:03d}.png" for i, p in enumerate(persons)]),
        "detected": np.ones(len(persons), bool),
    }


def test_synthetic_people_are_morphs_of_training_people_only(data_params: dict) -> None:
    data_params["image_size"] = [16, 16]
    data_params["default_data"]["synthetic_people"].update(identities=4, images_per_identity=3)
    train = _train_part([2, 7, 11, 20])
    merged, report = nodes.add_synthetic_people(
        train, LFW, {"source": "lfw_subset"}, data_params, BASE["detection"], seed=0
    )
    added = merged["persons"][len(train["persons"]) :]
    assert sorted(set(added)) == [f"synthetic_{n:04d}" for n in range(4)]
    assert len(added) == 12 and merged["images"].shape == (20, 16, 16, 3)
    np.testing.assert_array_equal(merged["persons"][:8], train["persons"])
    parents = {p for person in report["people"].values() for p in person["parents"]}
    assert parents <= {"lfw_subset_002", "lfw_subset_007", "lfw_subset_011", "lfw_subset_020"}
    again, _ = nodes.add_synthetic_people(
        train, LFW, {"source": "lfw_subset"}, data_params, BASE["detection"], seed=0
    )
    np.testing.assert_array_equal(again["images"], merged["images"])  # reproducible
    # the user's own data, or none asked for: the training people as they are
    for source, count in (("data/01_raw/faces", 4), ("lfw_subset", 0)):
        data_params["default_data"]["synthetic_people"]["identities"] = count
        same, report = nodes.add_synthetic_people(
            train, LFW, {"source": source}, data_params, BASE["detection"], seed=0
        )
        assert same is train and report["identities"] == 0


# ----------------------------------------------------------------------------- evaluation
def test_best_threshold_by_hand() -> None:
    # same-person pairs at 0.1, 0.2, 0.6; different at 0.5, 0.9, 1.0:
    # τ between 0.2 and 0.5 gets 5 of 6 right, as does τ between 0.6 and 0.9 — the first wins.
    tau = ev.best_threshold(np.array([0.1, 0.2, 0.6, 0.5, 0.9, 1.0]), np.array([1, 1, 1, 0, 0, 0]))
    assert tau == pytest.approx(0.35)


def test_tar_at_far() -> None:
    same = np.array([1] * 4 + [0] * 100)
    distances = np.concatenate([[0.1, 0.2, 0.3, 2.0], [0.25], np.linspace(0.35, 3, 99)])
    assert ev.tar_at_far(distances, same, far=0.0) == pytest.approx(0.5)
    assert ev.tar_at_far(distances, same, far=0.01) == pytest.approx(0.75)


def test_identify_answers_unknown_beyond_tau() -> None:
    gallery = np.array([[1.0, 0.0], [0.0, 1.0]])
    probes = np.array([[0.9, 0.1], [-1.0, 0.0]])
    person, distance = ev.identify(gallery, np.array(["ann", "bob"]), probes, tau=0.5)
    assert person.tolist() == ["ann", ev.UNKNOWN]
    assert distance[0] == pytest.approx(0.02)


def test_gallery_of_one_person_is_rejected() -> None:
    persons = np.repeat(["a", "b", "c"], 4)
    with pytest.raises(ValueError, match="gallery of at least 2 people"):
        ev.gallery_probe_split(persons, 0.34, 2, np.random.default_rng(0))


def test_clustering_of_separated_people_is_perfect() -> None:
    points = np.concatenate([np.random.default_rng(0).normal(c, 0.01, (5, 2)) for c in (0, 5, 10)])
    scores = ev.clustering_metrics(points, np.repeat([0, 1, 2], 5), seed=0)
    assert scores == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}


# --------------------------------------------------------------------- use on new images
def _coloured(colour) -> np.ndarray:
    return np.full((30, 30, 3), colour, np.uint8)


def test_verify_pair_uses_tau() -> None:
    threshold = {"tau": 0.01, "image_size": [16, 16]}
    params = {**BASE["detection"], "enabled": False}
    same = nodes.verify_pair(
        StubEncoder(), _coloured((200, 20, 20)), _coloured((190, 25, 20)), threshold, params
    )
    other = nodes.verify_pair(
        StubEncoder(), _coloured((200, 20, 20)), _coloured((20, 20, 200)), threshold, params
    )
    assert same["same"] and not other["same"]
    assert set(same) >= {"distance", "same", "tau"}


def test_identify_folder_names_people_and_rejects_one_person_gallery() -> None:
    threshold = {"tau": 0.01, "image_size": [16, 16]}
    params = {**BASE["detection"], "enabled": False}
    gallery = {"red/1.png": _coloured((200, 0, 0)), "blue/1.png": _coloured((0, 0, 200))}
    probes = {"x.png": _coloured((190, 10, 0)), "y.png": _coloured((0, 200, 0))}
    table = nodes.identify_folder(StubEncoder(), gallery, probes, threshold, params, 1)
    assert table.set_index("file")["person"].to_dict() == {"x.png": "red", "y.png": "unknown"}
    with pytest.raises(ValueError, match="needs at least two person folders"):
        nodes.identify_folder(
            StubEncoder(), {"red/1.png": gallery["red/1.png"]}, probes, threshold, params, 1
        )
    with pytest.raises(ValueError, match="not in a person folder"):
        nodes.identify_folder(
            StubEncoder(), {"1.png": gallery["red/1.png"]}, probes, threshold, params, 1
        )


def _face(size: int = 40) -> np.ndarray:
    """A real lfw_subset face the Haar cascade finds, as RGB uint8."""
    face = np.repeat((LFW[0] * 255).astype(np.uint8)[..., None], 3, axis=2)
    return resize(face, (size, size))


def test_identify_folder_with_every_gallery_or_probe_face_skipped_names_the_files() -> None:
    threshold = {"tau": 0.01, "image_size": [16, 16]}
    params = {**BASE["detection"], "no_face": "skip"}
    flat = np.full((40, 40, 3), 90, np.uint8)
    probes = {"x.png": _face()}
    # a face for ann only: skipping bob's faceless image leaves a gallery of one person
    with pytest.raises(ValueError, match=r"\(bob/1.png\) are skipped.*holds 1 person \(ann\)"):
        nodes.identify_folder(
            StubEncoder(), {"ann/1.png": _face(), "bob/1.png": flat}, probes, threshold, params, 1
        )
    with pytest.raises(ValueError, match=r"ann/1.png, bob/1.png.*holds 0 person"):
        nodes.identify_folder(
            StubEncoder(), {"ann/1.png": flat, "bob/1.png": flat}, probes, threshold, params, 1
        )
    gallery = {"ann/1.png": _face(), "bob/1.png": _face(48)}
    with pytest.raises(ValueError, match=r"No face found in any probe image \(p1.png, p2.png\)"):
        nodes.identify_folder(
            StubEncoder(), gallery, {"p1.png": flat, "p2.png": flat}, threshold, params, 1
        )
    # one faceless probe among others is listed as "no face", not an error
    table = nodes.identify_folder(
        StubEncoder(), gallery, {"p1.png": flat, "x.png": _face()}, threshold, params, 1
    )
    assert table.set_index("file").loc["p1.png", "person"] == "no face"


def test_unreadable_or_missing_verify_image_names_the_file(tmp_path) -> None:
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_faces.yml").read_text())
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a JPEG")
    for name in ("faces_verify_image_a", "faces_verify_image_b"):
        dataset = AbstractDataset.from_config(name, {**catalog[name], "filepath": str(broken)})
        with pytest.raises(DatasetError, match="broken.jpg.*Replace it"):
            dataset.load()
        dataset = AbstractDataset.from_config(
            name, {**catalog[name], "filepath": str(tmp_path / "absent.png")}
        )
        with pytest.raises(DatasetError, match="absent.png.*--params image_a="):
            dataset.load()
