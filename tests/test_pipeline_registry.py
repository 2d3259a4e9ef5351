"""The registry exposes every pipeline by name; ``__default__`` runs all but the on-demand ones."""

from kedro.framework.startup import bootstrap_project

from tests.conftest import PROJECT_ROOT


def _pipelines():
    bootstrap_project(PROJECT_ROOT)
    from dl_pipelines.pipeline_registry import register_pipelines

    return register_pipelines()


def test_default_runs_every_pipeline_but_the_on_demand_ones() -> None:
    from dl_pipelines.pipeline_registry import ON_DEMAND

    pipelines = _pipelines()
    assert {"__default__", "day_night", "day_night_predict"} <= set(pipelines)
    assert ON_DEMAND <= set(pipelines), "an on-demand pipeline that no longer exists"
    default_nodes = {n.name for n in pipelines["__default__"].nodes}
    for name, pipeline in pipelines.items():
        nodes = {n.name for n in pipeline.nodes}
        if name in ON_DEMAND:
            assert not nodes & default_nodes, name
        else:
            assert nodes <= default_nodes, name


def test_prediction_runs_after_the_training_that_writes_the_model() -> None:
    order = [n.name for n in _pipelines()["__default__"].nodes]
    assert order.index("train_model_node") < order.index("predict_folder_node")
