"""image_classification's MLflow run logs the parameters of what ran: the zoo members that
train and the data set used, not the whole zoo; each member's nested run logs its own."""

from __future__ import annotations

import pytest

from dl_pipelines.pipelines.image_classification import params as cfg
from dl_pipelines.tracking.application_runs import params_to_log
from tests.pipelines.image_classification.conftest import BASE, params_with

MEMBERS = ["softmax_linear", "svm_linear", "mlp_2layer"]  # conf/test


def test_the_members_that_train_and_the_data_set_used_run():
    assert cfg.entries_that_run(BASE) == {
        "zoo": BASE["per_dataset"]["digits"]["models"],
        "per_dataset": ["digits"],
    }
    chosen = params_with(dataset="fashion_mnist", models=["lenet5"])
    assert cfg.entries_that_run(chosen) == {"zoo": ["lenet5"], "per_dataset": ["fashion_mnist"]}
    assert cfg.entries_that_run(params_with(models="all"))["zoo"] == list(BASE["zoo"])


def test_the_pipeline_registers_its_menus_for_logging():
    import dl_pipelines.pipelines.image_classification.pipeline  # noqa: F401 - registers

    logged = params_to_log({"params:image_classification": params_with(models=["lenet5"])})
    section = logged["params:image_classification"]
    assert list(section["zoo"]) == ["lenet5"]
    assert list(section["per_dataset"]) == ["digits"]
    assert section["training"] == BASE["training"]


@pytest.mark.e2e
def test_the_run_logs_only_the_members_that_ran(classification_project):
    (run,) = classification_project.runs("image_classification")
    zoo = {
        key.split(".")[2] for key in run.data.params if key.startswith("image_classification.zoo.")
    }
    assert zoo == set(MEMBERS)
    datasets = {
        key.split(".")[2]
        for key in run.data.params
        if key.startswith("image_classification.per_dataset.")
    }
    assert datasets == {"digits"}
    assert run.data.params["image_classification.training.optimizer"] == "adam"

    client = classification_project.client()
    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run.info.run_id}'"
    )
    assert children
    for child in children:
        member = BASE["zoo"][child.info.run_name]
        assert child.data.params["builder"] == member["builder"]
        assert child.data.params["training.epochs"] == "4"  # conf/test, resolved
        for key in ("git_commit", "keras_backend", "version.keras"):
            assert child.data.tags[key] == run.data.tags[key], key
