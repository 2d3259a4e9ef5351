"""Tests for dl_pipelines.datasets.PackageImagesDataset."""

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import PackageImagesDataset


def test_loads_astronaut_from_skimage():
    images = PackageImagesDataset({"astronaut": "skimage:data/astronaut.png"}).load()
    assert list(images) == ["astronaut"]
    image = images["astronaut"]
    assert image.shape == (512, 512, 3)
    assert image.dtype == np.uint8
    assert image.std() > 20  # a photo, not a blank array


def test_matches_skimage_loader():
    from skimage import data

    image = PackageImagesDataset({"a": "skimage:data/astronaut.png"}).load()["a"]
    np.testing.assert_array_equal(image, data.astronaut())


@pytest.mark.parametrize("spec", ["skimage", "skimage:", "data/astronaut.png"])
def test_bad_spec_raises(spec):
    with pytest.raises(DatasetError, match="is not 'package:relative/path'"):
        PackageImagesDataset({"photo": spec}).load()


def test_missing_package_raises():
    with pytest.raises(DatasetError, match="'no_such_package_xyz' is not installed"):
        PackageImagesDataset({"photo": "no_such_package_xyz:data/a.png"}).load()


def test_missing_file_raises():
    with pytest.raises(DatasetError) as info:
        PackageImagesDataset({"photo": "skimage:data/no_such_image.png"}).load()
    message = str(info.value)
    assert "'data/no_such_image.png' is not in the installed 'skimage' package" in message
    assert "Image 'photo'" in message


def test_no_images_rejected():
    with pytest.raises(DatasetError, match="at least one image"):
        PackageImagesDataset({})


def test_read_only():
    with pytest.raises(DatasetError, match="read-only"):
        PackageImagesDataset({"a": "skimage:data/astronaut.png"}).save({"a": np.zeros(1)})
