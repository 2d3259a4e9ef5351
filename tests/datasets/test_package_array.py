"""Tests for dl_pipelines.datasets.PackageArrayDataset."""

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import PackageArrayDataset


def test_loads_lfw_subset_from_skimage():
    faces = PackageArrayDataset("skimage:data/lfw_subset.npy").load()
    assert faces.shape == (200, 25, 25)
    assert 0.0 <= faces.min() < faces.max() <= 1.0


@pytest.mark.parametrize(
    "spec, message",
    [
        ("skimage", "is not 'package:relative/path.npy'"),
        ("skimage:data/astronaut.png", "is not 'package:relative/path.npy'"),
        ("no_such_package_xyz:a.npy", "'no_such_package_xyz' is not installed"),
        ("skimage:data/nothing.npy", "reinstall it"),
    ],
)
def test_bad_specs_raise(spec, message):
    with pytest.raises(DatasetError, match=message):
        PackageArrayDataset(spec).load()


def test_is_read_only():
    with pytest.raises(DatasetError, match="read-only"):
        PackageArrayDataset("skimage:data/lfw_subset.npy").save(np.zeros(1))
