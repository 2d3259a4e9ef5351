"""Nodes of the ``faces`` pipelines: photos → detected faces → encoder → 1:1, 1:K, clusters.

Pure functions: arrays and parameters in, arrays, models, figures and dicts out.
Keras is imported inside the nodes that train or run a model, so listing or drawing
the pipelines stays fast.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.pipelines.faces import plots
from dl_pipelines.pipelines.faces.dlib_reference import (
    INSTALL_HINT,
    DlibFaceModels,
    dlib_embeddings,
)
from dl_pipelines.pipelines.faces.face_detection import (
    DetectorParams,
    HaarFaceDetector,
    crop_box,
    normalise_lighting,
    typical_box,
)
from dl_pipelines.pipelines.faces.nuisance import NuisanceParams, render_photo
from dl_pipelines.pipelines.faces.synthetic import draw_identities, morph_face
from dl_pipelines.runtime.config import parse
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics
from dl_pipelines.vision.images import resize, to_rgb_uint8

logger = logging.getLogger(__name__)

#: ``lfw_subset`` holds 100 real faces, then 100 non-face patches.
LFW_SUBSET_FACES = 100
NO_FACE_POLICIES = ("typical_box", "whole_image", "skip", "error")


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class SyntheticPeopleParams:
    """``faces.data.default_data.synthetic_people``: procedural extra training people."""

    identities: int
    images_per_identity: int
    blend: tuple[float, float]

    def __post_init__(self) -> None:
        if self.identities < 0 or self.images_per_identity < 2:
            raise ValueError("identities must be >= 0 and images_per_identity >= 2")


@dataclass(frozen=True)
class DefaultDataParams:
    """``faces.data.default_data``: the offline set made when data/01_raw/faces is empty."""

    identities: int
    images_per_identity: int
    photo_side: int
    nuisance: NuisanceParams
    synthetic_people: SyntheticPeopleParams

    def __post_init__(self) -> None:
        if not 4 <= self.identities <= LFW_SUBSET_FACES:
            raise ValueError(f"identities must be in 4..{LFW_SUBSET_FACES} (lfw_subset faces)")
        if self.images_per_identity < 2 or self.photo_side < 25:
            raise ValueError("images_per_identity must be >= 2 and photo_side >= 25")


@dataclass(frozen=True)
class DataParams:
    """``faces.data``."""

    image_size: tuple[int, int]
    min_images_per_person: int
    default_data: DefaultDataParams

    def __post_init__(self) -> None:
        if min(self.image_size) < 16:
            raise ValueError(f"image_size must be at least 16×16, got {self.image_size}")
        if self.min_images_per_person < 2:
            raise ValueError("min_images_per_person must be >= 2 (a positive pair needs two)")


@dataclass(frozen=True)
class DetectionParams:
    """``faces.detection``."""

    enabled: bool
    no_face: str
    margin: float
    clahe_clip_limit: float = 0.0
    detector: DetectorParams = field(default_factory=DetectorParams)

    def __post_init__(self) -> None:
        if self.no_face not in NO_FACE_POLICIES:
            raise ValueError(f"no_face must be one of {NO_FACE_POLICIES}, got {self.no_face!r}")
        if not 0 <= self.margin <= 1:
            raise ValueError("margin must be in [0, 1]")


@dataclass(frozen=True)
class SplitParams:
    """``faces.split``: shares of *people* (open set: no person in two splits)."""

    train: float
    val: float
    test: float

    def __post_init__(self) -> None:
        if (
            min(self.train, self.val, self.test) <= 0
            or abs(self.train + self.val + self.test - 1) > 1e-6
        ):
            raise ValueError("train, val and test must be positive and sum to 1")


@dataclass(frozen=True)
class ModelParams:
    """``faces.model``."""

    embedding_dim: int
    stem_filters: int
    stage_filters: tuple[int, ...]
    block: str
    dropout: float
    ensemble: int = 1  # encoders trained from seeds seed, seed + 1, …

    def __post_init__(self) -> None:
        if self.embedding_dim < 2 or not self.stage_filters:
            raise ValueError("embedding_dim must be >= 2 and stage_filters non-empty")
        if self.ensemble < 1:
            raise ValueError(f"ensemble must be >= 1, got {self.ensemble}")
        if not 0 <= self.dropout < 1:
            raise ValueError("dropout must be in [0, 1)")


@dataclass(frozen=True)
class TrainingParams:
    """``faces.training``."""

    epochs: int
    identities_per_batch: int
    images_per_identity: int
    margin: float
    mining: str
    learning_rate: float
    early_stopping_patience: int
    horizontal_flip: bool
    shift_pixels: int = 0
    brightness: float = 0.0
    passes_per_epoch: int = 1
    cosine_decay: bool = False
    verbose: int = 0

    def __post_init__(self) -> None:
        from dl_pipelines.pipelines.faces.metric_learning import MINING_STRATEGIES

        if self.mining not in MINING_STRATEGIES:
            raise ValueError(f"mining must be one of {MINING_STRATEGIES}, got {self.mining!r}")
        if self.epochs < 1 or self.learning_rate <= 0 or self.margin < 0:
            raise ValueError("epochs must be >= 1, learning_rate > 0 and margin >= 0")
        if self.identities_per_batch < 2 or self.images_per_identity < 2:
            raise ValueError("identities_per_batch (P) and images_per_identity (K) must be >= 2")


@dataclass(frozen=True)
class EvaluationParams:
    """``faces.evaluation``."""

    enrolled_fraction: float
    gallery_per_person: int
    neighbours: int
    map_method: str
    far_targets: tuple[float, ...] = (1e-2, 1e-3)
    flip_tta: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.enrolled_fraction <= 1 or self.gallery_per_person < 1:
            raise ValueError("enrolled_fraction must be in (0, 1], gallery_per_person >= 1")
        if self.map_method not in ("tsne", "pca"):
            raise ValueError("map_method must be 'tsne' or 'pca'")


@dataclass(frozen=True)
class PairHeadParams:
    """``faces.pair_head``: the binary-classification comparison variant."""

    enabled: bool
    epochs: int
    pairs_per_epoch: int
    batch_size: int
    learning_rate: float

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.pairs_per_epoch < 2 or self.batch_size < 1:
            raise ValueError("epochs >= 1, pairs_per_epoch >= 2 and batch_size >= 1")


# ----------------------------------------------------------------------------------- data
def assemble_photos(
    raw_images: dict[str, np.ndarray], lfw_subset: np.ndarray, params: dict[str, Any], seed: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The user's LFW-layout folder, or the default set made from ``lfw_subset``'s faces.

    Args:
        raw_images: ``{"<person>/<file>": image}`` from ``data/01_raw/faces``.
        lfw_subset: scikit-image's (200, 25, 25) array; the first 100 are real faces.
        params: ``faces.data``.
        seed: The run's seed.

    Returns:
        ``{"<person>/<file>": RGB uint8 photo}`` of the people kept, and an ingestion
        report listing people skipped for having too few images.

    Raises:
        ValueError: naming the files that are not inside a person folder, or when
            fewer than 4 people are left.
    """
    data = parse(DataParams, params, "faces.data")
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
    data_params: dict[str, Any],
    detection_params: dict[str, Any],
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The training people plus procedural morph people, for the default data only.

    Each synthetic person is the morph of the faces of two *training* people with a
    blend weight of its own (:mod:`.synthetic`), photographed under the same nuisance
    changes and cropped by the same detector as the real people. Validation and test
    people are never parents. With the user's own data, or ``identities: 0``, the
    training set is returned unchanged.

    Returns:
        The training crops for the encoder, and a report of the synthetic people (their
        parents and α) and of their detection.
    """
    data = parse(DataParams, data_params, "faces.data")
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
    crops, detection = detect_faces(photos, detection_params, list(data.image_size))
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


def detect_faces(
    photos: dict[str, np.ndarray], params: dict[str, Any], image_size: list[int]
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Find and crop the face of every photo; list those where none is found.

    Args:
        photos: ``{"<person>/<file>": image}``.
        params: ``faces.detection``.
        image_size: (height, width) of the crops.

    Returns:
        ``images`` (n, h, w, 3) uint8 crops, ``persons``, ``names`` and ``detected``
        (n,) arrays; and a report with the detection rate and every file without a
        detected face (kept whole, skipped or an error, per ``faces.detection.no_face``).
    """
    config = parse(DetectionParams, params, "faces.detection")
    crops, missed = _crop_faces(photos, config, tuple(image_size))
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


def _crop_faces(
    photos: dict[str, np.ndarray], config: DetectionParams, size: tuple[int, int]
) -> tuple[dict[str, np.ndarray], list[str]]:
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


def detection_benchmark(
    lfw_subset: np.ndarray, params: dict[str, Any]
) -> tuple[dict, dict[str, Any]]:
    """Recall on ``lfw_subset``'s 100 faces, false-positive rate on its 100 non-faces.

    Also measured without upsampling and padding, to show why they are there.
    """
    config = parse(DetectionParams, params, "faces.detection")
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


def split_people(
    crops: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Open-set split by person: validation and test people never appear in training.

    Raises:
        ValueError: when a split would get fewer than 2 people.
    """
    config = parse(SplitParams, params, "faces.split")
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


def plot_examples(
    photos: dict[str, np.ndarray],
    crops: dict[str, np.ndarray],
    people: int = 4,
    per_person: int = 6,
) -> Figure:
    """Photos of a few people (top) and the face crops the encoder sees (bottom)."""
    names = list(crops["names"])
    chosen = []
    for person in list(dict.fromkeys(crops["persons"]))[:people]:
        chosen.extend([n for n in names if n.split("/", 1)[0] == person][:per_person])
    size = crops["images"].shape[1:3]
    shown = [resize(to_rgb_uint8(photos[n]), size) for n in chosen]
    shown += [crops["images"][names.index(n)] for n in chosen]
    captions = [n.split("/", 1)[0][-8:] for n in chosen] + [
        "face" if crops["detected"][names.index(n)] else "no face: whole" for n in chosen
    ]
    return plotting.image_grid(
        np.stack(shown),
        captions,
        columns=per_person * 2,
        title="Photos (first rows) and detected face crops (last rows)",
    )


# ------------------------------------------------------------------------------- training
def augment_crops(
    x: np.ndarray, generator: np.random.Generator, flip: bool, shift: int, brightness: float
) -> np.ndarray:
    """Online augmentation of a batch of face crops, for any data (not only the default set).

    Each crop is mirrored with probability ½ (``flip``), moved by up to ``shift`` pixels
    (border pixels repeated) and scaled in brightness by up to ± ``brightness``.
    """
    out = np.empty_like(x)
    height, width = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="edge")
    for n in range(len(x)):
        top, left = generator.integers(0, 2 * shift + 1, size=2)
        image = padded[n, top : top + height, left : left + width]
        if flip and generator.random() < 0.5:
            image = image[:, ::-1]
        out[n] = image
    if brightness > 0:
        gains = 1.0 + generator.uniform(-brightness, brightness, size=(len(x), 1, 1, 1))
        out = np.clip(out.astype(np.float32) * gains, 0, 255).astype(x.dtype)
    return out


def _integer_labels(persons: np.ndarray) -> np.ndarray:
    return np.unique(persons, return_inverse=True)[1].astype("int32")


def train_encoder(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    model_params: dict[str, Any],
    training_params: dict[str, Any],
    seed: int,
) -> tuple[Any, dict[str, list[float]]]:
    """Train the encoder with the triplet loss and online mining on P×K batches.

    The validation loss is the same triplet loss on batches of the validation people
    (never seen in training); every epoch's ``train_loss`` / ``val_loss`` goes to
    MLflow. Early stopping restores the weights of the best validation loss.

    With ``faces.model.ensemble`` = n > 1, n encoders are trained from the seeds
    ``seed … seed + n − 1`` and joined into one model whose f(x) is their mean,
    renormalised (:func:`.model.build_ensemble`); member i's curves are ``loss_i`` and
    ``val_loss_i`` (``train_loss_i`` in MLflow), the first member's keep the plain names.
    """
    arch = parse(ModelParams, model_params, "faces.model")
    config = parse(TrainingParams, training_params, "faces.training")
    from dl_pipelines.pipelines.faces.model import build_ensemble

    members, history = [], {}
    for member in range(arch.ensemble):
        suffix = f"_{member + 1}" if member else ""
        encoder, member_history = _train_one_encoder(
            train, val, arch, config, seed + member, name=f"face_encoder{suffix}", suffix=suffix
        )
        members.append(encoder)
        history.update({f"{k}{suffix}": v for k, v in member_history.items()})
        if arch.ensemble > 1:
            logger.info(
                "Ensemble member %d of %d trained (best val_loss %.4f).",
                member + 1,
                arch.ensemble,
                min(member_history["val_loss"]),
            )
    return build_ensemble(members), history


def _train_one_encoder(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    arch: ModelParams,
    config: TrainingParams,
    seed: int,
    name: str,
    suffix: str,
) -> tuple[Any, dict[str, list[float]]]:
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.pipelines.faces.metric_learning import PKBatches, TripletLoss
    from dl_pipelines.pipelines.faces.model import build_encoder
    from dl_pipelines.runtime.seeding import seed_everything

    seed_everything(seed)
    encoder = build_encoder(
        tuple(train["images"].shape[1:]),
        arch.stem_filters,
        arch.stage_filters,
        arch.block,
        arch.embedding_dim,
        arch.dropout,
        name=name,
    )
    p_train = min(config.identities_per_batch, len(np.unique(train["persons"])))
    p_val = min(config.identities_per_batch, len(np.unique(val["persons"])))
    batches = PKBatches(
        train["images"],
        _integer_labels(train["persons"]),
        p_train,
        config.images_per_identity,
        seed=seed,
        augment=functools.partial(
            augment_crops,
            flip=config.horizontal_flip,
            shift=config.shift_pixels,
            brightness=config.brightness,
        ),
        passes=config.passes_per_epoch,
    )
    validation = PKBatches(
        val["images"],
        _integer_labels(val["persons"]),
        p_val,
        config.images_per_identity,
        seed=seed + 1,
        passes=2,
    )
    rate = config.learning_rate
    if config.cosine_decay:
        rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=config.epochs * len(batches), alpha=0.02
        )
    encoder.compile(
        optimizer=keras.optimizers.Adam(rate), loss=TripletLoss(config.margin, config.mining)
    )
    logger.info(
        "Training %s (%d parameters) with %s mining on %d people (%d images), "
        "batches of P=%d × K=%d.",
        encoder.name,
        encoder.count_params(),
        config.mining,
        p_train and len(np.unique(train["persons"])),
        len(train["images"]),
        p_train,
        config.images_per_identity,
    )
    history = encoder.fit(
        batches,
        validation_data=validation,
        epochs=config.epochs,
        verbose=config.verbose,
        callbacks=[
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            ),
            MlflowMetricsCallback(suffix),
        ],
    )
    return encoder, {k: [float(v) for v in values] for k, values in history.history.items()}


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Triplet loss of training and validation people over epochs."""
    return plotting.training_curves(history, title="faces encoder (triplet loss)")


def embed(
    model: Any, images: np.ndarray, flip_tta: bool = True, batch_size: int = 256
) -> np.ndarray:
    """f(x) of a batch of ``uint8`` face crops; with ``flip_tta``, averaged with f(mirror).

    Test-time augmentation: a face is nearly symmetric, so the mean of the embeddings
    of the crop and of its horizontal mirror, renormalised to unit length, is a
    steadier f(x), and the same for a photo and its mirror image. It is applied
    wherever τ is chosen or used (``faces.evaluation.flip_tta``, saved with τ).
    """
    x = images.astype("float32")
    batch = np.concatenate([x, x[:, :, ::-1]]) if flip_tta else x
    out = np.asarray(model.predict(batch, batch_size=batch_size, verbose=0), dtype=np.float64)
    mean = out[: len(x)] + out[len(x) :] if flip_tta else out
    return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)


# ----------------------------------------------------------------------------- evaluation
def _pixels(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def _verify(
    vectors_val: np.ndarray,
    val_persons: np.ndarray,
    vectors_test: np.ndarray,
    test_persons: np.ndarray,
    seed: int,
) -> dict[str, Any]:
    """τ from validation pairs; accuracy and ROC on test pairs; distances for the plots."""
    d_val, d_test = ev.distance_matrix(vectors_val), ev.distance_matrix(vectors_test)
    i, j, same = ev.balanced_pairs(val_persons, rng(seed, "val_pairs"))
    tau = ev.best_threshold(d_val[i, j], same)
    i, j, same = ev.balanced_pairs(test_persons, rng(seed, "test_pairs"))
    balanced = ev.verification_metrics(d_test[i, j], same, tau)
    i, j, same_all = ev.all_pairs(test_persons)
    distances = d_test[i, j]
    return {
        "tau": tau,
        "accuracy": balanced["accuracy"],
        "roc_auc": ev.verification_metrics(distances, same_all, tau)["roc_auc"],
        "distances": distances,
        "same": same_all,
    }


def evaluate_encoder(
    model: Any,
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """Verification, recognition and clustering on people never seen in training.

    * Verification: τ maximises accuracy on balanced validation pairs; on test pairs
      (every same-person pair and as many random different-person pairs) it gives
      ``verify_accuracy``; ROC AUC and TAR at FAR 1e-2 / 1e-3 use every test pair.
      Raw-pixel distance with its own τ is the baseline (``pixel_verify_accuracy``).
    * Recognition: some test people are enrolled with a few images each; the other
      images are probes. ``recognize_top1``: k-NN accuracy on probes of enrolled
      people; ``recognize_open_set_accuracy``: on every probe, "unknown" beyond τ.
    * Clustering: k-means on the test embeddings (k = people): ``cluster_nmi``,
      ``cluster_ari``.

    Returns:
        MLflow metrics, a JSON report, ``{"tau", …}`` for the use-on-new-images
        pipelines, and the test embeddings and distances for the plots.
    """
    config = parse(EvaluationParams, params, "faces.evaluation")
    emb_val = embed(model, val["images"], config.flip_tta)
    emb_test = embed(model, test["images"], config.flip_tta)
    ours = _verify(emb_val, val["persons"], emb_test, test["persons"], seed)
    pixels = _verify(
        _pixels(val["images"]), val["persons"], _pixels(test["images"]), test["persons"], seed
    )
    tau = ours["tau"]
    figures = {
        "verify_accuracy": ours["accuracy"],
        "verify_roc_auc": ours["roc_auc"],
        "tau": tau,
        "pixel_verify_accuracy": pixels["accuracy"],
        "pixel_verify_roc_auc": pixels["roc_auc"],
    }
    for far in config.far_targets:
        figures[f"verify_tar_at_far_{far:.0e}".replace("e-0", "e-")] = ev.tar_at_far(
            ours["distances"], ours["same"], far
        )

    gallery, probes, enrolled = ev.gallery_probe_split(
        test["persons"], config.enrolled_fraction, config.gallery_per_person, rng(seed, "gallery")
    )
    truth = test["persons"][probes].astype(str)
    known = np.isin(truth, enrolled)
    closed, _ = ev.identify(
        emb_test[gallery],
        test["persons"][gallery],
        emb_test[probes][known],
        None,
        config.neighbours,
    )
    opened, _ = ev.identify(
        emb_test[gallery], test["persons"][gallery], emb_test[probes], tau, config.neighbours
    )
    expected = np.where(known, truth, ev.UNKNOWN)
    figures["recognize_top1"] = float(np.mean(closed == truth[known]))
    figures["recognize_open_set_accuracy"] = float(np.mean(opened == expected))

    clusters = ev.clustering_metrics(emb_test, test["persons"], seed)
    figures["cluster_nmi"], figures["cluster_ari"] = clusters["nmi"], clusters["ari"]
    logger.info("Unseen people: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    report = {
        "metrics": figures,
        "test_people": int(len(np.unique(test["persons"]))),
        "test_images": int(len(test["persons"])),
        "verification_pairs": {
            "balanced": int(2 * ours["same"].sum()),
            "all": int(len(ours["same"])),
            "same_person": int(ours["same"].sum()),
        },
        "recognition": {
            "enrolled_people": [str(p) for p in enrolled],
            "gallery_images": int(len(gallery)),
            "probes": int(len(probes)),
            "probes_of_unknown_people": int((~known).sum()),
        },
        "pixel_tau": pixels["tau"],
    }
    threshold = {
        "tau": tau,
        "image_size": list(test["images"].shape[1:3]),
        "flip_tta": config.flip_tta,
        "distance": "squared euclidean between L2-normalised embeddings",
    }
    curves = {
        "embeddings": emb_test,
        "persons": test["persons"],
        "distances": ours["distances"],
        "same": ours["same"],
        "pixel_distances": pixels["distances"],
        "tau": np.asarray(tau),
        "pixel_tau": np.asarray(pixels["tau"]),
    }
    return as_mlflow_metrics(figures), report, threshold, curves


def plot_evaluation(
    curves: dict[str, np.ndarray], report: dict[str, Any], params: dict[str, Any], seed: int
) -> tuple[Figure, Figure, Figure]:
    """ROC curves (ours vs raw pixels), distance histograms with τ, 2-D map by person."""
    config = parse(EvaluationParams, params, "faces.evaluation")
    roc = plots.roc_figure(
        curves["same"], {"encoder": curves["distances"], "raw pixels": curves["pixel_distances"]}
    )
    histogram = plots.distance_histograms(curves["distances"], curves["same"], float(curves["tau"]))
    points = plots.project_2d(curves["embeddings"], config.map_method, seed)
    scatter = plots.embedding_map(points, curves["persons"], config.map_method)
    return roc, histogram, scatter


# ----------------------------------------------------------------------- dlib reference
#: dlib's customary rule: the same person when the Euclidean distance is below 0.6.
DLIB_EUCLIDEAN_THRESHOLD = 0.6


def evaluate_dlib_reference(
    models: DlibFaceModels | None,
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    seed: int,
) -> tuple[dict, dict]:
    """dlib's pretrained 128-D embedder on the same face crops and pairs as our encoder.

    ``dlib_verify_accuracy``: τ chosen on the validation pairs exactly as for ours
    (squared Euclidean distance, best accuracy), applied to the same balanced test
    pairs (same seed). ``dlib_verify_accuracy_at_0_6`` applies dlib's customary
    Euclidean threshold 0.6 instead. When the optional ``dlib`` extra is not installed
    (``models`` is ``None``) nothing is scored and the report says so.

    Returns:
        MLflow metrics (empty without dlib) and a JSON report.
    """
    if models is None:
        logger.info("dlib reference not scored: %s.", INSTALL_HINT)
        return {}, {"enabled": False, "reason": f"dlib not installed; {INSTALL_HINT}"}
    emb_val, emb_test = (
        dlib_embeddings(models, val["images"]),
        dlib_embeddings(models, test["images"]),
    )
    scores = _verify(emb_val, val["persons"], emb_test, test["persons"], seed)
    i, j, same = ev.balanced_pairs(test["persons"], rng(seed, "test_pairs"))
    fixed = ev.verification_metrics(
        ev.squared_distances(emb_test[i], emb_test[j]), same, DLIB_EUCLIDEAN_THRESHOLD**2
    )
    figures = {
        "dlib_verify_accuracy": scores["accuracy"],
        "dlib_verify_roc_auc": scores["roc_auc"],
        "dlib_tau": scores["tau"],
        "dlib_verify_accuracy_at_0_6": fixed["accuracy"],
    }
    logger.info(
        "dlib's pretrained embedder on the same unseen people: %s",
        ", ".join(f"{k}={v:.4f}" for k, v in figures.items()),
    )
    return as_mlflow_metrics(figures), {
        "enabled": True,
        "metrics": figures,
        "threshold": "dlib_verify_accuracy: τ (squared Euclidean) chosen on validation "
        "pairs as for our encoder; dlib_verify_accuracy_at_0_6: dlib's "
        "Euclidean 0.6",
        "test_pairs": int(len(same)),
        "models": "dlib shape_predictor_5_face_landmarks + "
        "dlib_face_recognition_resnet_model_v1 (face_recognition_models)",
    }


# --------------------------------------------------------------------- pairwise variant
def train_and_evaluate_pair_head(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    model_params: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> tuple[dict, dict]:
    """The notes' alternative: a Siamese encoder + σ(Σ w_k|f_k(x_i) − f_k(x_j)| + b) head.

    Same encoder architecture, trained from scratch with binary cross-entropy on
    balanced pairs of training people (redrawn every epoch). The decision threshold on
    ŷ is chosen on validation pairs; scored on the same balanced test pairs as the
    triplet encoder: ``pair_verify_accuracy``, ``pair_verify_roc_auc``.
    """
    config = parse(PairHeadParams, params, "faces.pair_head")
    if not config.enabled:
        return {}, {"enabled": False}
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.pipelines.faces.model import build_encoder, build_pair_classifier
    from dl_pipelines.runtime.seeding import seed_everything

    arch = parse(ModelParams, model_params, "faces.model")
    seed_everything(seed)
    encoder = build_encoder(
        tuple(train["images"].shape[1:]),
        arch.stem_filters,
        arch.stage_filters,
        arch.block,
        arch.embedding_dim,
        arch.dropout,
    )
    model = build_pair_classifier(encoder)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    images = train["images"].astype("float32")
    history: dict[str, list[float]] = {}

    class _Prefixed(MlflowMetricsCallback):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, {f"pair_{k}": v for k, v in (logs or {}).items()})

    for epoch in range(config.epochs):
        i, j, same = _random_pairs(
            train["persons"], config.pairs_per_epoch, rng(seed, "pair_epoch", epoch)
        )
        fitted = model.fit(
            [images[i], images[j]],
            same.astype("float32"),
            batch_size=config.batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            verbose=0,
            callbacks=[_Prefixed()],
        )
        for k, v in fitted.history.items():
            history.setdefault(k, []).extend(float(x) for x in v)

    def scores(part: dict[str, np.ndarray], generator: np.random.Generator):
        a, b, y = ev.balanced_pairs(part["persons"], generator)
        x = part["images"].astype("float32")
        p = model.predict([x[a], x[b]], batch_size=256, verbose=0).reshape(-1)
        return p, y

    p_val, y_val = scores(val, rng(seed, "val_pairs"))
    # "same" when ŷ ≥ t ⇔ −ŷ ≤ −t: reuse the distance threshold search on −ŷ
    threshold = -ev.best_threshold(-p_val, y_val)
    p_test, y_test = scores(test, rng(seed, "test_pairs"))
    figures = {
        "pair_verify_accuracy": float(np.mean((p_test >= threshold) == y_test)),
        "pair_verify_roc_auc": float(ev.verification_metrics(-p_test, y_test, 0)["roc_auc"]),
    }
    logger.info(
        "Pairwise head on unseen people: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items())
    )
    return as_mlflow_metrics(figures), {
        "enabled": True,
        "threshold": threshold,
        "metrics": figures,
        "history": history,
    }


def _random_pairs(persons: np.ndarray, count: int, generator: np.random.Generator):
    """``count`` pairs, half of the same person, half of two different people."""
    persons = np.asarray(persons)
    people = np.unique(persons)
    members = {p: np.flatnonzero(persons == p) for p in people}
    half = count // 2
    same_people = generator.choice(people, half)
    first = [generator.choice(members[p], 2, replace=False) for p in same_people]
    a = [int(f[0]) for f in first]
    b = [int(f[1]) for f in first]
    for _ in range(count - half):
        p, q = generator.choice(people, 2, replace=False)
        a.append(int(generator.choice(members[p])))
        b.append(int(generator.choice(members[q])))
    same = np.asarray([1] * half + [0] * (count - half))
    return np.asarray(a), np.asarray(b), same


# --------------------------------------------------------------------- use on new images
def _prepare(
    images: dict[str, Any], params: dict[str, Any], image_size: list[int]
) -> tuple[list[str], np.ndarray, list[str]]:
    photos = {
        name: to_rgb_uint8(
            np.asarray(image.convert("RGB")) if hasattr(image, "convert") else np.asarray(image)
        )
        for name, image in images.items()
    }
    config = parse(DetectionParams, params, "faces.detection")
    crops, missed = _crop_faces(photos, config, tuple(image_size))
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
    model: Any, image_a: Any, image_b: Any, threshold: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """d(a, b) = ‖f(a) − f(b)‖² and whether it is within τ: the same person.

    Raises:
        ValueError: when no face is found in one image and ``no_face`` is ``skip`` or
            ``error`` (a pair cannot be verified without both faces).
    """
    names, crops, missed = _prepare(
        {"image_a": image_a, "image_b": image_b}, params, threshold["image_size"]
    )
    if len(names) < 2:
        raise ValueError(
            f"No face found in {', '.join(missed)}: verification needs a face "
            "in both images (or set faces.detection.no_face: whole_image)."
        )
    embeddings = embed(model, crops, threshold.get("flip_tta", True))
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
    params: dict[str, Any],
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
    g_names, g_crops, g_missed = _prepare(gallery, params, threshold["image_size"])
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
    p_names, p_crops, p_missed = _prepare(probes, params, threshold["image_size"])
    if not p_names:
        raise ValueError(
            f"No face found in any probe image ({', '.join(p_missed)}), so none is left to "
            "identify (faces.detection.no_face: skip). Use photos where the face is "
            "visible and frontal, or set faces.detection.no_face: whole_image."
        )
    flip_tta = threshold.get("flip_tta", True)
    persons, distances = ev.identify(
        embed(model, g_crops, flip_tta),
        np.asarray([n.split("/", 1)[0] for n in g_names]),
        embed(model, p_crops, flip_tta),
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
