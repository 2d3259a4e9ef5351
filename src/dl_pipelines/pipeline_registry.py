"""Project pipelines: every folder under ``pipelines/`` with a ``create_pipeline``."""

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
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipeline for name, pipeline in pipelines.items() if name not in ON_DEMAND),
        start=Pipeline([]),
    )
    return pipelines
