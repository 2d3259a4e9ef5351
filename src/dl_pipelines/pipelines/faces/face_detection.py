"""Face detection before encoding: OpenCV's Haar cascade (Viola–Jones), small faces included.

The cascades ship with ``opencv-python-headless`` < 5 (``cv2.data.haarcascades``;
OpenCV 5 dropped them), so nothing is downloaded. The frontal-face cascade scans
windows from 24×24 pixels up, which misses faces that are small or fill the whole
picture (tight crops such as ``lfw_subset``'s 25×25 faces), so images are first
upsampled to ``upsample_to`` pixels on their short side and padded by repeating
their border, then scanned; boxes are mapped back to the original pixels.

:func:`detect_faces` crops the face of every photo of a run (the encoder's input) and
lists the photos without one; :func:`detection_benchmark` measures the detector on
``lfw_subset``'s faces and non-faces.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import numpy as np

from dl_pipelines.pipelines.faces.params import LFW_SUBSET_FACES, DetectionParams, DetectorParams
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.images import resize, to_rgb_uint8

logger = logging.getLogger(__name__)


class Box(NamedTuple):
    """A face box in pixels of the original image."""

    top: int
    left: int
    height: int
    width: int


class HaarFaceDetector:
    """Finds the largest frontal face of an RGB ``uint8`` image, or ``None``.

    Example::

        detector = HaarFaceDetector(DetectorParams())
        box = detector.detect(image)
        face = crop_box(image, box, margin=0.15) if box else None
    """

    def __init__(self, params: DetectorParams | None = None) -> None:
        import cv2

        self.params = params or DetectorParams()
        path = f"{cv2.data.haarcascades}{self.params.cascade}"
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise ValueError(
                f"Haar cascade '{self.params.cascade}' is not in "
                f"{cv2.data.haarcascades} (opencv-python-headless < 5 ships "
                "them): pick one of the files there."
            )

    def detect(self, image: np.ndarray) -> Box | None:
        """The largest face found in ``image`` (RGB or grey), in its own pixels."""
        import cv2

        p = self.params
        height, width = image.shape[:2]
        scale = max(1.0, p.upsample_to / min(height, width))
        size = (int(round(height * scale)), int(round(width * scale)))
        rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=-1)
        grey = cv2.cvtColor(resize(np.ascontiguousarray(rgb[..., :3]), size), cv2.COLOR_RGB2GRAY)
        grey = cv2.equalizeHist(grey)
        pad = int(round(p.pad_fraction * min(size)))
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        smallest = max(24, int(p.min_size_fraction * min(size)))
        found = self._cascade.detectMultiScale(
            grey,
            scaleFactor=p.scale_factor,
            minNeighbors=p.min_neighbors,
            minSize=(smallest, smallest),
        )
        if len(found) == 0:
            return None
        x, y, w, h = max(found, key=lambda b: b[2] * b[3])
        top = int(round((y - pad) / scale))
        left = int(round((x - pad) / scale))
        return Box(top, left, max(1, int(round(h / scale))), max(1, int(round(w / scale))))


def typical_box(found: list[tuple[Box, tuple[int, int]]], shape: tuple[int, ...]) -> Box | None:
    """Where a face usually is: the median of the ``found`` boxes, each relative to the
    ``(height, width)`` of its image, placed in an image of ``shape``.

    For a photo whose face the detector missed in a set of aligned photos (LFW's are
    centred on the face): its face is most likely where the others' are. ``None``
    when nothing was found.
    """
    if not found:
        return None
    relative = np.median(
        [(b.top / h, b.left / w, b.height / h, b.width / w) for b, (h, w) in found], axis=0
    )
    height, width = shape[0], shape[1]
    return Box(
        int(round(relative[0] * height)),
        int(round(relative[1] * width)),
        max(1, int(round(relative[2] * height))),
        max(1, int(round(relative[3] * width))),
    )


def crop_box(image: np.ndarray, box: Box, margin: float) -> np.ndarray:
    """The square around ``box`` grown by ``margin`` on each side, edges repeated outside."""
    centre_row = box.top + box.height / 2
    centre_col = box.left + box.width / 2
    half = max(box.height, box.width) * (0.5 + margin)
    top, left = int(round(centre_row - half)), int(round(centre_col - half))
    side = max(1, int(round(2 * half)))
    rows = np.clip(np.arange(top, top + side), 0, image.shape[0] - 1)
    cols = np.clip(np.arange(left, left + side), 0, image.shape[1] - 1)
    return image[rows][:, cols]


def normalise_lighting(image: np.ndarray, clip_limit: float = 2.0, tiles: int = 4) -> np.ndarray:
    """Local histogram equalisation (CLAHE) of the luminance of an RGB ``uint8`` face crop.

    Evens out exposure, tone curve and side light before encoding (colour is kept);
    ``clip_limit`` ≤ 0 returns the image unchanged.
    """
    if clip_limit <= 0:
        return image
    import cv2

    ycrcb = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2YCrCb)
    clahe = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles))
    ycrcb[..., 0] = clahe.apply(ycrcb[..., 0])
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


# ------------------------------------------------------------------------- photos → crops
def crop_faces(
    photos: dict[str, np.ndarray], config: DetectionParams, size: tuple[int, int]
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The lighting-normalised face crop of every photo, and the photos without a face.

    A photo without a detected face is cropped at the typical box of the others
    (``no_face: typical_box``) or kept whole; whether it is kept at all is the caller's
    choice. With detection disabled every photo is used whole and none is listed.
    """
    detector = HaarFaceDetector(config.detector) if config.enabled else None
    boxes = {
        name: detector.detect(photo) if detector is not None else None
        for name, photo in photos.items()
    }
    missed = [name for name, box in boxes.items() if detector is not None and box is None]
    found = [(box, photos[name].shape[:2]) for name, box in boxes.items() if box is not None]
    crops = {}
    for name, photo in photos.items():
        box = boxes[name]
        if box is None and config.no_face == "typical_box":
            box = typical_box(found, photo.shape)  # None (whole image) if none was found
        face = crop_box(photo, box, config.margin) if box is not None else photo
        crops[name] = normalise_lighting(resize(face, size), config.clahe_clip_limit)
    return crops, missed


def detect_faces(
    photos: dict[str, np.ndarray], config: DetectionParams, image_size: list[int]
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Find and crop the face of every photo; list those where none is found.

    Args:
        photos: ``{"<person>/<file>": image}``.
        config: ``faces.detection``.
        image_size: (height, width) of the crops.

    Returns:
        ``images`` (n, h, w, 3) uint8 crops, ``persons``, ``names`` and ``detected``
        (n,) arrays; and a report with the detection rate and every file without a
        detected face (kept whole, skipped or an error, per ``faces.detection.no_face``).

    Raises:
        ValueError: naming the files without a face when ``no_face`` is ``error``, or
            when no photo is left.
    """
    crops, missed = crop_faces(photos, config, tuple(image_size))
    if missed and config.no_face == "error":
        raise ValueError(
            f"No face found in {len(missed)} image(s): {', '.join(missed[:10])}. "
            "Replace them, or set faces.detection.no_face to whole_image or skip."
        )
    names = [n for n in photos if not (config.no_face == "skip" and n in missed)]
    if not names:
        raise ValueError("No face found in any image; set faces.detection.no_face: whole_image.")
    report = {
        "images": len(photos),
        "faces_found": len(photos) - len(missed),
        "detection_rate": round((len(photos) - len(missed)) / max(1, len(photos)), 4),
        "no_face_policy": config.no_face if config.enabled else "detection disabled",
        "no_face_found": missed,
    }
    logger.info(
        "Faces found in %d of %d images; %d without (%s).",
        report["faces_found"],
        len(photos),
        len(missed),
        report["no_face_policy"],
    )
    return {
        "images": np.stack([crops[n] for n in names]),
        "persons": np.asarray([n.split("/", 1)[0] for n in names]),
        "names": np.asarray(names),
        "detected": np.asarray([n not in missed for n in names]),
    }, report


def detection_benchmark(
    lfw_subset: np.ndarray, config: DetectionParams
) -> tuple[dict, dict[str, Any]]:
    """Recall on ``lfw_subset``'s 100 faces, false-positive rate on its 100 non-faces.

    Also measured without upsampling and padding, to show why they are there.

    Returns:
        MLflow metrics and a JSON report listing the missed faces and false detections.
    """
    images = [to_rgb_uint8(np.asarray(x, dtype=np.float64)) for x in lfw_subset]
    faces, others = images[:LFW_SUBSET_FACES], images[LFW_SUBSET_FACES:]
    results = {}
    for label, detector_params in (
        ("", config.detector),
        (
            "naive_",
            DetectorParams(
                cascade=config.detector.cascade,
                upsample_to=24,
                pad_fraction=0.0,
                scale_factor=config.detector.scale_factor,
                min_neighbors=config.detector.min_neighbors,
                min_size_fraction=config.detector.min_size_fraction,
            ),
        ),
    ):
        detector = HaarFaceDetector(detector_params)
        found_faces = [detector.detect(x) is not None for x in faces]
        found_others = [detector.detect(x) is not None for x in others]
        results[f"{label}detection_recall"] = float(np.mean(found_faces))
        results[f"{label}detection_false_positive_rate"] = float(np.mean(found_others))
        if not label:
            missed = [f"lfw_subset[{i}]" for i, hit in enumerate(found_faces) if not hit]
            false_alarms = [
                f"lfw_subset[{LFW_SUBSET_FACES + i}]" for i, hit in enumerate(found_others) if hit
            ]
    logger.info(
        "Detection on lfw_subset: recall %.2f, false-positive rate %.2f "
        "(without upsampling/padding: %.2f, %.2f).",
        results["detection_recall"],
        results["detection_false_positive_rate"],
        results["naive_detection_recall"],
        results["naive_detection_false_positive_rate"],
    )
    report = {
        **results,
        "faces": len(faces),
        "non_faces": len(others),
        "missed_faces": missed,
        "false_detections": false_alarms,
        "detector": config.detector.__dict__,
    }
    return as_mlflow_metrics(results), report
