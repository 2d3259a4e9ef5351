"""The scene set of a run: default scenes or real records, the split, the re-exports."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.vision import scenes

PARAMS = scenes.SceneParams(image_size=(48, 64), objects=(1, 3), object_size=(0.3, 0.6))


def _data(**changes) -> scenes.SceneDataParams:
    fields = {
        "classes": scenes.CLASSES,
        "count": 10,
        "scenes": scenes.SceneParams(image_size=(32, 32), objects=(1, 2), object_size=(0.3, 0.6)),
        "split": {"train": 0.6, "val": 0.2, "test": 0.2},
        **changes,
    }
    return scenes.SceneDataParams(**fields)


def test_every_name_callers_import_is_exported() -> None:
    for name in scenes.__all__:
        assert getattr(scenes, name) is not None
    assert scenes.make_scenes.__module__ == "dl_pipelines.vision.scene_drawing"


def test_scene_set_draws_the_default_scenes_or_packs_the_records(photos) -> None:
    drawn = scenes.scene_set(None, photos, _data(), seed=1, stream="unit")
    again = scenes.scene_set([], photos, _data(), seed=1, stream="unit")
    assert drawn["images"].shape == (10, 32, 32, 3)
    np.testing.assert_array_equal(drawn["images"], again["images"])
    assert drawn["names"][0] == "unit-00000"
    record = {
        "name": "a.png",
        "image": np.zeros((64, 64, 3), dtype=np.uint8),
        "boxes": np.array([[0.0, 0.0, 32.0, 16.0]]),
        "labels": ["cross"],
    }
    packed = scenes.scene_set([record], photos, _data(), seed=1, stream="unit")
    assert packed["names"].tolist() == ["a.png"]
    np.testing.assert_allclose(packed["boxes"], [[0.0, 0.0, 16.0, 8.0]])
    with pytest.raises(ValueError, match="default scenes draw the classes"):
        scenes.scene_set(None, photos, _data(classes=("cat", "dog")), seed=1, stream="unit")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": 5}, "count must be >= 10"),
        ({"split": {"train": 0.8, "test": 0.2}}, "split must give"),
        ({"classes": ("a", "a")}, "distinct"),
    ],
)
def test_bad_data_parameters(changes, message) -> None:
    with pytest.raises(ValueError, match=message):
        _data(**changes)


def test_split_keeps_boxes_with_their_images(photos) -> None:
    data = scenes.make_scenes(photos, PARAMS, 20, seed=5)
    train, val, test, report = scenes.split_scene_set(
        data, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=0
    )
    assert (report["train"]["images"], report["val"]["images"], report["test"]["images"]) == (
        12,
        4,
        4,
    )
    assert sorted(np.concatenate([train["names"], val["names"], test["names"]])) == sorted(
        data["names"]
    )
    for part in (train, val, test):
        for i, name in enumerate(part["names"]):
            original = int(np.flatnonzero(data["names"] == name)[0])
            np.testing.assert_array_equal(
                scenes.boxes_of(part, i)[0], scenes.boxes_of(data, original)[0]
            )


def test_too_few_images_to_split(photos) -> None:
    data = scenes.make_scenes(photos, PARAMS, 2, seed=5)
    with pytest.raises(ValueError, match="2 images are too few"):
        scenes.split_scene_set(data, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=0)
