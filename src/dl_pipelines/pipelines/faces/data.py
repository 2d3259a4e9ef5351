"""The people and their photos: the user's folder or the default set, the open-set split.

With photos in ``data/01_raw/faces/<person>/`` those are used; without, each real face of
scikit-image's ``lfw_subset`` is one person photographed under nuisance changes
(:mod:`.nuisance`). People are split into training, validation and test people (never
one person in two splits); with the default data, procedural morph people
(:mod:`.synthetic`) can join the training people.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dl_pipelines.pipelines.faces.face_detection import detect_faces
from dl_pipelines.pipelines.faces.nuisance import render_photo
from dl_pipelines.pipelines.faces.params import (
    DataParams,
    DefaultDataParams,
    DetectionParams,
    SplitParams,
)
from dl_pipelines.pipelines.faces.synthetic import draw_identities, morph_face
from dl_pipelines.runtime.seeding import rng

logger = logging.getLogger(__name__)


def assemble_photos(
    raw_images: dict[str, np.ndarray], lfw_subset: np.ndarray, data: DataParams, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The user's LFW-layout folder, or the default set made from ``lfw_subset``'s faces.

    Args:
        raw_images: ``{"<person>/<file>": image}`` from ``data/01_raw/faces``.
        lfw_subset: scikit-image's (200, 25, 25) array; the first 100 are real faces.
        data: ``faces.data``.
        seed: The run's seed.

    Returns:
        ``{"<person>/<file>": RGB uint8 photo}`` of the people kept, and an ingestion
        report listing people skipped for having too few images.

    Raises:
        ValueError: naming the files that are not inside a person folder, or when
            fewer than 4 people are left.
    """
    if raw_images:
        loose = [key for key in raw_images if "/" not in key]
        if loose:
            raise ValueError(
                f"Image(s) {', '.join(loose[:5])} lie directly in data/01_raw/faces: "
                "put every image in a folder named after its person "
                "(data/01_raw/faces/<person>/<image>.jpg)."
            )
        photos, source = dict(raw_images), "data/01_raw/faces"
    else:
        logger.info(
            "data/01_raw/faces is empty: making the default set from %d real faces "
            "of scikit-image's lfw_subset, %d nuisance-changed photos each.",
            data.default_data.identities,
            data.default_data.images_per_identity,
        )
        photos, source = default_photos(lfw_subset, data.default_data, seed), "lfw_subset"
    by_person: dict[str, list[str]] = {}
    for key in sorted(photos):
        by_person.setdefault(key.split("/", 1)[0], []).append(key)
    skipped = {
        person: keys for person, keys in by_person.items() if len(keys) < data.min_images_per_person
    }
    for person, keys in skipped.items():
        logger.warning(
            "Skipped person '%s': %d image(s) (%s), fewer than "
            "faces.data.min_images_per_person=%d.",
            person,
            len(keys),
            ", ".join(keys),
            data.min_images_per_person,
        )
    kept = {
        key: photos[key]
        for person, keys in by_person.items()
        if person not in skipped
        for key in keys
    }
    people = len(by_person) - len(skipped)
    if people < 4:
        raise ValueError(
            f"Only {people} people have at least {data.min_images_per_person} "
            "images: the identity split needs 4 or more. Add person folders "
            "under data/01_raw/faces."
        )
    report = {
        "source": source,
        "people": people,
        "images": len(kept),
        "skipped_people": {p: keys for p, keys in skipped.items()},
    }
    return kept, report


def default_photos(
    lfw_subset: np.ndarray, params: DefaultDataParams, seed: int
) -> dict[str, np.ndarray]:
    """``lfw_subset``'s first faces, each one person, photographed under nuisance changes."""
    faces = np.asarray(lfw_subset)
    if faces.ndim != 3 or len(faces) < params.identities:
        raise ValueError(f"lfw_subset must be (n >= {params.identities}, h, w), got {faces.shape}.")
    return _photograph(
        {f"lfw_subset_{person:03d}": faces[person] for person in range(params.identities)},
        params.images_per_identity,
        params,
        seed,
        "default_photo",
    )


def _photograph(
    faces: dict[str, np.ndarray], count: int, params: DefaultDataParams, seed: int, stream: str
) -> dict[str, np.ndarray]:
    """``count`` nuisance photos ``"<person>/<i>.png"`` of each person's source face."""
    photos = {}
    for number, (person, face) in enumerate(faces.items()):
        generator = rng(seed, stream, number)
        for i in range(count):
            photos[f"{person}/{i:03d}.png"] = render_photo(
                face, params.photo_side, generator, params.nuisance, face_side=face.shape[0]
            )
    return photos


def add_synthetic_people(
    train: dict[str, np.ndarray],
    lfw_subset: np.ndarray,
    ingest_report: dict[str, Any],
    data: DataParams,
    detection_config: DetectionParams,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The training people plus procedural morph people, for the default data only.

    Each synthetic person is the morph of the faces of two *training* people with a
    blend weight of its own (:mod:`.synthetic`), photographed under the same nuisance
    changes and cropped by the same detector as the real people. Validation and test
    people are never parents. With the user's own data, or ``identities: 0``, the
    training set is returned unchanged.

    Args:
        train: The training part of :func:`split_people`.
        lfw_subset: scikit-image's (200, 25, 25) array (the parents' faces).
        ingest_report: From :func:`assemble_photos` (its ``source``: which data).
        data: ``faces.data``.
        detection_config: ``faces.detection`` (the synthetic photos are cropped so).
        seed: The run's seed.

    Returns:
        The training crops for the encoder, and a report of the synthetic people (their
        parents and α) and of their detection.
    """
    config = data.default_data.synthetic_people
    if ingest_report.get("source") != "lfw_subset" or config.identities == 0:
        reason = (
            "faces.data.default_data.synthetic_people.identities is 0"
            if config.identities == 0
            else "only with the default data"
        )
        return train, {"identities": 0, "reason": reason}
    faces = np.asarray(lfw_subset)
    parents = sorted(int(person.rsplit("_", 1)[1]) for person in np.unique(train["persons"]))
    identities = draw_identities(
        parents, config.identities, config.blend, rng(seed, "synthetic_people")
    )
    photos = _photograph(
        {
            f"synthetic_{n:04d}": morph_face(faces, identity)
            for n, identity in enumerate(identities)
        },
        config.images_per_identity,
        data.default_data,
        seed,
        "synthetic_photo",
    )
    crops, detection = detect_faces(photos, detection_config, list(data.image_size))
    merged = {key: np.concatenate([train[key], crops[key]]) for key in train}
    logger.info(
        "Training on %d real and %d synthetic people (%d images).",
        len(parents),
        len(identities),
        len(merged["persons"]),
    )
    return merged, {
        "identities": len(identities),
        "images": int(len(crops["persons"])),
        "detection_rate": detection["detection_rate"],
        "people": {
            f"synthetic_{n:04d}": {
                "parents": [f"lfw_subset_{i.first:03d}", f"lfw_subset_{i.second:03d}"],
                "alpha": round(i.alpha, 4),
            }
            for n, i in enumerate(identities)
        },
    }


def split_people(
    crops: dict[str, np.ndarray], config: SplitParams, seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Open-set split by person: validation and test people never appear in training.

    Raises:
        ValueError: when a split would get fewer than 2 people.
    """
    people = np.unique(crops["persons"])
    order = rng(seed, "split").permutation(people)
    n_val = int(round(config.val * len(people)))
    n_test = int(round(config.test * len(people)))
    n_train = len(people) - n_val - n_test
    if min(n_train, n_val, n_test) < 2:
        raise ValueError(
            f"{len(people)} people split {config.train}/{config.val}/"
            f"{config.test} leaves fewer than 2 people in a split: add people "
            "or change faces.split."
        )
    groups = {
        "train": order[:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
    }
    parts, report = {}, {}
    for name, members in groups.items():
        rows = np.flatnonzero(np.isin(crops["persons"], members))
        parts[name] = {key: value[rows] for key, value in crops.items()}
        report[name] = {
            "people": int(len(members)),
            "images": int(len(rows)),
            "persons": sorted(str(m) for m in members),
        }
        logger.info("%s: %d people, %d images", name, len(members), len(rows))
    return parts["train"], parts["val"], parts["test"], report
