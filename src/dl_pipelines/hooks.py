"""Project hooks: tag every MLflow run with what is needed to reproduce it."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl

from dl_pipelines import tracking

logger = logging.getLogger(__name__)


class RunMetadataHook:
    """Tags the run that kedro-mlflow opened with git commit, package versions and seed.

    kedro-mlflow's own hook starts the run in ``before_pipeline_run``; plugin hooks are
    registered after project hooks and pluggy calls them last-in-first-out, so the run
    is active by the time this hook's ``before_pipeline_run`` is called.
    """

    def __init__(self) -> None:
        self._project_path: str | None = None
        self._seed: Any = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._project_path = str(context.project_path)
        self._seed = context.params.get("seed")

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        tags = tracking.reproducibility_tags(self._project_path, seed=self._seed)
        if not tracking.set_tags_on_active_run(tags):
            logger.debug("No active MLflow run: reproducibility tags not logged.")
