"""Verification (1:1), recognition (1:K) and clustering of embeddings, in NumPy + scikit-learn.

Distances are squared Euclidean, d(x₁, x₂) = ‖f(x₁) − f(x₂)‖², as in the course notes;
two images show the same person when d ≤ τ. :func:`embed` reads f(x) from a trained
encoder; :func:`evaluate_encoder` scores it on people never seen in training.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from sklearn import metrics as skm
from sklearn.cluster import KMeans
from sklearn.neighbors import KNeighborsClassifier

from dl_pipelines.pipelines.faces.params import EvaluationParams
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking.runs import as_mlflow_metrics

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"


def squared_distances(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Row-wise ‖a_i − b_i‖² of two (n, d) arrays."""
    difference = np.asarray(first, np.float64) - np.asarray(second, np.float64)
    return np.sum(difference * difference, axis=1)


def distance_matrix(vectors: np.ndarray) -> np.ndarray:
    """All squared distances D[i, j] = ‖v_i − v_j‖² of (n, d) vectors (via the Gram matrix)."""
    v = np.asarray(vectors, np.float64)
    norms = np.sum(v * v, axis=1)
    return np.maximum(norms[:, None] - 2.0 * v @ v.T + norms[None, :], 0.0)


def balanced_pairs(persons: np.ndarray, generator: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Every same-person pair and as many different-person pairs drawn at random.

    Returns:
        ``(i, j, same)``: indices of the two images of each pair and whether they
        show the same person (1) or not (0).
    """
    persons = np.asarray(persons)
    i, j = np.triu_indices(len(persons), k=1)
    same = persons[i] == persons[j]
    positive = np.flatnonzero(same)
    negative = np.flatnonzero(~same)
    if len(positive) == 0 or len(negative) == 0:
        raise ValueError("Verification needs at least two people with two images each.")
    chosen = generator.choice(negative, min(len(positive), len(negative)), replace=False)
    rows = np.concatenate([positive, np.sort(chosen)])
    return i[rows], j[rows], same[rows].astype(np.int64)


def all_pairs(persons: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every pair of images (for ROC curves and TAR at low FAR)."""
    persons = np.asarray(persons)
    i, j = np.triu_indices(len(persons), k=1)
    return i, j, (persons[i] == persons[j]).astype(np.int64)


def best_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The τ that maximises the accuracy of "d ≤ τ → same person" on these pairs.

    τ is placed half-way between two consecutive distances, so it does not depend on
    ties at the boundary.
    """
    order = np.argsort(distances, kind="stable")
    d, y = np.asarray(distances, np.float64)[order], np.asarray(same)[order]
    # accepting the first m pairs: correct = positives among them + negatives after them
    accepted_positives = np.concatenate([[0], np.cumsum(y)])
    rejected_negatives = np.concatenate([[0], np.cumsum((1 - y)[::-1])])[::-1]
    correct = accepted_positives + rejected_negatives
    m = int(np.argmax(correct))
    if m == 0:
        return float(d[0] - 1e-6)
    if m == len(d):
        return float(d[-1] + 1e-6)
    return float((d[m - 1] + d[m]) / 2)


def tar_at_far(distances: np.ndarray, same: np.ndarray, far: float) -> float:
    """True accept rate at the threshold whose false accept rate is at most ``far``."""
    fpr, tpr, _ = skm.roc_curve(same, -np.asarray(distances))
    allowed = fpr <= far
    return float(tpr[allowed].max()) if allowed.any() else 0.0


def verification_metrics(distances: np.ndarray, same: np.ndarray, tau: float) -> dict[str, float]:
    """Accuracy of d ≤ τ and the ROC AUC of −d on a set of pairs."""
    predicted = (np.asarray(distances) <= tau).astype(np.int64)
    return {
        "accuracy": float(np.mean(predicted == same)),
        "roc_auc": float(skm.roc_auc_score(same, -np.asarray(distances))),
    }


def gallery_probe_split(
    persons: np.ndarray,
    enrolled_fraction: float,
    gallery_per_person: int,
    generator: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Enrol some people (``gallery_per_person`` images each); every other image probes.

    Returns:
        ``(gallery, probes, enrolled)`` index arrays and the enrolled person names.

    Raises:
        ValueError: when fewer than two people would be enrolled (a gallery of one
            person cannot tell anyone apart), or an enrolled person has no image left
            to probe with.
    """
    persons = np.asarray(persons)
    people = np.unique(persons)
    count = int(round(enrolled_fraction * len(people)))
    if count < 2:
        raise ValueError(
            f"Recognition needs a gallery of at least 2 people; "
            f"{enrolled_fraction} of {len(people)} test people is {count}. Raise "
            "faces.evaluation.enrolled_fraction or the test share of people."
        )
    enrolled = np.sort(generator.choice(people, count, replace=False))
    gallery = []
    for person in enrolled:
        rows = np.flatnonzero(persons == person)
        if len(rows) <= gallery_per_person:
            raise ValueError(
                f"Person '{person}' has {len(rows)} test images, not more than "
                f"faces.evaluation.gallery_per_person={gallery_per_person}: "
                "nothing is left to probe with. Lower gallery_per_person."
            )
        gallery.extend(generator.choice(rows, gallery_per_person, replace=False))
    gallery = np.sort(np.asarray(gallery, dtype=np.int64))
    probes = np.setdiff1d(np.arange(len(persons)), gallery)
    return gallery, probes, enrolled


def identify(
    gallery_embeddings: np.ndarray,
    gallery_persons: np.ndarray,
    probe_embeddings: np.ndarray,
    tau: float | None,
    neighbours: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """k-NN identification of each probe; "unknown" when the nearest is farther than τ.

    Returns:
        ``(person, distance)`` of every probe: the k-NN vote (scikit-learn) and the
        squared distance to the nearest gallery image.
    """
    gallery_persons = np.asarray(gallery_persons).astype(str)
    k = min(neighbours, len(gallery_persons))
    knn = KNeighborsClassifier(n_neighbors=k, metric="euclidean")
    knn.fit(gallery_embeddings, gallery_persons)
    nearest, _ = knn.kneighbors(probe_embeddings, n_neighbors=1)
    distance = nearest[:, 0] ** 2
    person = knn.predict(probe_embeddings).astype(object)
    if tau is not None:
        person[distance > tau] = UNKNOWN
    return person.astype(str), distance


def clustering_metrics(embeddings: np.ndarray, persons: np.ndarray, seed: int) -> dict[str, float]:
    """k-means with k = number of people; NMI and adjusted Rand index against the truth."""
    k = len(np.unique(persons))
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(embeddings)
    return {
        "nmi": float(skm.normalized_mutual_info_score(persons, clusters)),
        "ari": float(skm.adjusted_rand_score(persons, clusters)),
    }


# ----------------------------------------------------------------- the encoder's scores
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


def _pixels(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def verification_scores(
    vectors_val: np.ndarray,
    val_persons: np.ndarray,
    vectors_test: np.ndarray,
    test_persons: np.ndarray,
    seed: int,
) -> dict[str, Any]:
    """τ from validation pairs; accuracy and ROC on test pairs; distances for the plots."""
    d_val, d_test = distance_matrix(vectors_val), distance_matrix(vectors_test)
    i, j, same = balanced_pairs(val_persons, rng(seed, "val_pairs"))
    tau = best_threshold(d_val[i, j], same)
    i, j, same = balanced_pairs(test_persons, rng(seed, "test_pairs"))
    balanced = verification_metrics(d_test[i, j], same, tau)
    i, j, same_all = all_pairs(test_persons)
    distances = d_test[i, j]
    return {
        "tau": tau,
        "accuracy": balanced["accuracy"],
        "roc_auc": verification_metrics(distances, same_all, tau)["roc_auc"],
        "distances": distances,
        "same": same_all,
    }


def evaluate_encoder(
    model: Any,
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    config: EvaluationParams,
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
    emb_val = embed(model, val["images"], config.flip_tta)
    emb_test = embed(model, test["images"], config.flip_tta)
    ours = verification_scores(emb_val, val["persons"], emb_test, test["persons"], seed)
    pixels = verification_scores(
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
        figures[f"verify_tar_at_far_{far:.0e}".replace("e-0", "e-")] = tar_at_far(
            ours["distances"], ours["same"], far
        )

    gallery, probes, enrolled = gallery_probe_split(
        test["persons"], config.enrolled_fraction, config.gallery_per_person, rng(seed, "gallery")
    )
    truth = test["persons"][probes].astype(str)
    known = np.isin(truth, enrolled)
    closed, _ = identify(
        emb_test[gallery],
        test["persons"][gallery],
        emb_test[probes][known],
        None,
        config.neighbours,
    )
    opened, _ = identify(
        emb_test[gallery], test["persons"][gallery], emb_test[probes], tau, config.neighbours
    )
    expected = np.where(known, truth, UNKNOWN)
    figures["recognize_top1"] = float(np.mean(closed == truth[known]))
    figures["recognize_open_set_accuracy"] = float(np.mean(opened == expected))

    clusters = clustering_metrics(emb_test, test["persons"], seed)
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
