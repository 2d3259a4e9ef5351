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


def test_prediction_runs_after_the_registry_gate_that_registers_the_model() -> None:
    """In one run of both, a prediction pipeline loads the version its training
    pipeline's gate has just registered: Kedro orders the nodes by that dataset."""
    pipelines = _pipelines()
    order = [n.name for n in pipelines["__default__"].nodes]
    for training, predicting in (
        ("day_night", "day_night_predict.predict_folder_node"),
        ("trigger_word", "trigger_word_detect.detect_folder_node"),
        ("segmentation", "segmentation_predict.segment_folder_node"),
        ("detection", "detection_predict.detect_folder_node"),
        ("faces", "faces_verify.verify_pair_node"),
        ("faces", "faces_identify.identify_folder_node"),
    ):
        assert order.index(f"{training}.register_model_node") < order.index(predicting)
        (node,) = pipelines[predicting.split(".")[0]].nodes
        assert f"{training}_registered_model" in node.inputs


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
    assert set(listed) == expected, set(listed) ^ expected


#: kedro-viz's layers in data-flow order.
LAYERS = (
    "raw",
    "intermediate",
    "primary",
    "feature",
    "model_input",
    "models",
    "model_output",
    "reporting",
    "registry",  # models registered in MLflow after the gate has read the reports
    "predictions",  # what prediction pipelines write with the registry's model
)


def _catalog_layers() -> dict[str, str]:
    import yaml

    layers = {}
    for path in sorted((PROJECT_ROOT / "conf/base").glob("catalog*.yml")):
        for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
            layer = ((entry or {}).get("metadata") or {}).get("kedro-viz", {}).get("layer")
            if layer is not None:
                assert layer in LAYERS, f"{name} in {path.name}: unknown layer {layer}"
                layers[name] = layer
    return layers


def _layer_of(dataset: str, layers: dict[str, str]) -> str | None:
    import re

    if dataset in layers:
        return layers[dataset]
    # factory entries ("trigger_word_{plot}_plot"): the most specific match, as Kedro picks
    matches = [
        (len(re.sub(r"\{[^}]+\}", "", pattern)), layer)
        for pattern, layer in layers.items()
        if "{" in pattern and re.fullmatch(re.sub(r"\{[^}]+\}", ".+", pattern), dataset)
    ]
    return max(matches)[1] if matches else None


def test_no_node_feeds_an_earlier_layer_so_kedro_viz_can_draw_layers() -> None:
    """A dataset that feeds later nodes is not `reporting`: a node reading layer B and
    writing layer A before it makes a layer cycle, and kedro-viz then drops all layers."""
    layers = _catalog_layers()
    backwards = []
    for name, pipeline in _pipelines().items():
        for node in pipeline.nodes:
            for source in node.inputs:
                for target in node.outputs:
                    a, b = _layer_of(source, layers), _layer_of(target, layers)
                    if a and b and LAYERS.index(a) > LAYERS.index(b):
                        backwards.append(f"{name}: {node.name}: {source} ({a}) → {target} ({b})")
    assert not backwards, "\n".join(sorted(set(backwards)))


def test_every_dataset_has_a_layer() -> None:
    """kedro-viz draws a dataset without a layer outside every band: none is left out."""
    layers = _catalog_layers()
    without = sorted(
        {
            f"{name}: {dataset}"
            for name, pipeline in _pipelines().items()
            for dataset in pipeline.datasets()
            if not dataset.startswith("params:")
            and dataset != "parameters"
            and _layer_of(dataset, layers) is None
        }
    )
    assert not without, "no kedro-viz layer in conf/base/catalog*.yml:\n" + "\n".join(without)
