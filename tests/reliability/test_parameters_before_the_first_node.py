"""Every parameter of a run is validated before its first node runs (issue #29): a bad
value is found before training, with the YAML key, the file and the ``--params`` that
gave it; unknown pipeline and environment names list the valid ones."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from kedro.framework.startup import bootstrap_project

from dl_pipelines.runtime.config import ParameterError
from dl_pipelines.runtime.parameter_check import check_pipeline_parameters
from tests.conftest import PROJECT_ROOT, KedroProject


@pytest.fixture(scope="module")
def registry():
    bootstrap_project(PROJECT_ROOT)
    from kedro.framework.project import pipelines

    pipelines.set_requested(None)
    return pipelines


def _params(runtime: dict | None = None) -> dict:
    """The test environment's parameters, as ``kedro run --env test --params …`` sees them."""
    from kedro.framework.project import settings

    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(PROJECT_ROOT / "conf"),
        env="test",
        runtime_params=runtime,
        **settings.CONFIG_LOADER_ARGS,
    )
    return loader["parameters"]


def test_the_shipped_parameters_of_every_pipeline_pass(registry) -> None:
    params = _params()
    for name, pipeline in registry.items():
        assert check_pipeline_parameters(pipeline, params) >= 0, name
    # The check reaches the sections of the applications, not only typed scalars.
    assert check_pipeline_parameters(registry["day_night"], params) >= 5
    assert check_pipeline_parameters(registry["trigger_word"], params) >= 2


@pytest.mark.parametrize(
    ("pipeline", "runtime", "expected"),
    [
        (
            "day_night",
            {"day_night": {"evaluation": {"threshold": 1.5}}},
            [
                "'day_night.evaluation'",
                "threshold must be in (0, 1), got 1.5",
                "conf/base/parameters_day_night.yml",
                "--params day_night.evaluation.threshold=1.5",
            ],
        ),
        (
            "day_night",
            {"day_night": {"registry": {"min_test_accuracy": "abc"}}},
            [
                "'day_night.registry.min_test_accuracy' must be float, got 'abc'",
                "conf/base/parameters_day_night.yml",
            ],
        ),
        (
            "day_night",
            {"seed": "abc"},
            ["'seed' must be int, got 'abc'", "conf/base/parameters.yml", "--params seed=abc"],
        ),
        (
            "trigger_word",
            {"trigger_word": {"training": {"epochs": "x"}}},
            ["'trigger_word.training.epochs' must be int", "parameters_trigger_word.yml"],
        ),
        (
            "faces",
            {"faces": {"training": {"epochs": -1}}},
            ["'faces.training'", "epochs must be >= 1", "parameters_faces.yml"],
        ),
        (
            "image_classification",
            {"image_classification": {"dataset": 3}},
            ["'image_classification.dataset' must be str"],
        ),
        (
            "style_transfer_apply",
            {"style_transfer_apply": {"image_size": "big"}},
            ["style_transfer_apply.image_size", "conf/base/parameters_style_transfer.yml"],
        ),
    ],
)
def test_a_bad_value_names_the_key_the_file_and_the_override(
    registry, pipeline: str, runtime: dict, expected: list[str]
) -> None:
    with pytest.raises(ParameterError) as error:
        check_pipeline_parameters(registry[pipeline], _params(runtime), runtime)
    for text in expected:
        assert text in str(error.value), f"{text!r} not in {error.value}"


def test_an_unknown_pipeline_lists_the_pipelines(registry) -> None:
    from dl_pipelines.pipeline_registry import UnknownPipelineError, register_pipelines

    registry.set_requested(["day_nite"])
    try:
        with pytest.raises(UnknownPipelineError) as error:
            register_pipelines()
    finally:
        registry.set_requested(None)
    message = str(error.value)
    assert "Unknown pipeline 'day_nite'. Did you mean day_night" in message
    assert "trigger_word_detect" in message and "__default__" in message


def test_an_unknown_environment_lists_the_environments(tmp_path: Path) -> None:
    from dl_pipelines.hooks import UnknownEnvironmentError, _check_environment

    for env in ("base", "local", "test"):
        (tmp_path / "conf" / env).mkdir(parents=True)
    context = SimpleNamespace(
        env="nope",
        project_path=tmp_path,
        config_loader=SimpleNamespace(conf_source=str(tmp_path / "conf"), base_env="base"),
    )
    with pytest.raises(
        UnknownEnvironmentError,
        match="Unknown environment 'nope'.*The environments are: local, test",
    ):
        _check_environment(context)
    _check_environment(SimpleNamespace(**{**vars(context), "env": "test"}))
    # no --env: Kedro's default environment, which a fresh clone may not have (local/)
    _check_environment(SimpleNamespace(**{**vars(context), "env": None}))


@pytest.mark.e2e
def test_a_bad_seed_stops_the_run_before_its_first_node(project: KedroProject) -> None:
    result = project.run("--pipelines", "day_night", "--params", "seed=abc", check=False)
    project.assert_failed_cleanly(
        result,
        "day_night",
        "'seed' must be int, got 'abc'",
        "conf/base/parameters.yml",
        "--params seed=abc",
    )
    assert "Running node" not in result.stderr
    assert project.outputs() == []
    assert not (project.path / ".kedro-run.json").exists()


@pytest.mark.e2e
def test_unknown_pipeline_and_environment_names_on_the_command_line(project: KedroProject) -> None:
    result = project.run("--pipelines", "day_nite", check=False)
    assert result.returncode != 0
    assert "Unknown pipeline 'day_nite'. Did you mean day_night" in result.stderr
    env = project.run("--pipelines", "day_night", "--env", "nope", check=False)
    assert env.returncode != 0
    assert "Unknown environment 'nope'" in env.stderr and "local, test" in env.stderr
