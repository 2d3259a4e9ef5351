"""What kedro-viz shows when a user clicks one of the custom datasets.

kedro-viz calls a dataset's ``preview()`` and renders the result by its return
annotation (kedro-datasets' ``ImagePreview``: a base64 PNG; ``TablePreview``: a
pandas-style ``{"index", "columns", "data"}`` dict). These helpers draw those payloads;
a preview never changes what the dataset loads or saves.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np


def png_base64(image: np.ndarray) -> str:
    """An ``(h, w)`` or ``(h, w, 3)`` image (uint8, or float in [0, 1]) as base64 PNG."""
    from PIL import Image

    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = (np.clip(array, 0.0, 1.0) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def tile(images: Sequence[np.ndarray], size: int = 96, columns: int = 4) -> np.ndarray:
    """Up to ``columns`` × n thumbnails of ``size`` px in one RGB uint8 image."""
    from PIL import Image

    thumbs = []
    for image in images:
        array = np.asarray(image)
        if array.ndim == 2:
            array = np.stack([array] * 3, axis=-1)
        if array.dtype != np.uint8:
            array = (np.clip(array, 0.0, 1.0) * 255).round().astype(np.uint8)
        thumbs.append(np.asarray(Image.fromarray(array[..., :3]).resize((size, size))))
    if not thumbs:
        return np.zeros((size, size, 3), np.uint8)
    rows = -(-len(thumbs) // columns)
    sheet = np.full((rows * size, min(columns, len(thumbs)) * size, 3), 255, np.uint8)
    for i, thumb in enumerate(thumbs):
        r, c = divmod(i, columns)
        sheet[r * size : (r + 1) * size, c * size : (c + 1) * size] = thumb
    return sheet


def spectrogram_image(samples: np.ndarray, rate: int, height: int = 128) -> np.ndarray:
    """A log-magnitude spectrogram of mono ``samples`` as a grey image (low pitch at the
    bottom), for a glance at a recording."""
    nfft, hop = 512, 256
    x = np.asarray(samples, dtype=np.float32)
    if x.size < nfft:
        x = np.pad(x, (0, nfft - x.size))
    frames = np.lib.stride_tricks.sliding_window_view(x, nfft)[::hop] * np.hanning(nfft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    db = 10 * np.log10(power.T + 1e-10)
    db = np.clip((db - (db.max() - 80)) / 80, 0.0, 1.0)[::-1]
    rows = np.linspace(0, db.shape[0] - 1, height).astype(int)
    return db[rows]


def table(rows: list[dict[str, object]]) -> dict:
    """``rows`` as kedro-viz's table preview."""
    columns = list(rows[0]) if rows else []
    return {
        "index": list(range(len(rows))),
        "columns": columns,
        "data": [[row[c] for c in columns] for row in rows],
    }
