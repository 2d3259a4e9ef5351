"""Unit tests of the localization nodes: scenes, split, parameters, metrics, training."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from dl_pipelines.pipelines.localization import nodes
from dl_pipelines.pipelines.localization.evaluation import localization_scores
from dl_pipelines.pipelines.localization.params import (
    EvaluationParams,
    ModelParams,
    TrainingParams,
)
from dl_pipelines.pipelines.localization.pipeline import create_pipeline
from dl_pipelines.runtime.config import ParameterError, parse
from dl_pipelines.vision.scene_augment import SceneFitParams
from dl_pipelines.vision.scenes import SceneDataParams
from tests.vision.scene_helpers import (
    CLASSES,
    PHOTOS,
    assert_checked_before_the_run,
    base_params,
    data_params,
    scene_splits,
    tiny_training,
)

BASE = base_params("localization")
DATA = data_params(objects=[1, 1], empty_share=0.25)
MODEL = {"filters": [4, 8], "dense_units": 8, "dropout": 0.1}
TRAINING = tiny_training(box_weight=20.0, landmark_weight=20.0)
EVALUATION = {"p_c_threshold": 0.5, "sample_grid_size": 4}


@pytest.fixture(scope="module")
def splits():
    return scene_splits(nodes, DATA)


def test_base_parameters_parse() -> None:
    parse(SceneDataParams, BASE["data"], "localization.data")
    parse(ModelParams, BASE["model"], "localization.model")
    training = parse(TrainingParams, BASE["training"], "localization.training")
    assert isinstance(training, SceneFitParams) and training.augment is False
    parse(EvaluationParams, BASE["evaluation"], "localization.evaluation")


def test_scenes_are_seeded_and_split_with_one_object_at_most(splits) -> None:
    a = nodes.make_scenes(None, PHOTOS, DATA, seed=3)
    b = nodes.make_scenes(None, PHOTOS, DATA, seed=3)
    c = nodes.make_scenes(None, PHOTOS, DATA, seed=4)
    np.testing.assert_array_equal(a["images"], b["images"])
    np.testing.assert_array_equal(a["boxes"], b["boxes"])
    assert not np.array_equal(a["images"], c["images"])
    assert a["images"].shape == (30, 32, 32, 3) and a["keypoints"].shape[1:] == (4, 2)
    assert np.bincount(a["box_image"]).max() == 1 and len(a["boxes"]) < 30  # some are empty
    train, val, test, report = splits
    assert [len(part["images"]) for part in (train, val, test)] == [18, 6, 6]
    assert report["train"]["images"] == 18 and report["test"]["boxes"] == len(test["boxes"])


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("data", {"count": 3}, r"'localization\.data'.*count must be >= 10"),
        ("model", {"dropout": 1.0}, r"'localization\.model'.*dropout must be in \[0, 1\)"),
        ("training", {"epochs": 0}, r"'localization\.training'.*epochs must be >= 1"),
        ("training", {"box_weight": -1.0}, r"'localization\.training'.*box_weight"),
        ("training", {"max_shift_px": -2}, r"'localization\.training'.*max_shift_px"),
        ("training", {"learning_rat": 0.1}, r"unknown 'localization\.training\.learning_rat'"),
        ("evaluation", {"p_c_threshold": 1.5}, r"'localization\.evaluation'.*p_c_threshold"),
    ],
)
def test_bad_parameters_are_rejected_naming_the_key(splits, section, change, message) -> None:
    train, val, test, _ = splits
    sections = {"data": DATA, "model": MODEL, "training": TRAINING, "evaluation": EVALUATION}
    bad = {**sections[section], **change}
    with pytest.raises(ParameterError, match=message):
        if section == "data":
            nodes.make_scenes(None, PHOTOS, bad, 0)
        elif section == "evaluation":
            nodes.evaluate_localizer(None, test, CLASSES, bad)
        else:
            params = {**sections, section: bad}
            nodes.train_localizer(train, val, CLASSES, params["model"], params["training"], 0)
    assert_checked_before_the_run(create_pipeline, "localization", section, change, message)


def test_scores_of_hand_made_predictions() -> None:
    test = {
        "box_image": np.array([0, 2]),
        "boxes": np.array([[0.0, 0.0, 10.0, 10.0], [10.0, 10.0, 20.0, 20.0]]),
        "box_classes": np.array([1, 3]),
        "keypoints": np.zeros((2, 4, 2)),
    }
    landmarks = np.zeros((3, 4, 2))
    landmarks[0] += [3.0, 4.0]  # 5 px off on image 0, exact on image 2
    predictions = {
        "p_c": np.array([0.9, 0.2, 0.4]),
        "boxes": np.array([[0.0, 0.0, 10.0, 5.0], [0.0, 0.0, 1.0, 1.0], [10.0, 10.0, 20.0, 20.0]]),
        "classes": np.array([1, 0, 2]),
        "landmarks": landmarks,
    }
    scores = localization_scores(test, predictions, p_c_threshold=0.5)
    assert scores == pytest.approx(
        {
            "loc_mean_iou": (0.5 + 1.0) / 2,
            "loc_class_accuracy": 0.5,
            "landmark_mean_error_px": 2.5,
            "loc_pc_accuracy": 2 / 3,  # image 2 holds an object, p_c 0.4 says none
            "loc_iou_above_05": 0.5,
        }
    )
    empty = {**test, "box_image": np.zeros(0, int), "boxes": np.zeros((0, 4))}
    empty.update(box_classes=np.zeros(0, int), keypoints=np.zeros((0, 4, 2)))
    nothing = localization_scores(empty, predictions, p_c_threshold=0.5)
    assert np.isnan(nothing["loc_mean_iou"]) and nothing["loc_pc_accuracy"] == pytest.approx(2 / 3)


def test_training_and_evaluation_nodes_on_tiny_data(splits) -> None:
    train, val, test, _ = splits
    model, history = nodes.train_localizer(train, val, CLASSES, MODEL, TRAINING, seed=1)
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 2
    assert model.output_shape == (None, 1 + 4 + 4 + 8)
    assert model.get_layer("block1_bn").momentum == 0.9
    metrics, report, predictions = nodes.evaluate_localizer(model, test, CLASSES, EVALUATION)
    assert set(metrics) == {
        "loc_mean_iou",
        "loc_class_accuracy",
        "landmark_mean_error_px",
        "loc_pc_accuracy",
        "loc_iou_above_05",
    }
    assert report["n_test"] == 6 and predictions["boxes"].shape == (6, 4)
    figures = [
        nodes.plot_examples(train, CLASSES, count=4),
        nodes.plot_training(history),
        nodes.plot_predictions(test, predictions, CLASSES, EVALUATION),
    ]
    assert all(isinstance(figure, Figure) for figure in figures)
    for figure in figures:
        plt.close(figure)
