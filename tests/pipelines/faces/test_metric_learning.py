"""Triplet loss and online mining, against values computed by hand."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from dl_pipelines.pipelines.faces.metric_learning import (
    PKBatches,
    TripletLoss,
    batch_hard_triplet_loss,
    batch_semi_hard_triplet_loss,
    mine_batch_hard,
    mine_semi_hard,
    pairwise_squared_distances,
    pk_batch_indices,
    triplet_loss,
)

# Two people in 2-D: e0=(0,0), e1=(1,0) are person 0; e2=(3,0), e3=(0,2) person 1.
# Squared distances: d01=1, d02=9, d03=4, d12=4, d13=5, d23=13.
LABELS = np.array([0, 0, 1, 1])
EMBEDDINGS = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0]], dtype="float32")
DISTANCES = np.array([[0, 1, 9, 4], [1, 0, 4, 5], [9, 4, 0, 13], [4, 5, 13, 0]], dtype="float32")


def test_pairwise_squared_distances_by_hand() -> None:
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(pairwise_squared_distances(EMBEDDINGS)), DISTANCES, atol=1e-5
    )


def test_triplet_loss_formula() -> None:
    # ‖A−P‖² = 1, ‖A−N‖² = 4: max(1 − 4 + 0.2, 0) = 0 ; swapped: max(4 − 1 + 0.2, 0) = 3.2
    a, p, n = EMBEDDINGS[[0]], EMBEDDINGS[[1]], EMBEDDINGS[[3]]
    assert float(triplet_loss(a, p, n, 0.2)[0]) == pytest.approx(0.0)
    assert float(triplet_loss(a, n, p, 0.2)[0]) == pytest.approx(3.2)


def test_batch_hard_loss_by_hand() -> None:
    # anchors 0, 1: hardest P = 1, hardest N = 4 → 0; anchors 2, 3: P = 13, N = 4 → 9.5
    loss = batch_hard_triplet_loss(LABELS, EMBEDDINGS, margin=0.5)
    assert float(loss) == pytest.approx((0 + 0 + 9.5 + 9.5) / 4, abs=1e-5)


def test_batch_hard_miner_picks_farthest_positive_and_nearest_negative() -> None:
    labels = np.array([0, 0, 0, 1, 1, 2])
    points = np.array([[0.0], [1.0], [3.0], [2.5], [10.0], [-1.5]], dtype="float32")
    distances = pairwise_squared_distances(points)
    positive, negative, valid = (
        keras.ops.convert_to_numpy(t) for t in mine_batch_hard(labels, distances)
    )
    # anchor 0 (x=0): positives at 1, 3 → farthest index 2; negatives at 2.5, 10, −1.5 →
    # nearest index 5.  anchor 3 (x=2.5): only positive 4; nearest negative 2 (x=3).
    assert positive[0] == 2 and negative[0] == 5
    assert positive[3] == 4 and negative[3] == 2
    assert negative[1] == 3  # x=1: 2.5 is nearer than −1.5
    assert valid.tolist() == [True, True, True, True, True, False]


def test_semi_hard_loss_by_hand() -> None:
    # (0,1): N with d>1 nearest = 4 → 0; (1,0): 4 → 0;
    # (2,3): no negative beyond 13 → farthest 9 → 4.5; (3,2): farthest 5 → 8.5
    loss = batch_semi_hard_triplet_loss(LABELS, EMBEDDINGS, margin=0.5)
    assert float(loss) == pytest.approx((0 + 0 + 4.5 + 8.5) / 4, abs=1e-5)


def test_semi_hard_miner_skips_harder_negatives() -> None:
    # anchor 0 with positive 1 at d=2; negatives 2, 3, 4 at d = 1 (hard), 3 (semi-hard), 5.
    labels = np.array([0, 0, 1, 1, 1])
    distances = np.full((5, 5), 9.0, dtype="float32")
    np.fill_diagonal(distances, 0.0)
    for j, d in zip([1, 2, 3, 4], [2.0, 1.0, 3.0, 5.0], strict=True):
        distances[0, j] = distances[j, 0] = d
    negative, pairs = (keras.ops.convert_to_numpy(t) for t in mine_semi_hard(labels, distances))
    assert negative[0, 1] == 3  # not 2, the hardest
    assert pairs[0, 1] and not pairs[0, 0] and not pairs[0, 2]
    hard_positive, hard_negative, _ = mine_batch_hard(labels, distances)
    assert int(keras.ops.convert_to_numpy(hard_negative)[0]) == 2


def test_loss_matches_brute_force_enumeration() -> None:
    generator = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 3)
    embeddings = generator.normal(size=(12, 5)).astype("float32")
    d = ((embeddings[:, None] - embeddings[None]) ** 2).sum(-1)
    hard = []
    for a in range(12):
        pos = [p for p in range(12) if labels[p] == labels[a] and p != a]
        neg = [n for n in range(12) if labels[n] != labels[a]]
        hard.append(max(max(d[a, pos]) - min(d[a, neg]) + 0.3, 0))
    assert float(batch_hard_triplet_loss(labels, embeddings, 0.3)) == pytest.approx(
        np.mean(hard), rel=1e-4
    )
    semi = []
    for a, p in itertools.permutations(range(12), 2):
        if labels[a] != labels[p]:
            continue
        neg = [d[a, n] for n in range(12) if labels[n] != labels[a]]
        beyond = [x for x in neg if x > d[a, p]]
        semi.append(max(d[a, p] - (min(beyond) if beyond else max(neg)) + 0.3, 0))
    assert float(batch_semi_hard_triplet_loss(labels, embeddings, 0.3)) == pytest.approx(
        np.mean(semi), rel=1e-4
    )


def test_triplet_loss_class_and_config() -> None:
    loss = TripletLoss(margin=0.5, mining="semi_hard")
    assert float(loss(LABELS, EMBEDDINGS)) == pytest.approx(3.25, abs=1e-5)
    again = TripletLoss.from_config(loss.get_config())
    assert again.mining == "semi_hard" and again.margin == 0.5
    with pytest.raises(ValueError, match="mining must be one of"):
        TripletLoss(mining="random")


def test_pk_batches_hold_p_identities_times_k_images() -> None:
    labels = np.repeat(np.arange(7), [2, 3, 5, 4, 6, 3, 3])
    batches = pk_batch_indices(labels, p=3, k=4, generator=np.random.default_rng(1))
    assert len(batches) == 3  # ⌈7 / 3⌉
    seen = set()
    for rows in batches:
        assert rows.shape == (12,)
        groups = labels[rows].reshape(3, 4)
        assert (groups == groups[:, :1]).all()  # K of one identity per row
        assert len(set(groups[:, 0])) == 3  # P different identities
        seen |= set(groups[:, 0])
    assert seen == set(range(7))  # every identity each epoch
    with pytest.raises(ValueError, match="at least P=8 identities"):
        pk_batch_indices(labels, p=8, k=2, generator=np.random.default_rng(0))


def test_pk_dataset_is_reproducible() -> None:
    x = np.arange(40, dtype="float32").reshape(20, 2)
    labels = np.repeat(np.arange(5), 4)
    first, second = PKBatches(x, labels, 2, 2, seed=3), PKBatches(x, labels, 2, 2, seed=3)
    assert len(first) == 3
    np.testing.assert_array_equal(first[0][0], second[0][0])
    np.testing.assert_array_equal(first[0][1], labels[(first[0][0][:, 0] // 2).astype(int)])
