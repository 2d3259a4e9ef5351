"""Verification, recognition and clustering of embeddings; f(x) with flip test-time augmentation."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.pipelines.faces.model import build_encoder
from tests.pipelines.faces.conftest import SHAPE, random_faces


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


def test_flip_tta_embedding_has_unit_norm_and_ignores_mirroring() -> None:
    keras.utils.set_random_seed(0)
    encoder = build_encoder(SHAPE, 4, (8, 16), "residual", embedding_dim=16, dropout=0)
    x = random_faces(6).astype(np.uint8)
    mirrored = x[:, :, ::-1]
    with_tta = ev.embed(encoder, x)
    np.testing.assert_allclose(np.linalg.norm(with_tta, axis=1), 1.0, atol=1e-6)
    # a crop and its mirror image get the same f(x) with test-time augmentation …
    np.testing.assert_allclose(ev.embed(encoder, mirrored), with_tta, atol=1e-5)
    # … but not without it (random faces are not symmetric), where f(x) is the encoder's
    plain = ev.embed(encoder, x, flip_tta=False)
    np.testing.assert_allclose(
        plain, np.asarray(encoder.predict(x.astype("float32"), verbose=0)), atol=1e-5
    )
    assert np.abs(ev.embed(encoder, mirrored, flip_tta=False) - plain).max() > 1e-3
