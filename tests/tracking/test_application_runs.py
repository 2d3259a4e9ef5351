"""One MLflow run per application: a ``kedro run`` of two applications gives a parent run
with a child per application, each holding only its own parameters and metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dl_pipelines.tracking.application_runs import (
    APPLICATION_TAG,
    _parent_name,
    _summary_table,
    application_of_nodes,
)
from tests.conftest import KedroProject, make_project_copy

APPS = ("day_night", "segmentation")


class _Node:
    def __init__(self, name: str) -> None:
        self.name = name


class _Pipeline:
    def __init__(self, *names: str) -> None:
        self.nodes = [_Node(n) for n in names]


def test_nodes_belong_to_their_registered_pipeline_not_to_default():
    owners = application_of_nodes(
        {
            "__default__": _Pipeline("a1", "a2", "b1"),
            "b": _Pipeline("b1"),
            "a": _Pipeline("a1", "a2"),
        }
    )
    assert owners == {"a1": "a", "a2": "a", "b1": "b"}


def test_the_parent_is_named_after_its_applications():
    assert _parent_name(["a", "b"]) == "2 applications: a, b"
    assert _parent_name(list("abcde")) == "5 applications: a, b, c +2"


def test_the_summary_table_leaves_missing_values_blank():
    table = _summary_table(
        [
            {
                "application": "a",
                "status": "FINISHED",
                "run_id": "r1",
                "headline_metric": "acc",
                "value": 0.91234,
                "seconds": 12.3,
            },
            {
                "application": "b",
                "status": "KILLED",
                "run_id": None,
                "headline_metric": None,
                "value": None,
                "seconds": None,
            },
        ]
    )
    assert "| a | FINISHED | acc | 0.9123 | 12 | r1 |" in table
    assert "| b | KILLED |  |  |  |  |" in table


def _family(project: KedroProject):
    """The newest parent run and its children by application."""
    client = project.client()
    experiment = client.get_experiment_by_name("dl_pipelines")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"])
    parent = next(r for r in runs if "dl_pipelines.applications" in r.data.tags)
    children = {
        r.data.tags[APPLICATION_TAG]: r
        for r in runs
        if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id
    }
    return client, parent, children


def _summary(client, parent) -> dict:
    path = client.download_artifacts(parent.info.run_id, "summary.json")
    return {row["application"]: row for row in json.loads(Path(path).read_text())["applications"]}


@pytest.mark.e2e
def test_two_applications_log_to_two_child_runs(tmp_path: Path):
    project = make_project_copy(tmp_path / "project")
    project.run("--pipelines", ",".join(APPS))
    client, parent, children = _family(project)

    assert parent.info.status == "FINISHED"
    assert parent.info.run_name == "2 applications: day_night, segmentation"
    assert set(children) == set(APPS)
    assert not parent.data.params  # each application's parameters are in its own run
    day, seg = children["day_night"], children["segmentation"]
    for child in (day, seg):
        assert child.info.status == "FINISHED"
        assert child.data.tags["git_commit"] == parent.data.tags["git_commit"]
        assert child.data.tags["seed"] == parent.data.tags["seed"]
        assert " object at " not in child.data.tags["runner"]
    assert "test_accuracy" in day.data.metrics and "seg_miou" in seg.data.metrics
    assert not set(day.data.metrics) & {"seg_miou", "seg_pixel_accuracy"}
    assert not set(seg.data.metrics) & {"test_accuracy", "heldout_accuracy"}
    assert any(k.startswith("day_night.") for k in day.data.params)
    assert not any(k.startswith("segmentation.") for k in day.data.params)
    # each training curve has one point per epoch, not the two models' points together
    for child in (day, seg):
        history = client.get_metric_history(child.info.run_id, "train_loss")
        assert len(history) == len({m.step for m in history}) > 0

    source = json.loads((project.path / "data/06_models/day_night/model.source.json").read_text())
    assert source["mlflow_run_id"] == day.info.run_id  # what trained the promoted model

    summary = _summary(client, parent)
    # each application's seconds are its own nodes': together no more than the whole run
    wall = (parent.info.end_time - parent.info.start_time) / 1000
    assert all(summary[app]["seconds"] > 0 for app in APPS)
    assert sum(summary[app]["seconds"] for app in APPS) <= wall
    assert summary["day_night"]["status"] == "FINISHED"
    assert summary["day_night"]["run_id"] == day.info.run_id
    assert summary["segmentation"]["headline_metric"] == "seg_miou"
    assert parent.data.metrics["segmentation.seg_miou"] == seg.data.metrics["seg_miou"]


@pytest.mark.e2e
def test_a_failing_application_fails_its_run_and_the_parent_only(tmp_path: Path):
    """day_night's registry gate refuses its model, the last step of day_night.
    day_night_predict, which scores with the version that gate registers, never starts
    (no run; NOT RUN in the summary); segmentation has nodes left, which never run (its
    run is cut short: KILLED, with what it logged so far)."""
    project = make_project_copy(tmp_path / "project")
    result = project.run(
        "--pipelines",
        "day_night,day_night_predict,segmentation",
        "--params",
        "day_night.registry.min_test_accuracy=1.0",
        check=False,
    )
    assert result.returncode != 0
    assert "is below day_night.registry.min_test_accuracy" in result.stderr
    client, parent, children = _family(project)
    assert parent.info.status == "FAILED"
    statuses = {app: run.info.status for app, run in children.items()}
    assert statuses == {"day_night": "FAILED", "segmentation": "KILLED"}
    assert "test_accuracy" in children["day_night"].data.metrics  # logged before the gate
    assert "train_loss" in children["segmentation"].data.metrics
    summary = _summary(client, parent)
    assert {app: row["status"] for app, row in summary.items()} == {
        **statuses,
        "day_night_predict": "NOT RUN",
    }
    # the model the gate refused stays aside, and is neither registered nor scored with
    models = project.path / "data/06_models"
    assert not (models / "day_night/model.keras").exists()
    assert (models / "day_night/model.candidate.keras").is_file()
    assert not client.search_registered_models()
    assert not (project.path / "data/07_model_output/day_night/predictions.csv").exists()
