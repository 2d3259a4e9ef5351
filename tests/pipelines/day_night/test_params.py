"""The parameter sections of day_night: conf/base parses, bad values name their key."""

from __future__ import annotations

import pytest
import yaml

from dl_pipelines.nn.training import BatchFitParams
from dl_pipelines.pipelines.day_night.params import (
    DataParams,
    EvaluationParams,
    HeldoutParams,
    ModelParams,
    TrainingParams,
)
from dl_pipelines.runtime.config import ParameterError, parse
from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_day_night.yml").read_text())
SECTIONS = {
    "data": DataParams,
    "model": ModelParams,
    "training": TrainingParams,
    "evaluation": EvaluationParams,
    "heldout": HeldoutParams,
}


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_conf_base_parses(name) -> None:
    config = parse(SECTIONS[name], BASE["day_night"][name], f"day_night.{name}")
    assert isinstance(config, SECTIONS[name])


def test_training_section_is_a_batch_fit_section() -> None:
    raw = BASE["day_night"]["training"]
    config = parse(TrainingParams, raw, "day_night.training")
    assert isinstance(config, BatchFitParams)
    assert (config.epochs, config.batch_size, config.early_stopping_patience) == (
        raw["epochs"],
        raw["batch_size"],
        raw["early_stopping_patience"],
    )
    defaults = {k: v for k, v in raw.items() if k not in ("input_workers", "verbose")}
    config = parse(TrainingParams, defaults, "day_night.training")
    assert (config.input_workers, config.verbose) == (1, 0)


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("training", {"batch_size": 0}, "batch_size must be >= 1"),
        ("training", {"early_stopping_patience": -1}, "early_stopping_patience must be >= 0"),
        ("training", {"learning_rate": 0}, "learning_rate must be > 0"),
        ("model", {"filters": []}, "filters must be a non-empty list"),
        ("model", {"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ("model", {"pooling": "median"}, r"pooling must be one of \['average', 'average_max'\]"),
        ("evaluation", {"threshold": 0}, r"threshold must be in \(0, 1\)"),
        ("heldout", {"crop_fraction": [0.6, 0.5]}, "crop_fraction must be"),
        ("heldout", {"grid_size": 0}, "grid_size must be >= 1"),
    ],
)
def test_bad_values_name_the_section(section, change, message) -> None:
    raw = {**BASE["day_night"][section], **change}
    with pytest.raises(ParameterError, match=rf"'day_night.{section}'.*{message}"):
        parse(SECTIONS[section], raw, f"day_night.{section}")


def test_small_images_and_bad_default_data_are_rejected() -> None:
    raw = BASE["day_night"]["data"]
    with pytest.raises(ParameterError, match="at least 8×8"):
        parse(DataParams, {**raw, "image_size": [4, 64]}, "day_night.data")
    default = {**raw["default_data"], "crop_fraction": [0.0, 1.0]}
    with pytest.raises(ParameterError, match="crop_fraction must be"):
        parse(DataParams, {**raw, "default_data": default}, "day_night.data")
