"""Face detection: the Haar cascade, crops, photos without a face, the benchmark."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.pipelines.faces.face_detection import (
    Box,
    HaarFaceDetector,
    crop_box,
    typical_box,
)
from dl_pipelines.pipelines.faces.params import DetectorParams
from dl_pipelines.runtime.config import parse
from tests.pipelines.faces.conftest import BASE, LFW


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


def test_haar_finds_an_upsampled_lfw_face_but_not_a_flat_patch() -> None:
    detector = HaarFaceDetector(parse(DetectorParams, BASE["detection"]["detector"], "d"))
    face = (LFW[0] * 255).astype(np.uint8)
    box = detector.detect(face)
    assert box is not None and 10 <= box.height <= 30
    assert detector.detect(np.full((40, 40, 3), 128, np.uint8)) is None


def test_crop_box_is_square_and_repeats_edges() -> None:
    image = np.arange(100, dtype=np.uint8).reshape(10, 10, 1).repeat(3, axis=2)
    crop = crop_box(image, Box(top=0, left=0, height=4, width=2), margin=0.25)
    assert crop.shape == (6, 6, 3)
    assert crop[0, 0, 0] == image[0, 0, 0]  # clipped at the border


def test_missing_faces_are_listed_kept_skipped_or_an_error() -> None:
    photos = {
        "a/face.png": np.repeat((LFW[0] * 255).astype(np.uint8)[..., None], 3, 2),
        "a/flat.png": np.full((25, 25, 3), 90, np.uint8),
    }
    params = copy.deepcopy(BASE["detection"])
    crops, report = nodes.detect_faces(photos, params, [16, 16])
    assert report["no_face_found"] == ["a/flat.png"]
    assert crops["images"].shape == (2, 16, 16, 3) and crops["detected"].tolist() == [True, False]
    params["no_face"] = "skip"
    crops, _ = nodes.detect_faces(photos, params, [16, 16])
    assert crops["names"].tolist() == ["a/face.png"]
    params["no_face"] = "error"
    with pytest.raises(ValueError, match="a/flat.png"):
        nodes.detect_faces(photos, params, [16, 16])


def test_detection_benchmark_reports_recall_and_false_positives() -> None:
    metrics, report = nodes.detection_benchmark(LFW, BASE["detection"])
    assert metrics["detection_recall"]["value"] >= 0.9
    assert metrics["detection_false_positive_rate"]["value"] <= 0.05
    assert len(report["missed_faces"]) == round(100 * (1 - report["detection_recall"]))
