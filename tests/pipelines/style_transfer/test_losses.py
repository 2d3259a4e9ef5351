"""The loss terms against values computed by hand on tiny tensors."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.style_transfer.losses import (
    as_float,
    content_cost,
    gram_matrix,
    layer_style_cost,
    style_cost,
    total_cost,
    total_variation,
)

# n_H = 1, n_W = 2, n_C = 2: two positions with activations (1, 2) and (3, 4).
A = np.array([[[[1.0, 2.0], [3.0, 4.0]]]], dtype="float32")
# Two positions with activations (1, 0) and (0, 1): its Gram matrix is the identity.
B = np.array([[[[1.0, 0.0], [0.0, 1.0]]]], dtype="float32")


def test_gram_matrix_by_hand() -> None:
    # G[k, k'] = Σ_positions a_k · a_k': [[1·1 + 3·3, 1·2 + 3·4], [2·1 + 4·3, 2·2 + 4·4]]
    gram = np.asarray(gram_matrix(A))
    np.testing.assert_allclose(gram, [[[10.0, 14.0], [14.0, 20.0]]])
    np.testing.assert_allclose(np.asarray(gram_matrix(B)), [np.eye(2)])


def test_gram_matrix_without_batch_axis_and_symmetry() -> None:
    features = np.random.default_rng(0).normal(size=(3, 4, 5)).astype("float32")
    gram = np.asarray(gram_matrix(features))
    assert gram.shape == (5, 5)
    np.testing.assert_allclose(gram, gram.T, rtol=1e-5)
    np.testing.assert_allclose(gram, features.reshape(12, 5).T @ features.reshape(12, 5), rtol=1e-5)


def test_content_cost_by_hand() -> None:
    # Σ (a_C − a_G)² = 1 + 4 + 9 + 16 = 30; 4·n_H·n_W·n_C = 4·1·2·2 = 16
    assert as_float(content_cost(np.zeros_like(A), A)) == pytest.approx(30 / 16)
    assert as_float(content_cost(A, A)) == 0.0


def test_content_cost_averages_over_the_batch() -> None:
    batch_c = np.concatenate([np.zeros_like(A), A])
    batch_g = np.concatenate([A, A])
    assert as_float(content_cost(batch_c, batch_g)) == pytest.approx(30 / 16 / 2)


def test_layer_style_cost_by_hand() -> None:
    # G(S) − G(G) = [[10, 14], [14, 20]] − I = [[9, 14], [14, 19]];
    # ‖·‖² = 81 + 196 + 196 + 361 = 834; (2·n_H·n_W·n_C)² = (2·1·2·2)² = 64
    style_gram = np.asarray(gram_matrix(A))[0]
    assert as_float(layer_style_cost(style_gram, B)) == pytest.approx(834 / 64)


def test_style_cost_is_zero_for_identical_images() -> None:
    features = np.random.default_rng(1).uniform(0, 50, size=(1, 4, 4, 3)).astype("float32")
    grams = {"l1": np.asarray(gram_matrix(features))[0]}
    assert as_float(style_cost(grams, {"l1": features}, {"l1": 1.0})) == 0.0


def test_style_cost_weights_the_layers() -> None:
    style_gram = np.asarray(gram_matrix(A))[0]
    grams = {"l1": style_gram, "l2": style_gram}
    cost = style_cost(grams, {"l1": B, "l2": A, "unused": B}, {"l1": 0.5, "l2": 2.0})
    # λ_1 · 834/64 + λ_2 · 0
    assert as_float(cost) == pytest.approx(0.5 * 834 / 64)


def test_total_variation_by_hand() -> None:
    image = np.array([[[[0.0], [1.0]], [[2.0], [4.0]]]], dtype="float32")  # [[0,1],[2,4]]
    # vertical: (2 − 0)² + (4 − 1)² = 13; horizontal: (1 − 0)² + (4 − 2)² = 5; / (2·2·1)
    assert as_float(total_variation(image)) == pytest.approx(18 / 4)
    assert as_float(total_variation(np.full((1, 3, 3, 3), 7.0, "float32"))) == 0.0


def test_total_cost_by_hand() -> None:
    assert total_cost(1.0, 2.0, 3.0, alpha=10.0, beta=100.0, tv_weight=0.5) == 211.5
