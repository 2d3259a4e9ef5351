"""Batched, shuffled, prefetched input pipelines over in-memory arrays, for any backend."""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from dl_pipelines.runtime.seeding import rng as seeded_rng

#: ``augment(x_batch, rng) -> x_batch``: a per-batch augmentation on NumPy arrays.
Augmentation = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class ArrayBatches(keras.utils.PyDataset):
    """Mini-batches of ``(x, y)`` arrays with a seeded shuffle and augmentation.

    Batches are built by index, so a pool of ``workers`` threads can prepare the next
    ``max_queue_size`` batches while the model trains on the current one (the
    prefetch; Keras runs the pool only for ``workers`` ≥ 2), and the result does not
    depend on thread timing: the order of an epoch is a permutation drawn from
    ``(seed, epoch)`` and each batch's augmentation from ``(seed, epoch, batch)``.

    Args:
        x: Inputs, first axis = examples.
        y: Targets, same first axis; ``None`` for prediction.
        batch_size: Examples per batch (the last batch may be smaller).
        shuffle: Reshuffle at every epoch.
        seed: Seed of the shuffle and the augmentation.
        augment: Optional per-batch augmentation of ``x``.
        sample_weight: Optional weights, first axis = examples (per example, or per
            output step for a sequence model); batches are then ``(x, y, weights)``.
        workers: Threads preparing batches; 1 prepares each batch when it is asked for.
        max_queue_size: Batches prepared ahead.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | None,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        augment: Augmentation | None = None,
        workers: int = 1,
        max_queue_size: int = 4,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max_queue_size)
        if y is not None and len(x) != len(y):
            raise ValueError(f"x has {len(x)} examples but y has {len(y)}.")
        if sample_weight is not None and (y is None or len(sample_weight) != len(x)):
            raise ValueError(
                f"sample_weight needs y and one row per example: x has {len(x)} "
                f"examples, sample_weight {len(sample_weight)} rows."
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.augment = augment
        self._epoch = 0
        self._order = self._permutation()

    def _permutation(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.x))
        return seeded_rng(self.seed, "shuffle", self._epoch).permutation(len(self.x))

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int):
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        x = self.x[rows]
        if self.augment is not None:
            x = self.augment(x, seeded_rng(self.seed, "augment", self._epoch, index))
        x = x.astype("float32", copy=False)
        if self.y is None:
            return (x,)
        if self.sample_weight is not None:
            return x, self.y[rows], self.sample_weight[rows]
        return x, self.y[rows]

    def on_epoch_end(self) -> None:
        self._epoch += 1
        self._order = self._permutation()


def random_horizontal_flip(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirror each image of an ``(n, h, w, c)`` batch left-right with probability ½."""
    flip = rng.random(len(x)) < 0.5
    out = x.copy()
    out[flip] = out[flip, :, ::-1]
    return out
