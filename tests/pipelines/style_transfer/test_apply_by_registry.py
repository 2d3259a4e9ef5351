"""style_transfer's registry gate registers the stylizer with the style it was trained
for only above ``style_transfer.registry.min_style_reduction``; style_transfer_apply
stylises with a version of the registered ``style_transfer_stylizer`` — the
``champion`` by default, another with ``model_version`` — and, while none is
registered, ``method=auto`` optimises and ``method=stylizer`` says how to get one.

Tiny transform nets go through the catalog entry ``style_transfer_registered_model``
(no training); the end-to-end run is in ``test_pipeline_run.py``."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from kedro.io import DatasetError

from dl_pipelines.hooks import _provenance
from dl_pipelines.pipelines.style_transfer import apply, nodes, transform_net
from dl_pipelines.pipelines.style_transfer.params import ApplyParams
from dl_pipelines.pipelines.style_transfer.registry import RegisteredStylizerDataset
from dl_pipelines.runtime.config import parse
from dl_pipelines.tracking.registry_gate import RegistryGateError
from tests.conftest import PROJECT_ROOT
from tests.pipelines.style_transfer.conftest import BASE

ENTRY = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_style_transfer.yml").read_text())[
    "style_transfer_registered_model"
]
APPLY = {"content": "x.jpg", "image_size": 40}


def _entry(model_version: str | int | None = None) -> RegisteredStylizerDataset:
    """``style_transfer_registered_model`` as the catalog builds it, ``--params
    model_version`` resolved (None: the default, ``champion``)."""
    config = {
        k: copy.deepcopy(v)
        for k, v in ENTRY.items()
        if k not in {"type", "metadata", "model_version"}
    }
    return RegisteredStylizerDataset(model_version=model_version or "champion", **config)


def _net(seed: int):
    import keras

    keras.utils.set_random_seed(seed)
    return transform_net.build_transform_net((4, 8, 8), 1, style="swirls")


def _report(reduction: float) -> dict:
    return {"means": {"stylizer_style_reduction": reduction}}


def _gate(net, style: str, reduction: float = 0.9) -> dict:
    return nodes.gate_for_registry(
        net, _report(reduction), 256, {**BASE["style_transfer"]["stylizer"], "style": style}, 0.7
    )


def _method(method: str, style: str, stylizer) -> str:
    config = parse(ApplyParams, {**APPLY, "style": style, "method": method}, "x")
    return apply.method_for(config, {"name": style, "source": "name"}, stylizer)


def test_the_gate_refuses_a_stylizer_below_the_minimum() -> None:
    with pytest.raises(RegistryGateError) as error:
        _gate(_net(0), "swirls", reduction=0.5)
    message = str(error.value)
    assert (
        "stylizer_style_reduction 0.5000 is below style_transfer.registry.min_style_reduction "
        "0.7: the model is not registered" in message
    )
    assert "parameters_style_transfer.yml" in message
    diverged = "stylizer_style_reduction is nan: the model diverged"
    with pytest.raises(RegistryGateError, match=diverged):
        _gate(_net(0), "swirls", reduction=float("nan"))  # NaN < 0.7 is False


def test_the_gate_passes_an_uncompiled_copy_with_its_style() -> None:
    net = _net(0)
    net.compile(optimizer="adam", loss="mse")
    registered = _gate(net, "mosaic")
    assert registered["stylizer_settings"] == {
        "style": "mosaic",
        "image_size": 256,
        "crop_size": BASE["style_transfer"]["stylizer"]["crop_size"],
        "pixel_range": [0, 255],
        "size_multiple": 4,
    }
    model = registered["model"]
    assert model is not net and net.compiled and not model.compiled
    photo = np.random.default_rng(0).integers(0, 256, (12, 16, 3), np.uint8)
    np.testing.assert_array_equal(
        transform_net.stylise(model, photo), transform_net.stylise(net, photo)
    )


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """An empty MLflow registry of this test's own."""
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield
    mlflow.set_tracking_uri(None)


def test_with_no_stylizer_registered_auto_optimises_and_stylizer_says_how(registry) -> None:
    entry = _entry()
    assert entry.load() is None
    assert _provenance("style_transfer_registered_model", entry) == {}
    assert _method("auto", "swirls", None) == "optimise"
    with pytest.raises(
        ValueError,
        match=r"cannot stylise in 'swirls': the MLflow registry holds no "
        r"style_transfer_stylizer.*`kedro run --pipelines style_transfer --params "
        r"style_transfer.stylizer.style=swirls`",
    ):
        _method("stylizer", "swirls", None)
    # an explicit version is never skipped: the registry's error, naming the pipeline
    with pytest.raises(DatasetError, match=r"kedro run --pipelines style_transfer"):
        _entry(model_version="1").load()


def test_each_version_stylises_in_its_own_style(registry) -> None:
    """Version 1 is trained "for" mosaic, version 2 (the champion) for swirls."""
    import mlflow

    runs = []
    for seed, style in ((0, "mosaic"), (1, "swirls")):
        with mlflow.start_run() as run:
            _entry().save(_gate(_net(seed), style))
            runs.append(run.info.run_id)

    champion = _entry()
    loaded = champion.load()
    assert loaded["stylizer_settings"]["style"] == "swirls"
    assert loaded["version"] == "style_transfer_stylizer v2 (champion)"
    assert _method("auto", "swirls", loaded) == "stylizer"
    assert _method("auto", "mosaic", loaded) == "optimise"
    tags = _provenance("style_transfer_registered_model", champion)
    assert tags["input.style_transfer_registered_model"] == (
        "style_transfer_stylizer v2 (champion)"
    )
    assert tags["input.style_transfer_registered_model.source_run_id"] == runs[1]

    first = _entry(model_version="1")  # --params model_version=1
    loaded = first.load()
    assert loaded["stylizer_settings"]["style"] == "mosaic"
    assert _method("stylizer", "mosaic", loaded) == "stylizer"
    with pytest.raises(
        ValueError, match=r"style_transfer_stylizer v1 is trained for 'mosaic'.*model_version"
    ):
        _method("stylizer", "swirls", loaded)
    photo = np.random.default_rng(0).integers(0, 256, (12, 16, 3), np.uint8)
    np.testing.assert_array_equal(
        transform_net.stylise(loaded["model"], photo), transform_net.stylise(_net(0), photo)
    )
    tags = _provenance("style_transfer_registered_model", first)
    assert tags["input.style_transfer_registered_model"] == "style_transfer_stylizer v1"
    assert tags["input.style_transfer_registered_model.source_run_id"] == runs[0]

    with pytest.raises(
        DatasetError, match=r"'style_transfer_stylizer' has no version 9 \(versions: 1, 2\)"
    ):
        _entry(model_version="9").load()


def test_apply_runs_after_the_gate_in_a_run_of_both() -> None:
    """style_transfer_apply is on demand (not in ``__default__``, whose order
    tests/test_pipeline_registry.py checks): in ``--pipelines style_transfer,
    style_transfer_apply`` it loads the version the gate has just registered."""
    from dl_pipelines.pipelines import style_transfer, style_transfer_apply

    both = style_transfer.create_pipeline() + style_transfer_apply.create_pipeline()
    order = [node.name for node in both.nodes]
    assert order.index("style_transfer.register_model_node") < order.index(
        "style_transfer_apply.apply_style_node"
    )
