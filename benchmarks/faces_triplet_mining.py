"""Online batch-hard / semi-hard mining (keras.ops, vectorised) against naive Python enumeration.

On the same P×K batch of random unit-norm embeddings, computes the batch-hard
triplet loss (and the semi-hard one) twice — once with
``dl_pipelines.pipelines.faces.metric_learning`` (one distance matrix, masks, no
Python loop), once by
enumerating every (anchor, positive, negative) triplet in Python and keeping each
anchor's hardest — checks that both give the same number, and prints the times and
their ratio (naive / vectorised; > 1 means the vectorised miner is faster).

    .venv/bin/python benchmarks/faces_triplet_mining.py [--p 16] [--k 4] [--dim 128] [--repeats 5]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np


def naive_batch_hard(labels: np.ndarray, embeddings: np.ndarray, margin: float) -> float:
    """Every triplet enumerated in Python; each anchor keeps its largest loss term."""
    n = len(labels)
    hardest = {}
    for a, p, q in itertools.product(range(n), repeat=3):
        if a == p or labels[a] != labels[p] or labels[q] == labels[a]:
            continue
        d_ap = float(np.sum((embeddings[a] - embeddings[p]) ** 2))
        d_an = float(np.sum((embeddings[a] - embeddings[q]) ** 2))
        hardest[a] = max(hardest.get(a, -np.inf), d_ap - d_an)
    return float(np.mean([max(v + margin, 0.0) for v in hardest.values()]))


def naive_semi_hard(labels: np.ndarray, embeddings: np.ndarray, margin: float) -> float:
    """Every (anchor, positive) pair in Python, scanning all negatives for the semi-hard one."""
    n = len(labels)
    d = lambda i, j: float(np.sum((embeddings[i] - embeddings[j]) ** 2))  # noqa: E731
    losses = []
    for a, p in itertools.permutations(range(n), 2):
        if labels[a] != labels[p]:
            continue
        negatives = [d(a, q) for q in range(n) if labels[q] != labels[a]]
        beyond = [x for x in negatives if x > d(a, p)]
        losses.append(max(d(a, p) - (min(beyond) if beyond else max(negatives)) + margin, 0))
    return float(np.mean(losses))


def timed(function, repeats: int) -> tuple[float, float]:
    best, value = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        value = float(function())
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=16)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--margin", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import keras

    from dl_pipelines.pipelines.faces.metric_learning import (
        batch_hard_triplet_loss,
        batch_semi_hard_triplet_loss,
    )

    generator = np.random.default_rng(0)
    labels = np.repeat(np.arange(args.p), args.k).astype("int32")
    embeddings = generator.normal(size=(len(labels), args.dim)).astype("float32")
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    print(
        f"Batch of P={args.p} × K={args.k} = {len(labels)} embeddings of {args.dim}-D, "
        f"Keras backend {keras.backend.backend()}, best of {args.repeats}."
    )
    for name, vectorised, naive in (
        ("batch-hard", batch_hard_triplet_loss, naive_batch_hard),
        ("semi-hard", batch_semi_hard_triplet_loss, naive_semi_hard),
    ):
        vectorised(labels, embeddings, args.margin)  # warm-up
        t_fast, fast = timed(lambda v=vectorised: v(labels, embeddings, args.margin), args.repeats)
        t_slow, slow = timed(lambda n=naive: n(labels, embeddings, args.margin), 1)
        assert abs(fast - slow) < 1e-4 * max(1.0, abs(slow)), (fast, slow)
        print(
            f"{name:>10}: vectorised {t_fast * 1e3:8.2f} ms, naive Python "
            f"{t_slow * 1e3:9.1f} ms, loss {fast:.5f} (both), ratio {t_slow / t_fast:7.1f}×"
        )


if __name__ == "__main__":
    main()
