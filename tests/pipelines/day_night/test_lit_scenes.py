"""The lit-night and shaded-day renderers (training data that darkness alone can't sort)."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest
import yaml

from dl_pipelines.pipelines.day_night import data, lit_scenes, nodes, rendering
from dl_pipelines.pipelines.day_night.lit_scenes import (
    LitNightModel,
    ShadedDayModel,
    add_shade,
    render_lit_night,
    skyline,
)
from dl_pipelines.runtime.config import ParameterError, parse
from dl_pipelines.vision.images import srgb_to_linear
from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_day_night.yml").read_text())
DEFAULT = BASE["day_night"]["data"]["default_data"]
SIZE = (64, 64)


def lit_model(**changes) -> LitNightModel:
    return parse(
        LitNightModel, {**DEFAULT["lit_night"], **changes}, "day_night.data.default_data.lit_night"
    )


def shade_model(**changes) -> ShadedDayModel:
    return parse(
        ShadedDayModel,
        {**DEFAULT["shaded_day"], **changes},
        "day_night.data.default_data.shaded_day",
    )


@pytest.fixture(scope="module")
def crop() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(90, 230, size=(96, 96, 3), dtype=np.uint8)


def test_lit_night_shape_range_and_determinism(crop) -> None:
    model = lit_model()
    image = render_lit_night(crop, SIZE, np.random.default_rng(5), model)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    again = render_lit_night(crop, SIZE, np.random.default_rng(5), model)
    np.testing.assert_array_equal(image, again)
    other = render_lit_night(crop, SIZE, np.random.default_rng(6), model)
    assert not np.array_equal(image, other)


def test_lit_subject_is_bright_under_a_darker_sky(crop) -> None:
    # No lamps, water or glow: the top rows are always sky (the skyline lies between
    # 5 % and 90 % of the height), the bottom rows always the floodlit subject.
    model = lit_model(lamps=[0, 0], water_share=0.0, horizon_glow=[0.0, 0.0])
    for seed in range(8):
        image = render_lit_night(crop, SIZE, np.random.default_rng(seed), model)
        light = srgb_to_linear(image).mean(axis=-1)
        sky, subject = light[:3].mean(), light[-6:].mean()
        assert sky < 0.03, seed
        assert subject > 4 * sky + 0.05, seed


def test_skyline_stays_inside_the_image() -> None:
    for seed in range(20):
        edge = skyline(64, 48, np.random.default_rng(seed), (0.2, 0.6))
        assert edge.shape == (64,)
        assert (edge >= 1).all() and (edge <= 0.9 * 48).all()


def test_shaded_day_darkens_part_and_keeps_the_rest(crop) -> None:
    day = np.full((64, 64, 3), 180, np.uint8)
    for seed in range(6):
        shaded = add_shade(day, np.random.default_rng(seed), shade_model())
        assert shaded.shape == day.shape and shaded.dtype == np.uint8
        loss = srgb_to_linear(day).mean(-1) / np.maximum(srgb_to_linear(shaded).mean(-1), 1e-6)
        assert (loss > 1.9).mean() > 0.02, seed  # some region lost ≥ ~1 stop
        assert (loss < 1.05).mean() > 0.05, seed  # some daylight is left untouched
        assert shaded.max() >= 170


def test_lit_night_parameter_errors_name_the_key() -> None:
    with pytest.raises(
        ParameterError,
        match=r"day_night.data.default_data.lit_night.*"
        r"share must be a share in \[0, 1\]",
    ):
        lit_model(share=1.5)
    with pytest.raises(ParameterError, match="sky_level must stay below subject_level"):
        lit_model(sky_level=[0.0, 0.5])
    with pytest.raises(
        ParameterError,
        match=r"missing 'day_night.data.default_data"
        r"\.shaded_day\.seed'",
    ):
        parse(
            ShadedDayModel,
            {k: v for k, v in DEFAULT["shaded_day"].items() if k != "seed"},
            "day_night.data.default_data.shaded_day",
        )
    with pytest.raises(ParameterError, match="regions must start at 1"):
        shade_model(regions=[0, 2])


@pytest.fixture
def small_data(data_params) -> dict:
    data_params["default_data"].update(crops_per_photo=6, sky_scenes=0)
    return data_params


def test_switches_and_seeds_change_only_their_own_images(small_data, photos) -> None:
    on = nodes.assemble_images({}, photos, small_data, seed=0)
    names = on["names"].tolist()
    assert any("night-lit" in n for n in names) and any("day-shaded" in n for n in names)
    off_data = copy.deepcopy(small_data)
    off_data["default_data"]["lit_night"]["enabled"] = False
    off = nodes.assemble_images({}, photos, off_data, seed=0)
    assert not any("night-lit" in n for n in off["names"].tolist())
    # the day images (and the shading of some) are the same with lit_night on or off
    day = on["labels"] == 0
    np.testing.assert_array_equal(on["images"][day], off["images"][day])
    assert on["names"][day].tolist() == off["names"][day].tolist()

    reseeded = copy.deepcopy(small_data)
    reseeded["default_data"]["shaded_day"]["seed"] = 1
    other = nodes.assemble_images({}, photos, reseeded, seed=0)
    night = on["labels"] == 1
    np.testing.assert_array_equal(on["images"][night], other["images"][night])
    assert not np.array_equal(on["images"][day], other["images"][day])


def test_held_out_photos_are_left_out_of_training(small_data, photos) -> None:
    out = nodes.assemble_images({}, photos, small_data, seed=0, held_out={"photo1": "day"})
    assert set(out["groups"].tolist()) == {"photo0", "photo2"}


def test_training_renderers_do_not_use_the_heldout_generator() -> None:
    for module in (lit_scenes, rendering, data, nodes):
        assert "heldout_scenes" not in inspect.getsource(module), module.__name__
