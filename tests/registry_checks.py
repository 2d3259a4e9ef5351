"""Shared checks of the prediction pipelines that score with a registered model version.

Each ``tests/pipelines/<app>/test_predict_by_registry.py`` trains its application and
runs its prediction pipeline in one ``kedro run`` (:func:`trained_with_prediction`),
reads which version scored from the prediction run's tags (:func:`scored_with`), and
checks that an unknown ``model_version`` fails cleanly, naming the versions and aliases
there are (:func:`assert_unknown_version_fails_cleanly`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import PROJECT_ROOT, KedroProject, make_project_copy


def trained_with_prediction(
    destination: Path, training: str, predicting: str, examples: str | None = None
) -> KedroProject:
    """A project copy after one ``kedro run`` of ``training`` and ``predicting`` together
    (version 1 registered); ``examples``: a folder of the project copied in first."""
    project = make_project_copy(destination)
    if examples is not None:
        shutil.copytree(PROJECT_ROOT / examples, project.path / examples)
    project.run("--pipelines", f"{training},{predicting}")
    return project


def scored_with(project: KedroProject, predicting: str, model: str) -> tuple[str, str]:
    """``(version label, source run id)`` the last ``predicting`` run tagged for the
    registered ``model`` (its catalog entry ``<model>_registered_model``)."""
    tags = project.runs(predicting)[0].data.tags
    tag = f"input.{model}_registered_model"
    return tags[tag], tags[f"{tag}.source_run_id"]


def assert_unknown_version_fails_cleanly(
    project: KedroProject, predicting: str, model: str, output: str
) -> None:
    """``model_version=99`` stops ``predicting`` with the versions and aliases there are,
    and leaves its ``output`` file as it was."""
    path = project.path / output
    before = path.read_bytes()
    result = project.run("--pipelines", predicting, "--params", "model_version=99", check=False)
    project.assert_failed_cleanly(
        result,
        predicting,
        f"Registered model '{model}' has no version 99 (versions: 1",
        "champion → ",
        "--params model_version=",
    )
    assert path.read_bytes() == before
