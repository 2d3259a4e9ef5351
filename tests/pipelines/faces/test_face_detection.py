"""Shared face-detection helpers: where a missed face most likely is."""

from __future__ import annotations

import numpy as np

from dl_pipelines.pipelines.faces.face_detection import Box, crop_box, typical_box


def test_typical_box_is_the_median_relative_box_scaled_to_the_image():
    found = [
        (Box(10, 20, 40, 40), (100, 100)),  # relative (0.1, 0.2, 0.4, 0.4)
        (Box(30, 40, 80, 80), (200, 200)),  # relative (0.15, 0.2, 0.4, 0.4)
        (Box(50, 50, 50, 50), (100, 100)),
    ]  # relative (0.5, 0.5, 0.5, 0.5): outlier
    assert typical_box(found, (300, 200, 3)) == Box(45, 40, 120, 80)
    assert typical_box([], (64, 64, 3)) is None


def test_missed_face_is_cropped_where_the_others_are():
    image = np.zeros((64, 64, 3), np.uint8)
    image[16:48, 16:48] = 200  # a "face" in the middle
    box = typical_box([(Box(16, 16, 32, 32), (64, 64))], image.shape)
    crop = crop_box(image, box, margin=0.0)
    assert crop.shape == (32, 32, 3) and (crop == 200).all()
