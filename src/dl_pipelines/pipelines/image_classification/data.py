"""The data of the ``image_classification`` pipeline: the chosen data set, checked and
split into train / stratified validation / test."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from dl_pipelines.pipelines.image_classification.params import DataParams
from dl_pipelines.runtime.seeding import rng

logger = logging.getLogger(__name__)


def split_dataset(
    dataset: str,
    data: DataParams,
    digits: dict[str, np.ndarray],
    fashion_mnist: dict[str, Any],
    seed: int,
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Load ``dataset`` and split it: train / stratified validation / test.

    Fashion-MNIST keeps its official 10,000-image test split; digits (no official
    split) hold out a stratified ``digits_test_fraction`` first. The validation split is
    then drawn, stratified, from the training images only.

    Args:
        dataset: ``digits`` or ``fashion_mnist``.
        data: ``image_classification.data``.
        digits: scikit-learn's digits (``images`` 8×8 in 0–16, ``labels``, ``class_names``).
        fashion_mnist: Lazy loaders of the four Fashion-MNIST IDX files; called only when
            ``dataset`` is ``fashion_mnist``.
        seed: The run's seed.

    Returns:
        ``train``, ``val``, ``test`` as ``{"images": (n, h, w, 1) uint8, "labels": (n,)}``
        and a report with the class names and the class counts of each split.
    """
    if dataset == "digits":
        images = np.rint(np.asarray(digits["images"], dtype=np.float64) * 255.0 / 16.0)
        images = images.clip(0, 255).astype(np.uint8)[..., None]
        labels = np.asarray(digits["labels"], dtype=np.int64)
        class_names = [str(c) for c in digits["class_names"]]
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)),
            test_size=data.digits_test_fraction,
            stratify=labels,
            random_state=_int_seed(seed, "digits_test"),
        )
        x_train, y_train = images[train_idx], labels[train_idx]
        x_test, y_test = images[test_idx], labels[test_idx]
    else:
        x_train = _images(fashion_mnist["train_images"](), "train_images")
        y_train = _labels(fashion_mnist["train_labels"](), len(x_train), "train_labels")
        x_test = _images(fashion_mnist["test_images"](), "test_images")
        y_test = _labels(fashion_mnist["test_labels"](), len(x_test), "test_labels")
        class_names = list(data.fashion_mnist_classes)
    fit_idx, val_idx = train_test_split(
        np.arange(len(y_train)),
        test_size=data.validation_fraction,
        stratify=y_train,
        random_state=_int_seed(seed, "validation"),
    )
    splits = {
        "train": {"images": x_train[fit_idx], "labels": y_train[fit_idx]},
        "val": {"images": x_train[val_idx], "labels": y_train[val_idx]},
        "test": {"images": x_test, "labels": y_test},
    }
    report: dict[str, Any] = {
        "dataset": dataset,
        "class_names": class_names,
        "image_shape": list(x_train.shape[1:]),
    }
    for name, split in splits.items():
        counts = np.bincount(split["labels"], minlength=len(class_names))
        report[name] = {
            "images": int(len(split["labels"])),
            "per_class": dict(zip(class_names, map(int, counts), strict=True)),
        }
        logger.info(
            "%s: %d images, %d to %d per class",
            name,
            len(split["labels"]),
            counts.min(),
            counts.max(),
        )
    return splits["train"], splits["val"], splits["test"], report


def _int_seed(seed: int, stream: str) -> int:
    return int(rng(seed, stream).integers(2**31 - 1))


def _images(array: np.ndarray, name: str) -> np.ndarray:
    if array.ndim != 3 or array.dtype != np.uint8:
        raise ValueError(
            f"Fashion-MNIST '{name}' must be uint8 images (n, h, w), got "
            f"{array.dtype} {array.shape}: is it an images file?"
        )
    return array[..., None]


def _labels(array: np.ndarray, count: int, name: str) -> np.ndarray:
    if array.ndim != 1 or len(array) != count:
        raise ValueError(
            f"Fashion-MNIST '{name}' must be {count} labels (one per image), "
            f"got shape {array.shape}: do the image and label files match?"
        )
    if array.max(initial=0) > 9:
        raise ValueError(f"Fashion-MNIST '{name}' holds label {array.max()} > 9.")
    return array.astype(np.int64)
