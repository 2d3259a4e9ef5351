"""Unit tests of the face encoder f(x) and the pairwise head, on tiny sizes."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dl_pipelines.pipelines.faces import nodes  # noqa: E402
from dl_pipelines.pipelines.faces.model import (  # noqa: E402
    BLOCKS,
    build_encoder,
    build_pair_classifier,
)

SHAPE = (24, 24, 3)
TINY = {"embedding_dim": 8, "stem_filters": 4, "stage_filters": [8, 8],
        "block": "residual", "dropout": 0.1}


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
    np.testing.assert_allclose(np.asarray(encoder.predict(0.5 * x + 20, verbose=0)),
                               inference, atol=1e-3)
    # also while training: dropout active, batch statistics (this call updates them)
    training = keras.ops.convert_to_numpy(encoder(x, training=True))
    np.testing.assert_allclose(np.linalg.norm(training, axis=1), 1.0, atol=1e-5)


def test_pair_head_shares_the_encoder_and_starts_at_one_half_for_identical_faces(
        tmp_path) -> None:
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
    model.save(tmp_path / "pair.keras")                     # |Δ| layer is serialisable
    again = keras.saving.load_model(tmp_path / "pair.keras", compile=False)
    np.testing.assert_allclose(np.asarray(again.predict([a, b], verbose=0)), p_ab, atol=1e-6)


def test_pair_head_node_trains_and_scores_unseen_people() -> None:
    persons = np.repeat([f"p{i}" for i in range(4)], 3)
    part = {"images": _faces(12).astype(np.uint8), "persons": persons}
    params = {"enabled": True, "epochs": 2, "pairs_per_epoch": 16, "batch_size": 8,
              "learning_rate": 0.01}
    metrics, report = nodes.train_and_evaluate_pair_head(part, part, part, TINY, params, 0)
    assert set(metrics) == {"pair_verify_accuracy", "pair_verify_roc_auc"}
    assert 0 <= metrics["pair_verify_accuracy"]["value"] <= 1
    assert len(report["history"]["loss"]) == 2
    assert np.isfinite(report["history"]["loss"]).all()
    assert nodes.train_and_evaluate_pair_head(part, part, part, TINY,
                                              {**params, "enabled": False}, 0) == (
        {}, {"enabled": False})


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
    np.testing.assert_allclose(plain, np.asarray(encoder.predict(x.astype("float32"),
                                                                 verbose=0)), atol=1e-5)
    assert np.abs(nodes.embed(encoder, mirrored, flip_tta=False) - plain).max() > 1e-3
