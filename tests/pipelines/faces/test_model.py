"""The face encoder f(x), the ensemble and the pairwise classifier model, on tiny sizes."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dl_pipelines.pipelines.faces.model import (  # noqa: E402
    BLOCKS,
    build_encoder,
    build_ensemble,
    build_pair_classifier,
)
from tests.pipelines.faces.conftest import SHAPE, random_faces  # noqa: E402


@pytest.mark.parametrize("block", BLOCKS)
def test_embeddings_have_unit_norm(block: str) -> None:
    keras.utils.set_random_seed(0)
    encoder = build_encoder(SHAPE, 4, (8, 16), block, embedding_dim=16, dropout=0.2)
    x = random_faces(5)
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


def test_pair_head_shares_the_encoder_and_starts_at_one_half_for_identicalrandom_faces(
    tmp_path,
) -> None:
    keras.utils.set_random_seed(0)
    encoder = build_encoder(SHAPE, 4, (8,), "depthwise_separable", embedding_dim=8, dropout=0)
    model = build_pair_classifier(encoder)
    # Siamese: one encoder, plus the 8 weights w_k and the bias b of σ(Σ w_k|Δ_k| + b)
    assert model.count_params() == encoder.count_params() + 8 + 1
    a, b = random_faces(4, seed=1), random_faces(4, seed=2)
    p_ab = np.asarray(model.predict([a, b], verbose=0))
    assert p_ab.shape == (4, 1) and np.all((p_ab > 0) & (p_ab < 1))
    np.testing.assert_allclose(np.asarray(model.predict([b, a], verbose=0)), p_ab, atol=1e-6)
    # identical faces: |f(x) − f(x)| = 0, so ŷ = σ(b) = σ(0) = ½ before training
    np.testing.assert_allclose(np.asarray(model.predict([a, a], verbose=0)), 0.5, atol=1e-6)
    model.save(tmp_path / "pair.keras")  # |Δ| layer is serialisable
    again = keras.saving.load_model(tmp_path / "pair.keras", compile=False)
    np.testing.assert_allclose(np.asarray(again.predict([a, b], verbose=0)), p_ab, atol=1e-6)


def test_ensemble_is_the_renormalised_mean_of_its_members(tmp_path) -> None:
    keras.utils.set_random_seed(0)
    members = [
        build_encoder(SHAPE, 4, (8,), "residual", embedding_dim=8, dropout=0, name=f"member_{i}")
        for i in range(3)
    ]
    ensemble = build_ensemble(members)
    x = random_faces(5)
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
