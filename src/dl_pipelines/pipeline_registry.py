"""Project pipelines: every folder under ``pipelines/`` with a ``create_pipeline``."""

import difflib
import re
from pathlib import Path

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# Pipelines that act on an input only the user can name (``--params content=…``) or on a
# model another run registered (``shipping --params model=…``): they are registered,
# but a plain ``kedro run`` leaves them out.
ON_DEMAND = frozenset({"style_transfer_apply", "shipping"})


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects; ``__default__`` runs
        every pipeline but those in ``ON_DEMAND`` (prediction pipelines after the
        training that feeds them).
    """
    try:
        pipelines = find_pipelines(raise_errors=True)
    except ImportError as error:
        _raise_if_unknown(error)
        raise
    pipelines["__default__"] = sum(
        (pipeline for name, pipeline in pipelines.items() if name not in ON_DEMAND),
        start=Pipeline([]),
    )
    return pipelines


class UnknownPipelineError(KeyError):
    """``--pipelines`` names a pipeline the project does not have."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


def pipeline_names() -> list[str]:
    """The names of the project's pipelines: the folders under ``pipelines/``."""
    folder = Path(__file__).parent / "pipelines"
    return sorted(p.name for p in folder.iterdir() if (p / "pipeline.py").is_file())


def _raise_if_unknown(error: ImportError) -> None:
    """Kedro 1.7 reports a requested name with no folder as an ImportError of its
    module: say instead that the name is unknown, and list the names there are."""
    match = re.search(r"'dl_pipelines\.pipelines\.([^']+)' module", str(error))
    names = pipeline_names()
    if match is None or match.group(1) in names or error.__cause__ is not None:
        return
    name = match.group(1)
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    raise UnknownPipelineError(
        f"Unknown pipeline '{name}'.{hint} The pipelines are: __default__ (what a plain "
        f"`kedro run` runs), {', '.join(names)} (`kedro registry list`)."
    ) from None
