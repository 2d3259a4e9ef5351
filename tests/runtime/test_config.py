"""Tests for dl_pipelines.runtime.config.parse."""

import dataclasses

import pytest

from dl_pipelines.runtime.config import ParameterError, parse

HINT = "conf/base/parameters_exp.yml"


@dataclasses.dataclass(frozen=True)
class Optimiser:
    learning_rate: float
    momentum: float = 0.9


@dataclasses.dataclass(frozen=True)
class Training:
    epochs: int
    optimiser: Optimiser
    crop_fraction: tuple[float, float]
    image_size: tuple[int, ...]
    augment: bool
    name: str
    patience: int | None = None
    tags: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")


def _raw(**overrides):
    raw = {
        "epochs": 3,
        "optimiser": {"learning_rate": 1, "momentum": 0.5},
        "crop_fraction": [0.5, 1],
        "image_size": [64, 48],
        "augment": True,
        "name": "run",
    }
    raw.update(overrides)
    return raw


def test_parse_valid_section_builds_dataclasses():
    config = parse(Training, _raw(), "exp.training")
    assert isinstance(config, Training)
    assert config.epochs == 3
    assert config.optimiser == Optimiser(learning_rate=1.0, momentum=0.5)
    assert config.crop_fraction == (0.5, 1.0)
    assert config.image_size == (64, 48)
    assert config.augment is True
    assert config.name == "run"
    assert config.patience is None and config.tags == []


def test_parse_converts_int_to_float_and_lists_to_tuples():
    config = parse(Training, _raw(), "exp.training")
    assert type(config.optimiser.learning_rate) is float
    assert type(config.crop_fraction) is tuple
    assert all(type(v) is float for v in config.crop_fraction)
    assert type(config.image_size) is tuple
    assert all(type(v) is int for v in config.image_size)


def test_parse_variable_length_tuple_accepts_any_length_and_tuples():
    assert parse(Training, _raw(image_size=[1, 2, 3, 4]), "exp.t").image_size == (1, 2, 3, 4)
    assert parse(Training, _raw(image_size=()), "exp.t").image_size == ()
    assert parse(Training, _raw(crop_fraction=(0.2, 0.3)), "exp.t").crop_fraction == (0.2, 0.3)


def test_parse_defaults_used_and_overridable():
    config = parse(
        Training,
        _raw(patience=5, tags=["a", "b"], optimiser={"learning_rate": 0.01}),
        "exp.training",
    )
    assert config.patience == 5
    assert config.tags == ["a", "b"]
    assert config.optimiser.momentum == 0.9


def test_parse_optional_accepts_none():
    assert parse(Training, _raw(patience=None), "exp.training").patience is None


def test_parse_missing_and_unknown_keys_in_one_message():
    raw = _raw(learning_rat=0.1, zzz=1)
    del raw["epochs"]
    del raw["name"]
    with pytest.raises(ParameterError) as info:
        parse(Training, raw, "exp.training")
    message = str(info.value)
    for key in (
        "exp.training.epochs",
        "exp.training.name",
        "exp.training.learning_rat",
        "exp.training.zzz",
    ):
        assert f"'{key}'" in message
    assert "missing" in message and "unknown" in message
    assert HINT in message
    # Keys with defaults are not reported missing.
    assert "patience" not in message and "tags" not in message


def test_parse_missing_key_in_nested_section_has_dotted_path():
    with pytest.raises(ParameterError) as info:
        parse(Training, _raw(optimiser={"momentum": 0.1, "lr": 0.1}), "exp.training")
    message = str(info.value)
    assert "'exp.training.optimiser.learning_rate'" in message
    assert "'exp.training.optimiser.lr'" in message
    assert HINT in message


def test_parse_hint_uses_top_level_section():
    with pytest.raises(ParameterError, match=r"conf/base/parameters_day_night\.yml"):
        parse(Optimiser, {}, "day_night.training.optimiser")


def test_parse_non_mapping_raises():
    with pytest.raises(ParameterError, match=r"'exp\.training' must be a mapping"):
        parse(Training, [1, 2], "exp.training")
    with pytest.raises(ParameterError, match=r"'exp\.training\.optimiser' must be a mapping"):
        parse(Training, _raw(optimiser=0.1), "exp.training")


@pytest.mark.parametrize(
    "key, value",
    [
        ("epochs", "3"),
        ("epochs", 3.0),
        ("name", 5),
        ("augment", 1),
        ("augment", "yes"),
        ("crop_fraction", "0.5, 1"),
        ("image_size", 64),
        ("patience", 2.5),
        ("tags", "a"),
    ],
)
def test_parse_wrong_type_names_the_key(key, value):
    with pytest.raises(ParameterError) as info:
        parse(Training, _raw(**{key: value}), "exp.training")
    message = str(info.value)
    assert f"exp.training.{key}" in message
    assert HINT in message


def test_parse_wrong_item_type_names_the_item():
    with pytest.raises(ParameterError, match=r"exp\.training\.image_size\[1\]"):
        parse(Training, _raw(image_size=[64, "48"]), "exp.training")
    with pytest.raises(ParameterError, match=r"exp\.training\.crop_fraction\[0\]"):
        parse(Training, _raw(crop_fraction=["a", 1.0]), "exp.training")


def test_parse_fixed_tuple_wrong_length():
    with pytest.raises(ParameterError, match=r"'exp\.training\.crop_fraction' must have 2"):
        parse(Training, _raw(crop_fraction=[0.1, 0.2, 0.3]), "exp.training")


def test_parse_bool_rejected_where_int_expected():
    with pytest.raises(ParameterError, match=r"'exp\.training\.epochs' must be a number"):
        parse(Training, _raw(epochs=True), "exp.training")


def test_parse_bool_rejected_where_float_expected():
    with pytest.raises(ParameterError, match=r"exp\.training\.optimiser\.learning_rate"):
        parse(Training, _raw(optimiser={"learning_rate": False}), "exp.training")


def test_parse_bool_rejected_in_int_tuple_and_optional_int():
    with pytest.raises(ParameterError, match=r"image_size\[0\]"):
        parse(Training, _raw(image_size=[True, 3]), "exp.training")
    with pytest.raises(ParameterError, match=r"exp\.training\.patience"):
        parse(Training, _raw(patience=True), "exp.training")


def test_parse_post_init_value_error_becomes_parameter_error():
    with pytest.raises(ParameterError) as info:
        parse(Training, _raw(epochs=0), "exp.training")
    message = str(info.value)
    assert "epochs must be at least 1, got 0" in message
    assert "'exp.training'" in message
    assert HINT in message
    assert isinstance(info.value.__cause__, ValueError)


def test_parameter_error_is_a_value_error():
    assert issubclass(ParameterError, ValueError)


def test_parse_result_is_frozen():
    config = parse(Optimiser, {"learning_rate": 0.1}, "exp.opt")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.learning_rate = 1.0  # type: ignore[misc]
