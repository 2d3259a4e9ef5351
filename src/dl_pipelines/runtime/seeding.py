"""Seeding and determinism for every backend Keras can run on."""

from __future__ import annotations

import logging

import numpy as np

logger = logging.getLogger(__name__)


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the Keras backend; make TensorFlow ops deterministic.

    Args:
        seed: The run's seed (``seed`` in ``conf/base/parameters.yml``).
        deterministic: Also ask the backend for deterministic kernels. On TensorFlow
            this enables op determinism (a little slower, identical results run to run);
            JAX is deterministic on CPU already; on PyTorch it enables
            ``torch.use_deterministic_algorithms``.
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r} (set `seed` in parameters.yml)")
    import keras

    keras.utils.set_random_seed(int(seed))
    if not deterministic:
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        torch.use_deterministic_algorithms(True, warn_only=True)


def rng(seed: int, *stream: int | str) -> np.random.Generator:
    """An independent NumPy generator for one purpose of a seeded run.

    ``rng(seed, "split")`` and ``rng(seed, "augment")`` never share random numbers,
    and each is the same from run to run.
    """
    keys = [int(seed)] + [s if isinstance(s, int) else _stable_hash(s) for s in stream]
    return np.random.default_rng(keys)


def _stable_hash(text: str) -> int:
    """A hash of ``text`` that, unlike ``hash()``, is the same in every process."""
    value = 2166136261
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value
