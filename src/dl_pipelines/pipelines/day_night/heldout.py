"""Held-out evaluation: images the training renderers did not make.

Two kinds of images, none of which the training set comes from:

* geometric scenes (``heldout_scenes.py``): monuments, bridges, skylines and streets
  drawn by day and by night from geometry by a generator that training never uses;
* real photographs installed with the packages and kept out of the training pool
  (catalog entry ``day_night_heldout_photos``; class given in the parameters).

The held-out accuracy is reported apart from the in-distribution test accuracy, with
an accuracy per group (scene kind × class, photo × class).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn import metrics as skm

from dl_pipelines.pipelines.day_night.heldout_scenes import draw_scene
from dl_pipelines.pipelines.day_night.inference import predict_probabilities
from dl_pipelines.pipelines.day_night.params import HeldoutParams
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.vision.images import random_square_crop, resize

logger = logging.getLogger(__name__)


def draw_heldout_set(
    photos: dict[str, np.ndarray],
    config: HeldoutParams,
    image_size: tuple[int, int],
    classes: list[str],
) -> dict[str, np.ndarray]:
    """Draw the held-out geometric scenes and crop the held-out photos.

    Args:
        photos: ``day_night_heldout_photos``: real photographs training never sees.
        config: ``day_night.heldout``.
        image_size: ``day_night.data.image_size``.
        classes: ``day_night.data.classes``; ``config.photos`` maps each photo to one.

    Returns:
        ``images`` (n, h, w, 3) uint8, ``labels``, ``groups`` (e.g. ``bridge_night``,
        ``rocket_day``) and ``names``; the same for every run with the same
        ``heldout.seed``.

    Raises:
        ValueError: for a photo of ``config.photos`` that is not in ``photos`` or whose
            class is not one of ``classes``, and for an empty set.
    """
    size = tuple(image_size)
    images, labels, groups, names = [], [], [], []
    for kind in config.kinds:
        for i in range(config.scenes_per_kind):
            pair = draw_scene(kind, size, rng(config.seed, "heldout", kind, i), config.supersample)
            for label, image in enumerate(pair):
                images.append(image)
                labels.append(label)
                groups.append(f"{kind}_{classes[label]}")
                names.append(f"{kind}-{i:03d}/{classes[label]}")
    for name, class_name in config.photos.items():
        if class_name not in classes:
            raise ValueError(
                f"day_night.heldout.photos.{name}: '{class_name}' is not one of "
                f"the classes {list(classes)}."
            )
        if name not in photos:
            raise ValueError(
                f"day_night.heldout.photos names '{name}', which is not an image "
                "of the catalog entry day_night_heldout_photos."
            )
        generator = rng(config.seed, "heldout_photo", name)
        for i in range(config.photo_crops):
            crop = random_square_crop(photos[name], generator, *config.crop_fraction)
            images.append(resize(crop, size))
            labels.append(classes.index(class_name))
            groups.append(f"{name}_{class_name}")
            names.append(f"{name}/crop-{i:03d}")
    if not images:
        raise ValueError(
            "The held-out set is empty: raise day_night.heldout.scenes_per_kind or photo_crops."
        )
    logger.info("Held-out set: %d images in %d groups.", len(images), len(set(groups)))
    return {
        "images": np.stack(images),
        "labels": np.asarray(labels, dtype=np.int64),
        "groups": np.asarray(groups),
        "names": np.asarray(names),
    }


def score_heldout(
    model: Any, heldout: dict[str, np.ndarray], threshold: float, classes: list[str]
) -> tuple[dict[str, float], pd.DataFrame, dict[str, Any]]:
    """Score the held-out set: overall, per class and per group accuracy.

    Returns:
        The figures (``heldout_accuracy``, ``heldout_accuracy_<class>``,
        ``heldout_accuracy_<group>``, ``heldout_roc_auc``), one row per image
        (``name, group, label, p_night, predicted, correct``) and a JSON report that
        names every misclassified image.
    """
    y_true = heldout["labels"]
    p_night = predict_probabilities(model, heldout["images"])
    y_pred = (p_night >= threshold).astype(np.int64)
    correct = y_pred == y_true
    table = pd.DataFrame(
        {
            "name": heldout["names"],
            "group": heldout["groups"],
            "label": [classes[i] for i in y_true],
            "p_night": np.round(p_night, 6),
            "predicted": [classes[i] for i in y_pred],
            "correct": correct,
        }
    )
    figures = {"heldout_accuracy": float(correct.mean())}
    if len(set(y_true.tolist())) == 2:
        figures["heldout_roc_auc"] = float(skm.roc_auc_score(y_true, p_night))
    for label, name in enumerate(classes):
        if (y_true == label).any():
            figures[f"heldout_accuracy_{name}"] = float(correct[y_true == label].mean())
    for group, rows in table.groupby("group", sort=True):
        figures[f"heldout_accuracy_{group}"] = float(rows["correct"].mean())
    wrong = table[~table["correct"]]
    logger.info(
        "Held-out: accuracy %.4f on %d images (%d wrong).",
        figures["heldout_accuracy"],
        len(table),
        len(wrong),
    )
    for row in wrong.itertuples():
        logger.warning(
            "Held-out misclassified: %s (%s, p_night=%.3f)", row.name, row.label, row.p_night
        )
    report = {
        "metrics": figures,
        "threshold": threshold,
        "n_heldout": int(len(table)),
        "groups": {g: int(n) for g, n in table["group"].value_counts(sort=False).items()},
        "misclassified": [
            {"name": r.name, "label": r.label, "p_night": float(r.p_night)}
            for r in wrong.itertuples()
        ],
    }
    return figures, table, report


def heldout_figure(
    heldout: dict[str, np.ndarray], predictions: pd.DataFrame, config: HeldoutParams
) -> Figure:
    """A grid of held-out images with p(night): every mistake first, then each group."""
    wrong = np.flatnonzero(~predictions["correct"].to_numpy())
    chosen = list(wrong[: config.grid_size])
    generator = rng(config.seed, "heldout_grid")
    groups = sorted(set(heldout["groups"].tolist()))
    per_group = max(1, (config.grid_size - len(chosen)) // max(1, len(groups)))
    for group in groups:
        right = np.flatnonzero((heldout["groups"] == group) & predictions["correct"].to_numpy())
        take = min(len(right), per_group, config.grid_size - len(chosen))
        chosen.extend(generator.choice(right, take, replace=False).tolist())
    chosen = np.asarray(chosen, dtype=np.int64)
    captions = [
        f"{predictions['group'].iat[i]}\np={predictions['p_night'].iat[i]:.2f}" for i in chosen
    ]
    colours = ["tab:green" if predictions["correct"].iat[i] else "tab:red" for i in chosen]
    return plotting.image_grid(
        heldout["images"][chosen],
        captions,
        colours,
        title="Held-out images (never trained on): p = p(night); red = wrong",
    )
