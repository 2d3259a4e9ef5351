"""Verification (1:1), recognition (1:K) and clustering of embeddings, in NumPy + scikit-learn.

Distances are squared Euclidean, d(x₁, x₂) = ‖f(x₁) − f(x₂)‖², as in the course notes;
two images show the same person when d ≤ τ.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm
from sklearn.cluster import KMeans
from sklearn.neighbors import KNeighborsClassifier

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
