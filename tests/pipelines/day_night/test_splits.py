"""Tests for dl_pipelines.pipelines.day_night.splits.grouped_stratified_split."""

import numpy as np
import pytest

from dl_pipelines.pipelines.day_night.splits import grouped_stratified_split

FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}


def _grouped_data(n_groups: int = 60, seed: int = 0):
    """Groups of 1–5 crops, each group of one class."""
    rng = np.random.default_rng(seed)
    labels, groups = [], []
    for g in range(n_groups):
        size = int(rng.integers(1, 6))
        label = g % 2
        labels += [label] * size
        groups += [f"photo_{g}"] * size
    return np.array(labels), np.array(groups)


def _check_partition(splits, labels, groups):
    all_indices = np.concatenate(list(splits.values()))
    assert sorted(all_indices.tolist()) == list(range(len(labels)))  # each exactly once
    owner = {}
    for name, indices in splits.items():
        assert np.all(np.diff(indices) > 0)  # sorted, no duplicates
        for group in set(groups[indices].tolist()):
            assert owner.setdefault(group, name) == name, f"group {group} in two splits"
        assert set(labels[indices].tolist()) == set(labels.tolist()), f"{name} lacks a class"


def test_no_group_in_two_splits_and_partition():
    labels, groups = _grouped_data()
    splits = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(1))
    assert set(splits) == set(FRACTIONS)
    assert all(s.dtype == np.int64 for s in splits.values())
    _check_partition(splits, labels, groups)


def test_single_example_groups_sizes_close_to_fractions():
    n = 1000
    labels = np.array([0] * 500 + [1] * 500)
    groups = [f"g{i}" for i in range(n)]
    splits = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(0))
    _check_partition(splits, labels, np.array(groups))
    for name, fraction in FRACTIONS.items():
        assert abs(len(splits[name]) / n - fraction) <= 0.02
        # Stratified: each split keeps the 50/50 class balance.
        assert abs(labels[splits[name]].mean() - 0.5) <= 0.02


def test_imbalanced_classes_are_stratified():
    labels = np.array([0] * 900 + [1] * 100)
    groups = np.arange(1000).astype(str)
    splits = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(5))
    for name, fraction in FRACTIONS.items():
        positives = int(labels[splits[name]].sum())
        assert abs(positives - 100 * fraction) <= 2


def test_grouped_sizes_close_to_fractions():
    labels, groups = _grouped_data(n_groups=400, seed=3)
    splits = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(2))
    _check_partition(splits, labels, groups)
    for name, fraction in FRACTIONS.items():
        assert abs(len(splits[name]) / len(labels) - fraction) <= 0.03


def test_deterministic_for_same_seed():
    labels, groups = _grouped_data()
    a = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(42))
    b = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(42))
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_different_for_different_seed():
    labels, groups = _grouped_data()
    a = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(1))
    b = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(2))
    assert any(not np.array_equal(a[name], b[name]) for name in a)


def test_mixed_label_groups_still_split():
    # Every photo gives crops of both classes (e.g. a day half and a night half).
    labels, groups = [], []
    for g in range(50):
        for crop in range(4):
            labels.append(crop % 2)
            groups.append(f"photo_{g}")
    labels, groups = np.array(labels), np.array(groups)
    splits = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(0))
    _check_partition(splits, labels, groups)
    assert len(splits["train"]) == 160 and len(splits["val"]) == 20
    assert len(splits["test"]) == 20


def test_mixed_and_pure_groups_together():
    labels, groups = _grouped_data(n_groups=40)
    extra_labels = np.array([0, 1] * 40)
    extra_groups = np.repeat([f"mixed_{i}" for i in range(40)], 2)
    labels = np.concatenate([labels, extra_labels])
    groups = np.concatenate([groups, extra_groups])
    splits = grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(9))
    _check_partition(splits, labels, groups)


def test_too_few_groups_raises():
    labels = [0, 0, 1, 1]
    groups = ["a", "a", "b", "b"]  # two groups for three splits
    with pytest.raises(ValueError, match="too few"):
        grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(0))


def test_too_few_groups_of_one_class_raises():
    labels = [0] * 50 + [1] * 2
    groups = [f"g{i}" for i in range(52)]
    with pytest.raises(ValueError, match=r"too few.*52 groups"):
        grouped_stratified_split(labels, groups, FRACTIONS, np.random.default_rng(0))


@pytest.mark.parametrize(
    "fractions",
    [
        {"train": 0.8, "val": 0.1, "test": 0.2},
        {"train": 0.5, "val": 0.1},
        {"train": 1.1, "val": -0.1},
        {"train": 1.0, "val": 0.0},
    ],
)
def test_fractions_must_be_positive_and_sum_to_one(fractions):
    labels, groups = _grouped_data()
    with pytest.raises(ValueError, match="sum to 1"):
        grouped_stratified_split(labels, groups, fractions, np.random.default_rng(0))


def test_labels_and_groups_length_mismatch_raises():
    with pytest.raises(ValueError, match="3 labels but 2 groups"):
        grouped_stratified_split([0, 1, 0], ["a", "b"], FRACTIONS, np.random.default_rng(0))


def test_two_way_split():
    labels = np.array([0, 1] * 50)
    groups = np.arange(100)
    splits = grouped_stratified_split(
        labels, groups, {"train": 0.7, "test": 0.3}, np.random.default_rng(0)
    )
    assert len(splits["train"]) == 70 and len(splits["test"]) == 30
