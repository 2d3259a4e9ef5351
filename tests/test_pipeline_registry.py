"""The registry exposes every pipeline by name."""

from kedro.framework.startup import bootstrap_project

from tests.conftest import PROJECT_ROOT


def test_registered_pipelines() -> None:
    bootstrap_project(PROJECT_ROOT)
    from dl_pipelines.pipeline_registry import register_pipelines

    pipelines = register_pipelines()
    assert {"__default__", "day_night", "day_night_predict"} <= set(pipelines)
    default_nodes = {n.name for n in pipelines["__default__"].nodes}
    for name in ("day_night", "day_night_predict"):
        assert {n.name for n in pipelines[name].nodes} <= default_nodes
    # prediction runs after the training that writes the model
    order = [n.name for n in pipelines["__default__"].nodes]
    assert order.index("train_model_node") < order.index("predict_folder_node")
