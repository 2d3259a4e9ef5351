"""kedro-viz draws ``__default__`` as one collapsible box per application.

kedro-viz draws a modular pipeline's free outputs (outputs no node of the pipeline reads,
and outputs other pipelines read) outside its box. Each training application therefore
ends in a ``report_page_node`` that reads its reports and figures: what is left outside
is its report page and what other pipelines read (a registered model).
"""

from __future__ import annotations

import pytest
from kedro.framework.startup import bootstrap_project

from tests.conftest import PROJECT_ROOT

#: Prediction pipelines (one node each) write what they predict and no report.
PREDICTING = {
    "day_night_predict",
    "detection_predict",
    "faces_identify",
    "faces_verify",
    "segmentation_predict",
    "trigger_word_detect",
}

#: Outputs left beside a box on purpose, with the reason.
KEPT_OUTSIDE = {
    # the stylizer's images (partitioned PNGs, a model output): the stylizer figure
    # shows them; the page takes figures, not image folders
    "style_transfer_stylized",
}

METRICS_DATASET = "kedro_mlflow.io.metrics.MlflowMetricsHistoryDataset"


def _pipelines():
    bootstrap_project(PROJECT_ROOT)
    from dl_pipelines.pipeline_registry import register_pipelines

    return register_pipelines()


def _resolver():
    """The catalog's entries and factories as Kedro resolves them (``--env test``)."""
    from kedro.config import OmegaConfigLoader
    from kedro.io.catalog_config_resolver import CatalogConfigResolver

    from dl_pipelines.settings import CONFIG_LOADER_ARGS

    loader = OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"),
        env="test",
        **{k: v for k, v in CONFIG_LOADER_ARGS.items() if k != "default_run_env"},
    )
    return CatalogConfigResolver(loader["catalog"])


def _free_outputs_as_kedro_viz_draws_them(pipeline) -> dict[str, set[str]]:
    """``{top-level namespace: names of the datasets drawn outside its box}``, from
    kedro-viz's own ModularPipelinesRepository."""
    from kedro_viz.data_access.repositories.modular_pipelines import (
        ModularPipelinesRepository,
    )
    from kedro_viz.utils import _hash_input_output

    repository = ModularPipelinesRepository()
    repository.populate_tree(pipeline)
    names = {_hash_input_output(name): name for name in pipeline.datasets()}
    return {
        namespace: {names[output] for output in box.outputs}
        for namespace, box in repository.as_dict().items()
        if namespace != "__root__" and "." not in namespace
    }


def test_each_training_application_leaves_only_its_report_page_outside_its_box() -> None:
    pipelines = _pipelines()
    default = pipelines["__default__"]
    free = _free_outputs_as_kedro_viz_draws_them(default)
    assert PREDICTING <= set(free), PREDICTING - set(free)
    training = set(free) - PREDICTING
    resolver = _resolver()
    # MLflow metrics datasets stay outside: with prefix "" (metric names kept as they
    # are) kedro-mlflow's MlflowMetricsHistoryDataset loads back {} — the JSON report
    # that holds the same numbers goes into the page instead. Entries and factories
    # ("faces_{report}_metrics") alike.
    metrics = {
        name
        for name in set().union(*free.values())
        if resolver.resolve_pattern(name).get("type") == METRICS_DATASET
    }
    stray = {}
    for app in sorted(training):
        others = [p for name, p in pipelines.items() if name not in {app, "__default__"}]
        read_elsewhere = set().union(*(p.inputs() for p in others))
        assert f"{app}_report_page" in free[app], f"{app} has no report page"
        left = free[app] - {f"{app}_report_page"} - read_elsewhere - metrics - KEPT_OUTSIDE
        if left:
            stray[app] = sorted(left)
    assert not stray, f"outputs drawn outside their application's box: {stray}"


@pytest.mark.parametrize("app", sorted(PREDICTING | {"__default__"}))
def test_prediction_pipelines_have_no_report_page(app) -> None:
    pipelines = _pipelines()
    pages = {o for o in pipelines[app].all_outputs() if o.endswith("_report_page")}
    if app == "__default__":
        assert all(p.removesuffix("_report_page") not in PREDICTING for p in pages)
    else:
        assert not pages


def test_every_report_page_resolves_to_its_html_file() -> None:
    """``"{app}_report_page"`` in catalog.yml, or the application's own entry where one
    of its factories (``segmentation_{split}``) is more specific and would claim it."""
    resolver = _resolver()
    pages = {o for o in _pipelines()["__default__"].all_outputs() if o.endswith("_report_page")}
    assert pages
    for page in sorted(pages):
        app = page.removesuffix("_report_page")
        config = resolver.resolve_pattern(page)
        assert config["type"] == "kedro_mlflow.io.artifacts.MlflowArtifactDataset", page
        assert config["dataset"]["type"] == "text.TextDataset", page
        assert config["dataset"]["filepath"] == f"data/08_reporting/{app}/report.html", page
        assert config["metadata"]["kedro-viz"]["layer"] == "reporting", page
