"""Every configuration environment the project ships gives parameters that pass the
check a run makes before its first node (`kedro run --env <env>` would start)."""

from __future__ import annotations

import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.startup import bootstrap_project

from tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize("env", ["test", "gpu", "airflow"])
def test_an_environment_passes_the_parameter_check(env):
    bootstrap_project(PROJECT_ROOT)
    from dl_pipelines.pipeline_registry import register_pipelines
    from dl_pipelines.runtime.parameter_check import check_pipeline_parameters
    from dl_pipelines.settings import CONFIG_LOADER_ARGS

    loader = OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"),
        env=env,
        **{k: v for k, v in CONFIG_LOADER_ARGS.items() if k != "default_run_env"},
    )
    params = loader["parameters"]
    assert check_pipeline_parameters(register_pipelines()["__default__"], params) > 30


def test_the_gpu_environment_changes_sizes_not_structure():
    """conf/gpu only overrides keys conf/base has (a typo would be an unknown key)."""
    import yaml

    def keys(tree, prefix=""):
        for key, value in tree.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                yield from keys(value, path + ".")
            else:
                yield path

    base, gpu = set(), set()
    for path in (PROJECT_ROOT / "conf/base").glob("parameters*.yml"):
        base |= set(keys(yaml.safe_load(path.read_text()) or {}))
    for path in (PROJECT_ROOT / "conf/gpu").glob("parameters*.yml"):
        gpu |= set(keys(yaml.safe_load(path.read_text()) or {}))
    new = {k for k in gpu - base if not k.endswith((".precision", ".distribution"))}
    assert gpu and not new, new
