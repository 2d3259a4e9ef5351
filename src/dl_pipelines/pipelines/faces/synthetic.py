"""Procedural extra *training* identities for the default data: morphs of two real faces.

The default data has one real face per person (``lfw_subset``), so the encoder sees
only the 60 training faces and over-fits them. Each synthetic person here is drawn
from per-identity parameters — two parent faces of *training* people and a blend
weight α — as the pixel morph α·a + (1 − α)·b of the two aligned 25×25 crops (a new,
plausible face: LFW crops are aligned on the eyes), then photographed under the same
nuisance changes as a real person (:mod:`.nuisance`). Validation and test people are
never parents, so their faces stay unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MorphIdentity:
    """The per-identity parameters of one synthetic person."""

    first: int  # index of the first parent face
    second: int  # index of the second parent face
    alpha: float  # weight of the first parent, in (0, 1)


def draw_identities(
    parents: list[int], count: int, blend: tuple[float, float], generator: np.random.Generator
) -> list[MorphIdentity]:
    """``count`` distinct (unordered) parent pairs, each with its blend weight α.

    Raises:
        ValueError: with fewer than two parents, more identities than parent pairs, or
            a blend range outside (0, 1).
    """
    if len(parents) < 2:
        raise ValueError("Synthetic people need at least two training faces as parents.")
    pairs = len(parents) * (len(parents) - 1) // 2
    if count > pairs:
        raise ValueError(
            f"{count} synthetic people asked for, but {len(parents)} training "
            f"faces make only {pairs} parent pairs: lower "
            "faces.data.default_data.synthetic_people.identities."
        )
    if not 0 < blend[0] <= blend[1] < 1:
        raise ValueError(f"blend must be [low, high] within (0, 1), got {list(blend)}")
    first, second = np.triu_indices(len(parents), k=1)
    chosen = generator.choice(pairs, count, replace=False)
    alphas = generator.uniform(blend[0], blend[1], size=count)
    return [
        MorphIdentity(int(parents[first[c]]), int(parents[second[c]]), float(a))
        for c, a in zip(chosen, alphas, strict=True)
    ]


def morph_face(faces: np.ndarray, identity: MorphIdentity) -> np.ndarray:
    """The synthetic person's face: α·a + (1 − α)·b of two aligned crops (floats in [0, 1])."""
    a = np.asarray(faces[identity.first], dtype=np.float64)
    b = np.asarray(faces[identity.second], dtype=np.float64)
    return identity.alpha * a + (1.0 - identity.alpha) * b
