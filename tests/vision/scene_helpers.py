"""Tiny scene sets and parameters shared by the unit tests of the vision pipelines."""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from dl_pipelines.runtime.config import ParameterError
from dl_pipelines.runtime.parameter_check import check_pipeline_parameters
from tests.conftest import PROJECT_ROOT

CLASSES = ["ellipse", "rectangle", "triangle", "cross"]
PHOTOS = {
    "noise": np.random.default_rng(0).integers(0, 256, (80, 120, 3), dtype=np.uint8),
    "flat": np.full((50, 50, 3), 128, dtype=np.uint8),
}


def base_params(pipeline: str) -> dict[str, Any]:
    """A deep copy of ``conf/base/parameters_<pipeline>.yml``'s section."""
    text = (PROJECT_ROOT / f"conf/base/parameters_{pipeline}.yml").read_text()
    return copy.deepcopy(yaml.safe_load(text)[pipeline])


def data_params(count: int = 30, **scenes: Any) -> dict[str, Any]:
    """A ``<pipeline>.data`` section of ``count`` default 32×32 scenes split 60/20/20."""
    return {
        "classes": list(CLASSES),
        "count": count,
        "scenes": {"image_size": [32, 32], "objects": [1, 2], "object_size": [0.3, 0.7], **scenes},
        "split": {"train": 0.6, "val": 0.2, "test": 0.2},
    }


def scene_splits(nodes: ModuleType, data: dict[str, Any], seed: int = 3) -> tuple:
    """A pipeline's ``make_scenes`` then ``split_scenes`` nodes on :data:`PHOTOS`."""
    return nodes.split_scenes(nodes.make_scenes(None, PHOTOS, data, seed=seed), data, seed=seed)


def tiny_training(**extra: Any) -> dict[str, Any]:
    """A ``<pipeline>.training`` section for two quick epochs."""
    return {
        "epochs": 2,
        "batch_size": 8,
        "learning_rate": 0.003,
        "augment": True,
        "max_shift_px": 2,
        "early_stopping_patience": 2,
        **extra,
    }


def assert_checked_before_the_run(
    create_pipeline: Callable[[], Any], name: str, section: str, change: dict, message: str
) -> None:
    """A bad value in ``<name>.<section>`` fails the up-front check, naming the key."""
    params = {name: base_params(name), "seed": 1}
    params[name][section].update(change)
    with pytest.raises(ParameterError, match=message) as failure:
        check_pipeline_parameters(create_pipeline(), params)
    assert f"conf/base/parameters_{name}.yml" in str(failure.value)
