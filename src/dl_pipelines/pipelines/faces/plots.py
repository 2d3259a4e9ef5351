"""Figures of the faces pipeline: example crops, ROC curves, distance histograms, a 2-D map."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from sklearn import metrics as skm

from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.images import resize, to_rgb_uint8


def examples_grid(
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


def roc_figure(same: np.ndarray, distances: dict[str, np.ndarray]) -> Figure:
    """ROC of "d ≤ τ → same person" for several distances, FAR on a log axis."""
    fig = Figure(figsize=(8.4, 4), layout="constrained")
    linear, log = fig.subplots(1, 2)
    for name, d in distances.items():
        fpr, tpr, _ = skm.roc_curve(same, -d)
        auc = skm.roc_auc_score(same, -d)
        linear.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
        log.plot(np.maximum(fpr, 1e-5), tpr, label=name)
    linear.plot([0, 1], [0, 1], "--", color="grey", label="chance")
    linear.set_xlabel("false accept rate")
    log.set_xscale("log")
    log.set_xlim(1e-4, 1)
    log.set_xlabel("false accept rate (log)")
    for ax in (linear, log):
        ax.set_ylabel("true accept rate")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.suptitle("Verification ROC on test pairs of unseen people")
    return fig


def distance_histograms(distances: np.ndarray, same: np.ndarray, tau: float) -> Figure:
    """Distances of same-person and different-person test pairs, and the threshold τ."""
    fig = Figure(figsize=(5.6, 3.6), layout="constrained")
    ax = fig.subplots()
    bins = np.linspace(0, max(float(distances.max()), tau) * 1.02, 60)
    ax.hist(distances[same == 1], bins=bins, density=True, alpha=0.6, label="same person")
    ax.hist(distances[same == 0], bins=bins, density=True, alpha=0.6, label="different people")
    ax.axvline(tau, color="black", linestyle="--", label=f"τ = {tau:.3f}")
    ax.set_xlabel("‖f(x₁) − f(x₂)‖²")
    ax.set_ylabel("density")
    ax.set_title("Test-pair distances")
    ax.legend()
    return fig


def project_2d(embeddings: np.ndarray, method: str, seed: int) -> np.ndarray:
    """2-D coordinates of the embeddings by t-SNE or PCA."""
    if method == "pca" or len(embeddings) < 5:
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(embeddings)
    from sklearn.manifold import TSNE

    perplexity = float(min(30, max(2, (len(embeddings) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(
        embeddings
    )


def embedding_map(points: np.ndarray, persons: np.ndarray, method: str) -> Figure:
    """The test embeddings in 2-D, one colour (and marker) per person."""
    fig = Figure(figsize=(6, 5.4), layout="constrained")
    ax = fig.subplots()
    people = np.unique(persons)
    colours = [f"C{i % 10}" for i in range(len(people))]
    markers = "os^vDP*X<>"
    for i, person in enumerate(people):
        rows = persons == person
        ax.scatter(
            points[rows, 0],
            points[rows, 1],
            s=14,
            color=colours[i],
            marker=markers[(i // 10) % len(markers)],
            label=str(person)[-12:],
        )
    if len(people) <= 20:
        ax.legend(fontsize=6, ncols=2, loc="best")
    ax.set_title(f"Test embeddings of unseen people ({method.upper()}), colour = person")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig
