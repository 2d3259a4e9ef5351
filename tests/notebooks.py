"""Run the notebooks of notebooks/ in a trained copy of the project.

The end-to-end tests of each application execute its notebook with nbclient on the
outputs of ``kedro run --env test`` (``KEDRO_ENV=test``, the copy's MLflow database), so
a notebook that no longer matches the catalog, the data or the tracked metrics fails the
suite instead of rotting.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.conftest import PROJECT_ROOT, KedroProject, make_project_copy

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CELL_TIMEOUT_S = 300


def run_notebook(path: Path, project: KedroProject | Path) -> nbformat.NotebookNode:
    """Execute the notebook ``path`` from ``<project>/notebooks/`` and return it executed.

    The kernel runs in that folder with ``KEDRO_ENV=test``, the copy's MLflow database as
    ``MLFLOW_TRACKING_URI`` and Kedro's telemetry off.

    Raises:
        AssertionError: a cell failed; the message holds its source and traceback.
    """
    if not isinstance(project, KedroProject):
        project = KedroProject(Path(project))
    folder = project.path / "notebooks"
    folder.mkdir(exist_ok=True)
    copy = folder / Path(path).name
    if copy.resolve() != Path(path).resolve():
        shutil.copy2(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    env = {
        **os.environ,
        "KEDRO_ENV": "test",
        "MLFLOW_TRACKING_URI": project.tracking_uri,
        "KEDRO_DISABLE_TELEMETRY": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    env.pop("KEDRO_LOGGING_CONFIG", None)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    try:
        client.execute(env=env, cwd=str(folder))
    except CellExecutionError as error:
        raise AssertionError(f"{Path(path).name} failed:\n{error}") from None
    return notebook


def outputs_of(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    """The ``kind`` outputs (``image/png``, ``text/plain``, ``text/html``, ``stream``)
    of every code cell, in order."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if kind == "stream" and output.get("output_type") == "stream":
                found.append(output.get("text", ""))
            elif kind in output.get("data", {}):
                found.append(output["data"][kind])
    return found


def check_notebook(app: str, project: KedroProject, metric: str) -> None:
    """notebooks/<app>.ipynb runs in ``project``, draws at least one figure and its MLflow
    section shows ``metric``."""
    assert_ran_with_figures_and_metrics(run_notebook(NOTEBOOKS / f"{app}.ipynb", project), metric)


def trained_project_fixture(app: str):
    """A module fixture: a project copy in which ``kedro run --env test --pipelines <app>``
    ran once, for the applications whose own fixture is not shared in a conftest.py."""

    @pytest.fixture(scope="module")
    def trained(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
        project = make_project_copy(tmp_path_factory.mktemp(app) / "project")
        project.run("--pipelines", app)
        return project

    return trained


def assert_ran_with_figures_and_metrics(notebook: nbformat.NotebookNode, metric: str) -> None:
    """The notebook drew at least one figure and its MLflow section showed ``metric``."""
    assert outputs_of(notebook, "image/png"), "the notebook drew no figure"
    text = "\n".join(
        outputs_of(notebook, "text/plain")
        + outputs_of(notebook, "text/html")
        + outputs_of(notebook, "stream")
    )
    assert metric in text, f"{metric} is not shown by the notebook"
