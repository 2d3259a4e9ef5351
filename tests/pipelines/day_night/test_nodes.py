"""Unit tests of the day_night nodes (no Kedro run, no MLflow)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml

from dl_pipelines.pipelines.day_night import inference, nodes
from dl_pipelines.runtime.config import ParameterError
from dl_pipelines.vision.images import srgb_to_linear
from tests.conftest import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_day_night.yml").read_text())
CLASSES = ["day", "night"]


class FixedModel:
    """Stands in for a Keras model: returns given probabilities in order."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype=np.float32)

    def predict(self, x, batch_size=None, verbose=0):
        assert x.dtype == np.float32
        return self.probabilities[: len(x), None]


# ---------------------------------------------------------------------------------- data
def test_class_folders_are_resized_and_labelled(data_params, photos) -> None:
    raw = {
        "day/a.jpg": np.zeros((30, 50, 3), np.uint8),
        "night/b.png": np.full((200, 100, 3), 255, np.uint8),
    }
    out = nodes.assemble_images(raw, photos, data_params, seed=1)
    assert out["images"].shape == (2, 64, 64, 3) and out["images"].dtype == np.uint8
    assert out["labels"].tolist() == [0, 1]
    assert out["names"].tolist() == ["day/a.jpg", "night/b.png"]
    assert out["groups"].tolist() == out["names"].tolist()


def test_image_in_an_unknown_class_folder_is_rejected(data_params, photos) -> None:
    with pytest.raises(ValueError, match="'dusk'"):
        nodes.assemble_images(
            {"dusk/a.jpg": np.zeros((8, 8, 3), np.uint8)}, photos, data_params, seed=1
        )


def test_default_set_from_photos_and_scenes(data_params, photos) -> None:
    out = nodes.assemble_images({}, photos, data_params, seed=3)
    n = 3 * 2 * 4 + 2 * 6
    assert out["images"].shape == (n, 64, 64, 3) and out["images"].dtype == np.uint8
    assert np.bincount(out["labels"]).tolist() == [n // 2, n // 2]
    assert set(out["groups"].tolist()) == {"photo0", "photo1", "photo2"} | {
        f"sky-{i:04d}" for i in range(6)
    }
    again = nodes.assemble_images({}, photos, data_params, seed=3)
    np.testing.assert_array_equal(out["images"], again["images"])
    other = nodes.assemble_images({}, photos, data_params, seed=4)
    assert not np.array_equal(out["images"], other["images"])


def test_camera_model_nights_are_much_darker_than_day(data_params, photos) -> None:
    out = nodes.assemble_images({}, photos, data_params, seed=0)
    light = srgb_to_linear(out["images"]).mean(axis=(1, 2, 3))
    camera_night = np.array([re.search(r"/night-\d", n) is not None for n in out["names"].tolist()])
    assert camera_night.any()
    day, night = light[out["labels"] == 0], light[camera_night]
    assert np.median(night) < np.median(day) / 4


def test_missing_parameter_is_named(data_params, photos) -> None:
    del data_params["image_size"]
    with pytest.raises(
        ParameterError,
        match=r"missing 'day_night.data.image_size'.*"
        r"parameters_day_night.yml",
    ):
        nodes.assemble_images({}, photos, data_params, seed=0)


def test_split_keeps_every_photo_in_one_split(data_params, photos) -> None:
    images = nodes.assemble_images({}, photos, data_params, seed=0)
    train, val, test, report = nodes.split_images(images, BASE["day_night"]["split"], 0, CLASSES)
    sources = [set(part["groups"].tolist()) for part in (train, val, test)]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert sum(r["images"] for r in report.values()) == len(images["labels"])
    for part, name in ((train, "train"), (val, "val"), (test, "test")):
        assert report[name]["n_day"] == int((part["labels"] == 0).sum()) > 0
        assert report[name]["n_night"] == int((part["labels"] == 1).sum()) > 0


def test_split_requires_train_val_test(data_params, photos) -> None:
    images = nodes.assemble_images({}, photos, data_params, seed=0)
    with pytest.raises(ValueError, match="train, val and test"):
        nodes.split_images(images, {"train": 0.9, "test": 0.1}, 0, CLASSES)


def _captions(figure) -> list[tuple[str, str]]:
    """(caption, colour) of every captioned panel of an image grid, in order."""
    return [(ax.get_title(), ax.title.get_color()) for ax in figure.axes if ax.get_title()]


def test_examples_show_one_row_of_each_class() -> None:
    train = {
        "images": np.zeros((13, 8, 8, 3), np.uint8),
        "labels": np.array([0] * 10 + [1] * 3),
    }
    figure = nodes.plot_examples(train, CLASSES, seed=0, per_class=4)
    # 4 day images, then all 3 night images, on a 2 × 4 grid (one panel left empty)
    assert len(figure.axes) == 8
    assert [caption for caption, _ in _captions(figure)] == ["day"] * 4 + ["night"] * 3


def test_training_curves_have_one_panel_per_metric() -> None:
    history = {
        "loss": [0.7, 0.5, 0.4],
        "val_loss": [0.8, 0.6, 0.5],
        "accuracy": [0.5, 0.7, 0.8],
        "val_accuracy": [0.4, 0.6, 0.7],
    }
    figure = nodes.plot_training(history)
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "accuracy"]
    loss = figure.axes[0].get_lines()
    assert [line.get_label() for line in loss] == ["train", "validation"]
    assert loss[1].get_ydata().tolist() == history["val_loss"]
    with pytest.raises(ValueError, match="no training metric"):
        nodes.plot_training({"val_loss": [0.5]})


# ----------------------------------------------------------------------------- training
def test_model_learns_day_from_night_on_small_data() -> None:
    rng = np.random.default_rng(0)

    def images(n: int, label: int) -> np.ndarray:
        level = 40 if label else 170
        return np.clip(rng.normal(level, 35, (n, 16, 16, 3)), 0, 255).astype(np.uint8)

    def split(n: int) -> dict:
        x = np.concatenate([images(n, 0), images(n, 1)])
        return {"images": x, "labels": np.repeat([0, 1], n)}

    model_params = {"filters": [8, 8], "kernel_size": 3, "dense_units": 8, "dropout": 0.0}
    training = {
        "epochs": 10,
        "batch_size": 16,
        "learning_rate": 0.01,
        "early_stopping_patience": 10,
        "horizontal_flip": True,
        "prefetch_batches": 2,
    }
    model, history = nodes.train_model(split(64), split(32), model_params, training, seed=0)
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.9
    assert model.output_shape == (None, 1)


def test_average_max_pooling_feeds_the_mean_and_the_max_of_each_channel() -> None:
    """``pooling: average_max`` doubles the features the dense layer sees; a lone bright
    spot moves the max feature far more than the mean one."""
    import keras

    from dl_pipelines.pipelines.day_night.model import build_day_night_cnn

    both = build_day_night_cnn((16, 16, 3), [4], 3, 8, 0.0, 0.01, pooling="average_max")
    mean_only = build_day_night_cnn((16, 16, 3), [4], 3, 8, 0.0, 0.01)
    assert both.get_layer("dense").kernel.shape == (8, 8)
    assert mean_only.get_layer("dense").kernel.shape == (4, 8)
    pooled = keras.Model(both.input, both.get_layer("gap_gmp").output)
    dark = np.zeros((1, 16, 16, 3), dtype=np.float32)
    spot = dark.copy()
    spot[0, 7:9, 7:9] = 255.0
    change = np.abs(pooled.predict(spot, verbose=0) - pooled.predict(dark, verbose=0))[0]
    assert change[4:].max() > 4 * change[:4].max() > 0


def test_an_unknown_pooling_is_rejected() -> None:
    from dl_pipelines.pipelines.day_night.model import build_day_night_cnn

    with pytest.raises(ValueError, match="pooling must be one of"):
        build_day_night_cnn((16, 16, 3), [4], 3, 8, 0.0, 0.01, pooling="median")


# --------------------------------------------------------------------------- evaluation
def test_evaluation_metrics_match_hand_computed_values() -> None:
    test = {
        "images": np.zeros((4, 8, 8, 3), np.uint8),
        "labels": np.array([0, 0, 1, 1]),
        "names": np.array(["a", "b", "c", "d"]),
    }
    model = FixedModel([0.1, 0.6, 0.7, 0.4])
    metrics, report, predictions = nodes.evaluate_model(
        model, test, {"threshold": 0.5, "sample_grid_size": 4}, CLASSES
    )
    values = {k: v["value"] for k, v in metrics.items()}
    # predicted [0, 1, 1, 0]: one TP (c), one FP (b), one FN (d), one TN (a)
    assert values["test_accuracy"] == 0.5
    assert values["test_precision"] == 0.5
    assert values["test_recall"] == 0.5
    assert values["test_f1"] == 0.5
    # pairs (night, day) ranked right: (0.7>0.1), (0.7>0.6), (0.4>0.1) → 3 of 4
    assert values["test_roc_auc"] == 0.75
    assert report["confusion_matrix"]["rows_true_columns_predicted"] == [[1, 1], [1, 1]]
    assert report["misclassified"] == ["b", "d"]
    assert predictions["predicted"].tolist() == [0, 1, 1, 0]

    confusion, roc, grid = nodes.plot_evaluation(
        test, predictions, report, {"threshold": 0.5, "sample_grid_size": 4}, seed=0
    )
    assert confusion.axes[0].get_title() == "day_night test set"
    assert roc.axes[0].get_title() == "day_night test ROC"
    # the two mistakes first (red), then the two right answers in random order (green)
    captions = _captions(grid)
    assert captions[:2] == [("night p=0.60", "tab:red"), ("day p=0.40", "tab:red")]
    assert sorted(captions[2:]) == [("day p=0.10", "tab:green"), ("night p=0.70", "tab:green")]


def test_evaluation_threshold_is_checked() -> None:
    with pytest.raises(ParameterError, match=r"threshold must be in \(0, 1\)"):
        nodes.evaluate_model(
            FixedModel([0.5]), {}, {"threshold": 1.0, "sample_grid_size": 4}, CLASSES
        )


def test_registry_gate() -> None:
    report = {"metrics": {"test_accuracy": 0.8}}
    model = object()
    assert nodes.gate_for_registry(model, report, 0.8) is model
    with pytest.raises(ValueError, match="not registered"):
        nodes.gate_for_registry(model, report, 0.81)


# --------------------------------------------------------------------------- prediction
def test_predict_folder_writes_file_probability_and_label() -> None:
    images = {"x.png": np.zeros((10, 20, 3), np.uint8), "y.jpg": np.zeros((64, 64, 3), np.uint8)}
    table = nodes.predict_folder(
        FixedModel([0.2, 0.5]), images, [64, 64], {"threshold": 0.5, "sample_grid_size": 4}, CLASSES
    )
    assert table.columns.tolist() == ["file", "p_night", "label"]
    assert table.to_dict("records") == [
        {"file": "x.png", "p_night": pytest.approx(0.2), "label": "day"},
        {"file": "y.jpg", "p_night": pytest.approx(0.5), "label": "night"},
    ]


def test_predict_folder_rejects_an_empty_folder() -> None:
    with pytest.raises(ValueError, match="input_dir"):
        nodes.predict_folder(
            FixedModel([]), {}, [64, 64], {"threshold": 0.5, "sample_grid_size": 4}, CLASSES
        )


def test_probabilities_of_no_image_are_an_empty_vector() -> None:
    class Unused:
        def predict(self, *args, **kwargs):
            raise AssertionError("predict must not be called for no image")

    p = inference.predict_probabilities(Unused(), np.zeros((0, 8, 8, 3), np.uint8))
    assert p.shape == (0,) and p.dtype == np.float32
    p = inference.predict_probabilities(FixedModel([0.25, 0.75]), np.zeros((2, 8, 8, 3), np.uint8))
    assert p.tolist() == [0.25, 0.75]
