"""The people and their photos: the default set, the user's folder, the split, morph people."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.pipelines.faces.nuisance import render_photo
from dl_pipelines.pipelines.faces.params import NuisanceParams
from dl_pipelines.pipelines.faces.synthetic import MorphIdentity, draw_identities, morph_face
from dl_pipelines.runtime.config import ParameterError
from tests.pipelines.faces.conftest import BASE, LFW


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
