"""The notebooks of notebooks/ are committed without outputs (the tests execute them)."""

from __future__ import annotations

import nbformat
import pytest

from tests.notebooks import NOTEBOOKS

COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert COMMITTED, f"no notebook in {NOTEBOOKS}"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.stem)
def test_notebook_has_no_outputs(path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} of {path.name} has outputs"
            assert cell.execution_count is None, f"cell {index} of {path.name} has a count"
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3", path.name
