"""End to end: day_night_predict scores with a version of the registered ``day_night``
model — the ``champion`` by default, another with ``--params model_version`` — and says
which in its run's tags; a wrong version or an empty registry is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import KedroProject, make_project_copy
from tests.registry_checks import (
    assert_unknown_version_fails_cleanly,
    scored_with,
    trained_with_prediction,
)

pytestmark = pytest.mark.e2e

PREDICTIONS = "data/07_model_output/day_night/predictions.csv"
TAG = "input.day_night_registered_model"


def _predict_run(project: KedroProject):
    return project.runs("day_night_predict")[0]


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """One ``kedro run`` of day_night and day_night_predict together (version 1)."""
    destination = tmp_path_factory.mktemp("registered") / "project"
    return trained_with_prediction(destination, "day_night", "day_night_predict")


def test_one_run_of_both_scores_with_the_version_its_gate_registered(
    registered: KedroProject,
) -> None:
    (trained,) = registered.runs("day_night")
    predict = _predict_run(registered)
    assert predict.info.status == "FINISHED"
    assert predict.data.tags[TAG] == "day_night v1 (champion)"
    assert predict.data.tags[f"{TAG}.source_run_id"] == trained.info.run_id
    images = predict.data.tags["input.day_night_predict_images"]
    assert images.endswith("data/01_raw/day_night/predict")  # which model scored which folder
    assert (registered.path / PREDICTIONS).is_file()


def test_the_champion_by_default_and_an_older_version_on_request(
    registered: KedroProject,
) -> None:
    registered.run("--pipelines", "day_night", "--params", "seed=7")  # version 2: champion
    second, first = registered.runs("day_night")

    registered.run("--pipelines", "day_night_predict")
    assert scored_with(registered, "day_night_predict", "day_night") == (
        "day_night v2 (champion)",
        second.info.run_id,
    )
    registered.run("--pipelines", "day_night_predict", "--params", "model_version=1")
    assert scored_with(registered, "day_night_predict", "day_night") == (
        "day_night v1",
        first.info.run_id,
    )

    registered.run(
        "--pipelines", "day_night_predict", "--params", "model_version=champion-previous"
    )
    assert _predict_run(registered).data.tags[TAG] == "day_night v1 (champion-previous)"


def test_a_wrong_version_names_the_versions_and_aliases(registered: KedroProject) -> None:
    assert_unknown_version_fails_cleanly(registered, "day_night_predict", "day_night", PREDICTIONS)


def test_before_any_training_the_error_names_the_pipeline_to_run(tmp_path: Path) -> None:
    fresh = make_project_copy(tmp_path / "fresh")
    result = fresh.run("--pipelines", "day_night_predict", check=False)
    fresh.assert_failed_cleanly(
        result,
        "day_night_predict",
        "No registered model named 'day_night'",
        "run `kedro run --pipelines day_night` first",
    )
    assert fresh.outputs() == []
