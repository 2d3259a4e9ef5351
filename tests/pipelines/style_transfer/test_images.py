"""The image library (defaults, painted styles, the user's images), sizes and crops."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.style_transfer import images
from dl_pipelines.pipelines.style_transfer.painting import PAINTERS, paint
from tests.pipelines.style_transfer.conftest import collect


def test_user_images_join_and_replace_the_defaults(params) -> None:
    mine = np.zeros((70, 90, 3), np.uint8)
    content, styles = collect(
        params, {"holiday/beach.jpg": mine, "astronaut.png": mine}, {"van_gogh.jpg": mine}
    )
    assert sorted(content) == ["astronaut", "beach"]
    assert content["astronaut"] is mine
    assert sorted(styles) == ["brick", "mosaic", "swirls", "van_gogh"]
    assert styles["mosaic"].shape == (64, 64, 3)


def test_small_or_duplicate_user_images_are_named(params) -> None:
    with pytest.raises(ValueError, match=r"content image 'tiny.png' is 50×40 px.*at least 64"):
        collect(params, {"tiny.png": np.zeros((40, 50, 3), np.uint8)})
    big = np.zeros((80, 80, 3), np.uint8)
    with pytest.raises(ValueError, match="'a/x.jpg' and 'b/x.png'"):
        collect(params, None, {"a/x.jpg": big, "b/x.png": big})


def test_painted_styles_are_colourful_and_seeded() -> None:
    for name in PAINTERS:
        first = paint(name, 64, np.random.default_rng(3))
        assert first.shape == (64, 64, 3) and first.dtype == np.uint8
        np.testing.assert_array_equal(first, paint(name, 64, np.random.default_rng(3)))
        assert first.astype(float).std(axis=-1).mean() > 20, name  # not grey
    with pytest.raises(ValueError, match="Unknown painted style 'cubism'"):
        paint("cubism", 64, np.random.default_rng(0))


def test_resizing_helpers_keep_or_fill_the_shape() -> None:
    photo = np.zeros((300, 600, 3), np.uint8)
    assert images.square(photo, 32).shape == (32, 32, 3)
    assert images.fit_long_side(photo, 100).shape == (50, 100, 3)
    assert images.cover(photo, (40, 30)).shape == (40, 30, 3)


def test_training_crops_have_the_crop_size() -> None:
    photos = {"a": np.zeros((100, 80, 3), np.uint8), "b": np.full((90, 90, 3), 255, np.uint8)}
    crops = images.training_crops(photos, 10, 24, (0.5, 1.0), np.random.default_rng(0))
    assert crops.shape == (10, 24, 24, 3) and crops.dtype == np.uint8
    assert {0, 255} <= set(np.unique(crops).tolist())  # both photos used
