"""Train/validation/test splits that keep each source in one split."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np


def grouped_stratified_split(
    labels: Sequence[int],
    groups: Sequence[str],
    fractions: Mapping[str, float],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Split example indices so that no group is in two splits and classes stay balanced.

    Groups (e.g. the source photo of every crop) are shuffled, then, within each
    stratum of groups with the same set of labels, assigned largest first to the split
    whose share is furthest below its target fraction. With single-example groups this
    is an ordinary stratified split.

    Args:
        labels: Class of every example.
        groups: Source of every example; examples of one group stay together.
        fractions: Target share of every split, e.g. ``{"train": .8, "val": .1, "test": .1}``.
        rng: Random generator (seeded by the caller).

    Returns:
        ``{split: sorted example indices}``.

    Raises:
        ValueError: when fractions do not sum to 1, or a split would lack a class.
    """
    labels = np.asarray(labels)
    groups = np.asarray(groups)
    if len(labels) != len(groups):
        raise ValueError(f"{len(labels)} labels but {len(groups)} groups.")
    if abs(sum(fractions.values()) - 1.0) > 1e-6 or min(fractions.values()) <= 0:
        raise ValueError(f"Split fractions must be positive and sum to 1, got {dict(fractions)}.")

    members: dict[str, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    names = list(members)
    order = rng.permutation(len(names))
    strata: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for i in order:
        group = names[i]
        strata[tuple(sorted(set(labels[members[group]].tolist())))].append(group)

    assigned: dict[str, list[int]] = {split: [] for split in fractions}
    for key in sorted(strata):
        stratum = sorted(strata[key], key=lambda g: -len(members[g]))  # stable: keeps shuffle
        total = sum(len(members[g]) for g in stratum)
        filled = dict.fromkeys(fractions, 0)
        for group in stratum:
            split = max(
                fractions, key=lambda s: (fractions[s] * total - filled[s]) / (fractions[s] * total)
            )
            filled[split] += len(members[group])
            assigned[split].extend(members[group])

    classes = set(labels.tolist())
    for split, indices in assigned.items():
        missing = classes - set(labels[indices].tolist())
        if missing:
            raise ValueError(
                f"Split '{split}' gets no example of class(es) {sorted(missing)}: there are "
                f"too few independent sources ({len(names)} groups) for fractions "
                f"{dict(fractions)}. Add data or change the fractions."
            )
    return {
        split: np.sort(np.asarray(indices, dtype=np.int64)) for split, indices in assigned.items()
    }
