"""The held-out set: its independent scene generator, its construction and its scoring."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from matplotlib.figure import Figure

from dl_pipelines.pipelines.day_night import heldout_scenes, nodes
from dl_pipelines.runtime.config import ParameterError
from dl_pipelines.vision.images import srgb_to_linear
from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_day_night.yml").read_text())
CLASSES = ["day", "night"]


@pytest.fixture
def params() -> dict:
    params = copy.deepcopy(BASE["day_night"]["heldout"])
    params.update(scenes_per_kind=2, photo_crops=3, supersample=1, grid_size=6)
    return params


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "rocket": rng.integers(100, 256, (80, 120, 3), dtype=np.uint8),
        "hubble_deep_field": rng.integers(0, 40, (90, 90, 3), dtype=np.uint8),
    }


class FixedModel:
    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype=np.float32)

    def predict(self, x, batch_size=None, verbose=0):
        return self.probabilities[: len(x), None]


@pytest.mark.parametrize("kind", sorted(heldout_scenes.SCENE_KINDS))
def test_each_scene_kind_is_darker_by_night(kind) -> None:
    for seed in range(3):
        day, night = heldout_scenes.draw_scene(kind, (32, 32), np.random.default_rng(seed), 1)
        assert day.shape == night.shape == (32, 32, 3) and day.dtype == np.uint8
        # the same geometry, darker by night on the whole (lamps and floodlights aside)
        assert np.median(srgb_to_linear(night)) < np.median(srgb_to_linear(day)), seed


def test_floodlit_monument_is_bright_under_a_dark_sky() -> None:
    _, night = heldout_scenes.draw_scene("monument", (64, 64), np.random.default_rng(3), 2)
    light = srgb_to_linear(night).mean(axis=-1)
    assert light[:6].mean() < 0.02  # sky above the building
    assert np.percentile(light, 90) > 0.3  # the floodlit façade


def test_unknown_scene_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="'castle'"):
        heldout_scenes.draw_scene("castle", (16, 16), np.random.default_rng(0), 1)


def test_heldout_set_groups_labels_and_determinism(params, photos) -> None:
    out = nodes.make_heldout_set(photos, params, [32, 32], CLASSES)
    kinds = len(params["kinds"])
    n = kinds * 2 * 2 + 2 * 3
    assert out["images"].shape == (n, 32, 32, 3) and out["images"].dtype == np.uint8
    assert np.bincount(out["labels"]).tolist() == [kinds * 2 + 3, kinds * 2 + 3]
    assert set(out["groups"].tolist()) == {f"{k}_{c}" for k in params["kinds"] for c in CLASSES} | {
        "rocket_day",
        "hubble_deep_field_night",
    }
    assert len(set(out["names"].tolist())) == n
    again = nodes.make_heldout_set(photos, params, [32, 32], CLASSES)
    np.testing.assert_array_equal(out["images"], again["images"])
    other = nodes.make_heldout_set(
        photos, {**params, "seed": params["seed"] + 1}, [32, 32], CLASSES
    )
    assert not np.array_equal(out["images"], other["images"])


def test_heldout_photo_must_exist_and_have_a_class(params, photos) -> None:
    with pytest.raises(ValueError, match="'moon'.*day_night_heldout_photos"):
        nodes.make_heldout_set(photos, {**params, "photos": {"moon": "night"}}, [32, 32], CLASSES)
    with pytest.raises(ValueError, match="'dusk' is not one of the classes"):
        nodes.make_heldout_set(photos, {**params, "photos": {"rocket": "dusk"}}, [32, 32], CLASSES)


def test_heldout_parameter_errors(params, photos) -> None:
    with pytest.raises(ParameterError, match=r"day_night.heldout.*not scene kinds"):
        nodes.make_heldout_set(photos, {**params, "kinds": ["castle"]}, [32, 32], CLASSES)
    with pytest.raises(ParameterError, match=r"unknown 'day_night.heldout.epochs'"):
        nodes.make_heldout_set(photos, {**params, "epochs": 3}, [32, 32], CLASSES)


def test_heldout_scores_per_group_and_names_the_mistakes(params) -> None:
    data = {
        "images": np.zeros((6, 8, 8, 3), np.uint8),
        "labels": np.array([0, 1, 0, 1, 0, 0]),
        "groups": np.array(
            ["bridge_day", "bridge_night", "bridge_day", "bridge_night", "rocket_day", "rocket_day"]
        ),
        "names": np.array([f"im{i}" for i in range(6)]),
    }
    # predicted: 0, 1, 1 (wrong), 0 (wrong), 0, 0
    metrics, table, report = nodes.evaluate_heldout(
        FixedModel([0.1, 0.9, 0.6, 0.2, 0.3, 0.4]), data, 0.5, CLASSES
    )
    values = {k: v["value"] for k, v in metrics.items()}
    assert values["heldout_accuracy"] == pytest.approx(4 / 6)
    assert values["heldout_accuracy_bridge_day"] == 0.5
    assert values["heldout_accuracy_bridge_night"] == 0.5
    assert values["heldout_accuracy_rocket_day"] == 1.0
    assert values["heldout_accuracy_day"] == pytest.approx(3 / 4)
    assert values["heldout_accuracy_night"] == pytest.approx(1 / 2)
    assert table.columns.tolist() == ["name", "group", "label", "p_night", "predicted", "correct"]
    assert [m["name"] for m in report["misclassified"]] == ["im2", "im3"]
    assert report["n_heldout"] == 6

    figure = nodes.plot_heldout(data, table, params)
    assert isinstance(figure, Figure)
    captions = [(ax.get_title(), ax.title.get_color()) for ax in figure.axes if ax.get_title()]
    # the two mistakes first, in red; then right answers of each group, in green
    assert captions[:2] == [
        ("bridge_day\np=0.60", "tab:red"),
        ("bridge_night\np=0.20", "tab:red"),
    ]
    assert {colour for _, colour in captions[2:]} == {"tab:green"}
    assert {c.split("\n")[0] for c, _ in captions[2:]} == {
        "bridge_day",
        "bridge_night",
        "rocket_day",
    }
