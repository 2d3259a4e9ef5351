"""Unit tests of the face encoder f(x) and the pairwise head, on tiny sizes."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dl_pipelines.pipelines.faces import nodes  # noqa: E402
from dl_pipelines.pipelines.faces.model import (  # noqa: E402
    BLOCKS,
    build_encoder,
    build_ensemble,
    build_pair_classifier,
)

SHAPE = (24, 24, 3)
TINY = {
    "embedding_dim": 8,
    "stem_filters": 4,
    "stage_filters": [8, 8],
    "block": "residual",
    "dropout": 0.1,
}


def _faces(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, *SHAPE)).astype("float32")


@pytest.mark.parametrize("block", BLOCKS)
def test_embeddings_have_unit_norm(block: str) -> None:
    keras.utils.set_random_seed(0)
    encoder = build_encoder(SHAPE, 4, (8, 16), block, embedding_dim=16, dropout=0.2)
    x = _faces(5)
    inference = np.asarray(encoder.predict(x, verbose=0))
    assert inference.shape == (5, 16)
    np.testing.assert_allclose(np.linalg.norm(inference, axis=1), 1.0, atol=1e-5)
    # per-image standardisation: a change of exposure and contrast leaves f(x) unchanged
    np.testing.assert_allclose(
        np.asarray(encoder.predict(0.5 * x + 20, verbose=0)), inference, atol=1e-3
    )
    # also while training: dropout active, batch statistics (this call updates them)
    training = keras.ops.convert_to_numpy(encoder(x, training=True))
    np.testing.assert_allclose(np.linalg.norm(training, axis=1), 1.0, atol=1e-5)


def test_pair_head_shares_the_encoder_and_starts_at_one_half_for_identical_faces(tmp_path) -> None:
    keras.utils.set_random_seed(0)
    encoder = build_encoder(SHAPE, 4, (8,), "depthwise_separable", embedding_dim=8, dropout=0)
    model = build_pair_classifier(encoder)
    # Siamese: one encoder, plus the 8 weights w_k and the bias b of σ(Σ w_k|Δ_k| + b)
    assert model.count_params() == encoder.count_params() + 8 + 1
    a, b = _faces(4, seed=1), _faces(4, seed=2)
    p_ab = np.asarray(model.predict([a, b], verbose=0))
    assert p_ab.shape == (4, 1) and np.all((p_ab > 0) & (p_ab < 1))
    np.testing.assert_allclose(np.asarray(model.predict([b, a], verbose=0)), p_ab, atol=1e-6)
    # identical faces: |f(x) − f(x)| = 0, so ŷ = σ(b) = σ(0) = ½ before training
    np.testing.assert_allclose(np.asarray(model.predict([a, a], verbose=0)), 0.5, atol=1e-6)
    model.save(tmp_path / "pair.keras")  # |Δ| layer is serialisable
    again = keras.saving.load_model(tmp_path / "pair.keras", compile=False)
    np.testing.assert_allclose(np.asarray(again.predict([a, b], verbose=0)), p_ab, atol=1e-6)


def test_pair_head_node_trains_and_scores_unseen_people() -> None:
    persons = np.repeat([f"p{i}" for i in range(4)], 3)
    part = {"images": _faces(12).astype(np.uint8), "persons": persons}
    params = {
        "enabled": True,
        "epochs": 2,
        "pairs_per_epoch": 16,
        "batch_size": 8,
        "learning_rate": 0.01,
    }
    metrics, report = nodes.train_and_evaluate_pair_head(part, part, part, TINY, params, 0)
    assert set(metrics) == {"pair_verify_accuracy", "pair_verify_roc_auc"}
    assert 0 <= metrics["pair_verify_accuracy"]["value"] <= 1
    assert len(report["history"]["loss"]) == 2
    assert np.isfinite(report["history"]["loss"]).all()
    assert nodes.train_and_evaluate_pair_head(
        part, part, part, TINY, {**params, "enabled": False}, 0
    ) == ({}, {"enabled": False})


def test_flip_tta_embedding_has_unit_norm_and_ignores_mirroring() -> None:
    keras.utils.set_random_seed(0)
    encoder = build_encoder(SHAPE, 4, (8, 16), "residual", embedding_dim=16, dropout=0)
    x = _faces(6).astype(np.uint8)
    mirrored = x[:, :, ::-1]
    with_tta = nodes.embed(encoder, x)
    np.testing.assert_allclose(np.linalg.norm(with_tta, axis=1), 1.0, atol=1e-6)
    # a crop and its mirror image get the same f(x) with test-time augmentation …
    np.testing.assert_allclose(nodes.embed(encoder, mirrored), with_tta, atol=1e-5)
    # … but not without it (random faces are not symmetric), where f(x) is the encoder's
    plain = nodes.embed(encoder, x, flip_tta=False)
    np.testing.assert_allclose(
        plain, np.asarray(encoder.predict(x.astype("float32"), verbose=0)), atol=1e-5
    )
    assert np.abs(nodes.embed(encoder, mirrored, flip_tta=False) - plain).max() > 1e-3


def test_ensemble_is_the_renormalised_mean_of_its_members(tmp_path) -> None:
    keras.utils.set_random_seed(0)
    members = [
        build_encoder(SHAPE, 4, (8,), "residual", embedding_dim=8, dropout=0, name=f"member_{i}")
        for i in range(3)
    ]
    ensemble = build_ensemble(members)
    x = _faces(5)
    each = np.stack([np.asarray(m.predict(x, verbose=0)) for m in members])
    mean = each.mean(axis=0)
    expected = mean / np.linalg.norm(mean, axis=1, keepdims=True)
    got = np.asarray(ensemble.predict(x, verbose=0))
    assert got.shape == (5, 8)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    ensemble.save(tmp_path / "ensemble.keras")  # one file, loads like one encoder
    again = keras.saving.load_model(tmp_path / "ensemble.keras", compile=False)
    np.testing.assert_allclose(np.asarray(again.predict(x, verbose=0)), got, atol=1e-6)
    assert build_ensemble(members[:1]) is members[0]
    with pytest.raises(ValueError, match="distinct names"):
        build_ensemble([members[0], members[0]])


def test_train_encoder_with_an_ensemble_trains_each_member_from_its_seed() -> None:
    persons = np.repeat([f"p{i}" for i in range(4)], 4)
    part = {"images": _faces(16).astype(np.uint8), "persons": persons}
    training = {
        "epochs": 2,
        "identities_per_batch": 4,
        "images_per_identity": 2,
        "margin": 0.2,
        "mining": "batch_hard",
        "learning_rate": 0.01,
        "early_stopping_patience": 5,
        "horizontal_flip": False,
    }
    model, history = nodes.train_encoder(part, part, {**TINY, "ensemble": 2}, training, 3)
    assert model.name == "face_encoder_ensemble"
    assert set(history) == {"loss", "val_loss", "loss_2", "val_loss_2"}
    assert len(history["loss_2"]) == 2 and history["loss"] != history["loss_2"]
    single, _ = nodes.train_encoder(part, part, TINY, training, 3)
    assert single.name == "face_encoder"
    # member 1 of the ensemble is the single encoder trained from the same seed
    member = model.get_layer("face_encoder")
    assert not member.compiled  # no loss or optimiser inside the saved ensemble
    np.testing.assert_allclose(
        np.asarray(member.predict(part["images"], verbose=0)),
        np.asarray(single.predict(part["images"], verbose=0)),
        atol=1e-5,
    )
    with pytest.raises(ValueError, match="ensemble"):
        nodes.train_encoder(part, part, {**TINY, "ensemble": 0}, training, 3)
