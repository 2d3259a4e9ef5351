"""Metric learning from the course notes: the triplet loss with online triplet mining.

An encoder f maps an image to an embedding; two images show the same person when
d(x₁, x₂) = ‖f(x₁) − f(x₂)‖² is small. The triplet loss of an anchor A, a positive P
(same person) and a negative N (another person) is

    L(A, P, N) = max(‖f(A) − f(P)‖² − ‖f(A) − f(N)‖² + α, 0).

Random triplets are mostly too easy (their loss is already 0), so triplets are
*mined online*, inside each batch of P identities × K images:

* **batch-hard** — for every anchor, the farthest positive and the nearest negative
  of the batch (Hermans, Beyer & Leibe 2017, "In defense of the triplet loss");
* **semi-hard** — for every anchor–positive pair, the nearest negative that is still
  farther than the positive, d(A,P) < d(A,N) (FaceNet, Schroff et al. 2015); when
  none is, the farthest negative.

Everything is written with ``keras.ops`` on the whole (B, B) distance matrix (and a
(B, B, B) mask for semi-hard), so it runs on TensorFlow, JAX and PyTorch without a
Python loop over triplets. :class:`PKBatches` draws the P×K batches.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dl_pipelines.runtime.seeding import rng as seeded_rng

#: The mining strategies :class:`TripletLoss` accepts.
MINING_STRATEGIES = ("batch_hard", "semi_hard")


# ------------------------------------------------------------------------------ distances
def pairwise_squared_distances(embeddings):
    """All squared Euclidean distances D[i, j] = ‖e_i − e_j‖² of a (B, d) batch.

    Computed as ‖e_i‖² − 2 e_i·e_j + ‖e_j‖², clipped at 0 (rounding can make it
    slightly negative) and exactly 0 on the diagonal.
    """
    embeddings = ops.convert_to_tensor(embeddings, dtype="float32")
    squared_norms = ops.sum(ops.square(embeddings), axis=1)
    dot = ops.matmul(embeddings, ops.transpose(embeddings))
    distances = squared_norms[:, None] - 2.0 * dot + squared_norms[None, :]
    distances = ops.maximum(distances, 0.0)
    size = ops.shape(embeddings)[0]
    return distances * (1.0 - ops.eye(size, dtype="float32"))


def triplet_loss(anchor, positive, negative, margin: float):
    """L(A, P, N) = max(‖A − P‖² − ‖A − N‖² + α, 0) for a batch of given triplets.

    Args:
        anchor, positive, negative: (n, d) embeddings f(A), f(P), f(N).
        margin: α.

    Returns:
        The (n,) losses of the triplets.
    """
    d_ap = ops.sum(ops.square(ops.subtract(anchor, positive)), axis=-1)
    d_an = ops.sum(ops.square(ops.subtract(anchor, negative)), axis=-1)
    return ops.relu(d_ap - d_an + margin)


def _masks(labels):
    """Boolean (B, B) masks: same person but not the same image; different person."""
    labels = ops.reshape(ops.convert_to_tensor(labels), (-1,))
    same = ops.equal(labels[:, None], labels[None, :])
    not_self = ops.logical_not(ops.cast(ops.eye(ops.shape(labels)[0]), "bool"))
    return ops.logical_and(same, not_self), ops.logical_not(same)


# ------------------------------------------------------------------------------- batch-hard
def mine_batch_hard(labels, distances):
    """For every anchor, its hardest positive and hardest negative in the batch.

    Args:
        labels: (B,) identity of every embedding.
        distances: (B, B) squared distances (:func:`pairwise_squared_distances`).

    Returns:
        ``(positive_index, negative_index, valid)``: (B,) indices of the farthest
        same-person embedding and of the nearest other-person embedding, and whether
        the anchor has both (an anchor alone of its identity, or a batch of one
        identity, has no triplet).
    """
    positive, negative = _masks(labels)
    big = ops.max(distances) + 1.0
    positive_index = ops.argmax(ops.where(positive, distances, -1.0), axis=1)
    negative_index = ops.argmin(ops.where(negative, distances, big), axis=1)
    valid = ops.logical_and(ops.any(positive, axis=1), ops.any(negative, axis=1))
    return positive_index, negative_index, valid


def batch_hard_triplet_loss(labels, embeddings, margin: float):
    """Mean over anchors of max(max_P d(A,P) − min_N d(A,N) + α, 0).

    Anchors without a positive or a negative in the batch do not count.
    """
    distances = pairwise_squared_distances(embeddings)
    positive, negative = _masks(labels)
    hardest_positive = ops.max(ops.where(positive, distances, 0.0), axis=1)
    big = ops.max(distances) + 1.0
    hardest_negative = ops.min(ops.where(negative, distances, big), axis=1)
    valid = ops.cast(
        ops.logical_and(ops.any(positive, axis=1), ops.any(negative, axis=1)), "float32"
    )
    losses = ops.relu(hardest_positive - hardest_negative + margin) * valid
    return ops.sum(losses) / ops.maximum(ops.sum(valid), 1.0)


# -------------------------------------------------------------------------------- semi-hard
def mine_semi_hard(labels, distances):
    """For every anchor–positive pair (a, p), the semi-hard negative of FaceNet.

    The negative is the nearest n with d(a,n) > d(a,p); when no negative is that far,
    the farthest negative (the "easiest", as FaceNet does; its loss is the smallest).

    Returns:
        ``(negative_index, pair_mask)``: (B, B) index of the negative chosen for each
        (a, p), and the (B, B) mask of the pairs that are anchor–positive pairs with
        at least one negative.
    """
    positive, negative = _masks(labels)
    d_ap = distances[:, :, None]  # (a, p, 1)
    d_an = distances[:, None, :]  # (a, 1, n)
    is_negative = negative[:, None, :]  # (a, 1, n)
    semi_hard = ops.logical_and(is_negative, ops.greater(d_an, d_ap))  # (a, p, n)
    big = ops.max(distances) + 1.0
    nearest_semi_hard = ops.argmin(ops.where(semi_hard, d_an, big), axis=2)
    farthest = ops.argmax(ops.where(negative, distances, -1.0), axis=1)  # (a,)
    has_semi_hard = ops.any(semi_hard, axis=2)
    farthest = ops.broadcast_to(farthest[:, None], ops.shape(nearest_semi_hard))
    negative_index = ops.where(has_semi_hard, nearest_semi_hard, farthest)
    pair_mask = ops.logical_and(positive, ops.any(negative, axis=1)[:, None])
    return negative_index, pair_mask


def batch_semi_hard_triplet_loss(labels, embeddings, margin: float):
    """Mean over anchor–positive pairs of max(d(a,p) − d(a,n*) + α, 0), n* semi-hard."""
    distances = pairwise_squared_distances(embeddings)
    negative_index, pair_mask = mine_semi_hard(labels, distances)
    d_an = ops.take_along_axis(
        distances, ops.reshape(negative_index, (ops.shape(distances)[0], -1)), axis=1
    )
    d_an = ops.reshape(d_an, ops.shape(distances))
    mask = ops.cast(pair_mask, "float32")
    losses = ops.relu(distances - d_an + margin) * mask
    return ops.sum(losses) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="dl_pipelines")
class TripletLoss(keras.losses.Loss):
    """The triplet loss with online mining, as a Keras loss.

    ``y_true`` holds the identity (an integer) of every example of the batch and
    ``y_pred`` the embeddings; the loss is one number for the whole batch, so sample
    weights do not apply.

    Args:
        margin: α of the triplet loss.
        mining: ``"batch_hard"`` or ``"semi_hard"``.
    """

    def __init__(
        self, margin: float = 0.2, mining: str = "batch_hard", name: str = "triplet_loss", **kwargs
    ) -> None:
        if mining not in MINING_STRATEGIES:
            raise ValueError(f"mining must be one of {MINING_STRATEGIES}, got {mining!r}.")
        if margin < 0:
            raise ValueError(f"margin must be >= 0, got {margin}.")
        super().__init__(name=name, **kwargs)
        self.margin = float(margin)
        self.mining = mining

    def call(self, y_true, y_pred):
        labels = ops.reshape(y_true, (-1,))
        if self.mining == "batch_hard":
            return batch_hard_triplet_loss(labels, y_pred, self.margin)
        return batch_semi_hard_triplet_loss(labels, y_pred, self.margin)

    def get_config(self) -> dict:
        return {**super().get_config(), "margin": self.margin, "mining": self.mining}


# --------------------------------------------------------------------------------- batches
def pk_batch_indices(
    labels: np.ndarray, p: int, k: int, generator: np.random.Generator
) -> list[np.ndarray]:
    """One epoch of P×K batches: each identity appears in one batch, with K images.

    Identities are shuffled and taken P at a time; the last batch is filled up with
    identities drawn at random from the others. An identity with fewer than K images
    repeats some of them (sampling with replacement).

    Args:
        labels: (n,) identity of every example.
        p: Identities per batch (at least 2, at most the number of identities).
        k: Images per identity (at least 2, so that every anchor has a positive).
        generator: Source of randomness.

    Returns:
        A list of (p·k,) index arrays, grouped identity by identity.
    """
    labels = np.asarray(labels)
    identities = np.unique(labels)
    if p < 2 or k < 2:
        raise ValueError(f"P×K batches need P >= 2 identities and K >= 2 images, got P={p}, K={k}.")
    if len(identities) < p:
        raise ValueError(
            f"P×K batches need at least P={p} identities, the data has {len(identities)}."
        )
    members = {identity: np.flatnonzero(labels == identity) for identity in identities}
    order = generator.permutation(identities)
    batches = []
    for start in range(0, len(order), p):
        chosen = list(order[start : start + p])
        if len(chosen) < p:
            others = np.setdiff1d(identities, chosen)
            chosen += list(generator.choice(others, p - len(chosen), replace=False))
        rows = [generator.choice(members[i], k, replace=len(members[i]) < k) for i in chosen]
        batches.append(np.concatenate(rows))
    return batches


class PKBatches(keras.utils.PyDataset):
    """Batches of P identities × K images each, for training with online mining.

    Yields ``(x, identity)`` with ``x`` float32. An epoch visits every identity
    ``passes`` times;
    the draw of each epoch comes from ``(seed, epoch)``, each batch's augmentation
    from ``(seed, epoch, batch)``, so runs repeat exactly.

    Args:
        x: (n, …) examples.
        labels: (n,) integer identities.
        p: Identities per batch.
        k: Images per identity.
        seed: The run's seed.
        augment: Optional ``augment(x_batch, rng) -> x_batch``.
        passes: Visits of every identity per epoch (more steps per epoch on small data).
    """

    def __init__(
        self,
        x: np.ndarray,
        labels: np.ndarray,
        p: int,
        k: int,
        seed: int = 0,
        augment=None,
        passes: int = 1,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        if len(x) != len(labels):
            raise ValueError(f"x has {len(x)} examples but labels has {len(labels)}.")
        self.x, self.labels = x, np.asarray(labels).astype("int32")
        if passes < 1:
            raise ValueError(f"passes must be at least 1, got {passes}.")
        self.p, self.k, self.seed, self.augment, self.passes = p, k, seed, augment, passes
        self._epoch = 0
        self._batches = self._draw()

    def _draw(self) -> list[np.ndarray]:
        return [
            rows
            for visit in range(self.passes)
            for rows in pk_batch_indices(
                self.labels, self.p, self.k, seeded_rng(self.seed, "pk", self._epoch, visit)
            )
        ]

    def __len__(self) -> int:
        return len(self._batches)

    def __getitem__(self, index: int):
        rows = self._batches[index]
        x = self.x[rows]
        if self.augment is not None:
            x = self.augment(x, seeded_rng(self.seed, "pk_augment", self._epoch, index))
        return x.astype("float32", copy=False), self.labels[rows]

    def on_epoch_end(self) -> None:
        self._epoch += 1
        self._batches = self._draw()
