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


def test_make_run_runs_exactly_the_default_pipelines() -> None:
    """``make run`` lists the pipelines of its two kedro runs (TensorFlow and JAX) by name."""
    import re

    from dl_pipelines.pipeline_registry import ON_DEMAND

    makefile = (PROJECT_ROOT / "Makefile").read_text()
    listed: list[str] = []
    for variable in ("TF_PIPELINES", "JAX_PIPELINES"):
        for value in re.findall(rf"^{variable}\s*:=\s*(.*)$", makefile, flags=re.MULTILINE):
            listed += [name for name in value.replace(f"$({variable})", "").split(",") if name]
    expected = set(_pipelines()) - ON_DEMAND - {"__default__"}
    assert len(listed) == len(set(listed)), "a pipeline listed twice in the Makefile"
    assert set(listed) == expected, (set(listed) ^ expected)
