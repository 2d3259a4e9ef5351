"""Face detection before encoding: OpenCV's Haar cascade (Viola–Jones), small faces included.

The cascades ship with ``opencv-python-headless`` < 5 (``cv2.data.haarcascades``;
OpenCV 5 dropped them), so nothing is downloaded. The frontal-face cascade scans
windows from 24×24 pixels up, which misses faces that are small or fill the whole
picture (tight crops such as ``lfw_subset``'s 25×25 faces), so images are first
upsampled to ``upsample_to`` pixels on their short side and padded by repeating
their border, then scanned; boxes are mapped back to the original pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from dl_pipelines.vision.images import resize


class Box(NamedTuple):
    """A face box in pixels of the original image."""

    top: int
    left: int
    height: int
    width: int


@dataclass(frozen=True)
class DetectorParams:
    """``faces.detection``: how the Haar cascade scans an image."""

    cascade: str = "haarcascade_frontalface_default.xml"
    upsample_to: int = 120  # short side scanned, in pixels (small images are enlarged)
    pad_fraction: float = 0.25  # border added on each side, share of the side
    scale_factor: float = 1.1  # window growth between scales
    min_neighbors: int = 3  # overlapping detections needed to keep a box
    min_size_fraction: float = 0.2  # smallest face, share of the short side

    def __post_init__(self) -> None:
        if self.upsample_to < 24:
            raise ValueError("upsample_to must be at least 24 (the cascade's window)")
        if self.scale_factor <= 1.0:
            raise ValueError("scale_factor must be > 1")
        if not 0 <= self.pad_fraction <= 1 or not 0 < self.min_size_fraction <= 1:
            raise ValueError("pad_fraction must be in [0, 1], min_size_fraction in (0, 1]")


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
