"""Use on new images: verify a pair (1:1), identify probes against a gallery (1:K).

New images go through the same detection, crop and lighting normalisation as the
training photos, and are embedded as τ was chosen (flip test-time augmentation stored
with τ in the registered version, as in ``threshold.json``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.pipelines.faces.face_detection import crop_faces
from dl_pipelines.pipelines.faces.params import DetectionParams
from dl_pipelines.vision.images import to_rgb_uint8

logger = logging.getLogger(__name__)


def _prepare(
    images: dict[str, Any], config: DetectionParams, image_size: list[int]
) -> tuple[list[str], np.ndarray, list[str]]:
    """The face crops of new images (PIL or arrays), as for training; the images without."""
    photos = {
        name: to_rgb_uint8(
            np.asarray(image.convert("RGB")) if hasattr(image, "convert") else np.asarray(image)
        )
        for name, image in images.items()
    }
    crops, missed = crop_faces(photos, config, tuple(image_size))
    if missed and config.no_face == "error":
        raise ValueError(
            f"No face found in {', '.join(missed)}: use a photo where the face "
            "is visible and frontal, or set faces.detection.no_face: whole_image."
        )
    names = [n for n in photos if not (config.no_face == "skip" and n in missed)]
    stacked = (
        np.stack([crops[n] for n in names]) if names else np.zeros((0, *image_size, 3), np.uint8)
    )
    return names, stacked, missed


def _gallery_people(names) -> list[str]:
    """The person folders of gallery keys ``"<person>/<file>"``."""
    return sorted({name.split("/", 1)[0] for name in names})


def verify_pair(
    model: Any, image_a: Any, image_b: Any, threshold: dict[str, Any], config: DetectionParams
) -> dict[str, Any]:
    """d(a, b) = ‖f(a) − f(b)‖² and whether it is within τ: the same person.

    Raises:
        ValueError: when no face is found in one image and ``no_face`` is ``skip`` or
            ``error`` (a pair cannot be verified without both faces).
    """
    names, crops, missed = _prepare(
        {"image_a": image_a, "image_b": image_b}, config, threshold["image_size"]
    )
    if len(names) < 2:
        raise ValueError(
            f"No face found in {', '.join(missed)}: verification needs a face "
            "in both images (or set faces.detection.no_face: whole_image)."
        )
    embeddings = ev.embed(model, crops, threshold.get("flip_tta", True))
    distance = float(ev.squared_distances(embeddings[:1], embeddings[1:])[0])
    result = {
        "distance": round(distance, 6),
        "same": bool(distance <= threshold["tau"]),
        "tau": threshold["tau"],
        "no_face_found": missed,
    }
    logger.info(
        "d = %.4f, τ = %.4f: %s",
        distance,
        threshold["tau"],
        "same person" if result["same"] else "different people",
    )
    return result


def identify_folder(
    model: Any,
    gallery: dict[str, np.ndarray],
    probes: dict[str, np.ndarray],
    threshold: dict[str, Any],
    config: DetectionParams,
    neighbours: int,
) -> pd.DataFrame:
    """Name the person of every probe image from a gallery folder, "unknown" beyond τ.

    Args:
        gallery: ``{"<person>/<file>": image}``: one folder per enrolled person.
        probes: ``{"<file>": image}``: the images to identify.

    Returns:
        A table ``file, person, distance`` (distance to the nearest gallery image); probes
        without a detected face (``no_face: skip``) get person "no face".

    Raises:
        ValueError: when the gallery holds fewer than two people (also once images
            without a face are skipped), images lie outside person folders, or no probe
            is left to identify; naming the files.
    """
    loose = [k for k in gallery if "/" not in k]
    if loose:
        raise ValueError(
            f"Gallery image(s) {', '.join(loose[:5])} are not in a person "
            "folder: use <gallery_dir>/<person>/<image>.jpg."
        )
    people = _gallery_people(gallery)
    if len(people) < 2:
        raise ValueError(
            f"The gallery holds {len(people)} person ({', '.join(people)}): "
            "identification needs at least two person folders in gallery_dir."
        )
    if not probes:
        raise ValueError("The probe folder holds no image: pass --params probe_dir=<folder>.")
    g_names, g_crops, g_missed = _prepare(gallery, config, threshold["image_size"])
    if g_missed:
        logger.warning("No face found in gallery image(s): %s", ", ".join(g_missed))
    people = _gallery_people(g_names)
    if len(people) < 2:
        raise ValueError(
            f"Once the gallery images without a face ({', '.join(g_missed)}) are skipped "
            f"(faces.detection.no_face: skip), the gallery holds {len(people)} person "
            f"({', '.join(people) or 'none'}): identification needs faces of at least two "
            "people. Replace those images with photos where the face is visible and "
            "frontal, or set faces.detection.no_face: whole_image."
        )
    p_names, p_crops, p_missed = _prepare(probes, config, threshold["image_size"])
    if not p_names:
        raise ValueError(
            f"No face found in any probe image ({', '.join(p_missed)}), so none is left to "
            "identify (faces.detection.no_face: skip). Use photos where the face is "
            "visible and frontal, or set faces.detection.no_face: whole_image."
        )
    flip_tta = threshold.get("flip_tta", True)
    persons, distances = ev.identify(
        ev.embed(model, g_crops, flip_tta),
        np.asarray([n.split("/", 1)[0] for n in g_names]),
        ev.embed(model, p_crops, flip_tta),
        threshold["tau"],
        neighbours,
    )
    table = pd.DataFrame({"file": p_names, "person": persons, "distance": np.round(distances, 6)})
    skipped = [n for n in probes if n not in p_names]
    if skipped:
        table = pd.concat(
            [table, pd.DataFrame({"file": skipped, "person": "no face", "distance": np.nan})],
            ignore_index=True,
        )
    logger.info(
        "Identified %d probes against %d people: %d unknown.",
        len(table),
        len(people),
        int((table["person"] == ev.UNKNOWN).sum()),
    )
    return table
