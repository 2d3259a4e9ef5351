"""Project hooks: a run that tells the truth.

* :class:`RunMetadataHook` tags every MLflow run with what is needed to reproduce it.
* :class:`RunGuardHook` checks the environment's name, takes the project's lock (one
  ``kedro run`` per project at a time), and ends interrupted runs as KILLED
  (:mod:`dl_pipelines.runtime.run_guard`).
* :class:`ParameterCheckHook` validates every parameter the run will use before its
  first node runs (:mod:`dl_pipelines.runtime.parameter_check`).
* :class:`StagedModelsHook` lets a run's trained models replace the ones prediction
  pipelines use only when the whole run succeeds (a registry gate included).
* :class:`InputProvenanceHook` tags a run with what it read: the folders of a user's
  files and the trained model files, with the MLflow run that trained each model.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from kedro.framework.hooks import hook_impl

from dl_pipelines.runtime.config import ParameterError
from dl_pipelines.tracking import runs as tracking

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


class UnknownEnvironmentError(ValueError):
    """``--env`` names no folder under the configuration source."""


class RunGuardHook:
    """One ``kedro run`` per project; SIGINT, SIGTERM and SIGKILL leave a KILLED run.

    Its hooks run first (``tryfirst``): the environment is checked before kedro-mlflow
    reads ``mlflow.yml`` from it, and the lock is taken before kedro-mlflow opens an
    MLflow run, so that a refused run leaves no run behind.
    """

    def __init__(self) -> None:
        self._guard: Any = None

    @hook_impl(tryfirst=True)
    def after_context_created(self, context: Any) -> None:
        _check_environment(context)
        from dl_pipelines.runtime.run_guard import RunGuard

        if self._guard is not None and self._guard.held:  # interrupted earlier, same process
            self._guard.finish_interrupted()
        if self._guard is None or self._guard.project_path != context.project_path:
            self._guard = RunGuard(context.project_path)

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        if self._guard is None:
            return
        self._guard.acquire(run_params.get("pipeline_names"), run_params.get("env"))
        self._guard.install_signal_handlers()

    @hook_impl
    def before_node_run(self) -> None:
        if self._guard is not None and self._guard.held and not self._guard.run_recorded:
            import mlflow

            active = mlflow.active_run()
            if active is not None:  # the parent, when each application has a child run
                tags = active.data.tags
                run_id = active.info.run_id
                if "dl_pipelines.application" in tags:
                    run_id = tags.get("mlflow.parentRunId", run_id)
                self._guard.record_run(run_id, mlflow.get_tracking_uri())

    @hook_impl(trylast=True)
    def after_pipeline_run(self) -> None:
        if self._guard is not None:
            self._guard.release()

    @hook_impl(trylast=True)
    def on_pipeline_error(self) -> None:
        if self._guard is not None:
            self._guard.release()


class ParameterCheckHook:
    """Parses every parameter of every node of the run before the first node runs.

    Runs after kedro-mlflow opened the run: a bad value ends it as FAILED, with the
    message as the tag ``dl_pipelines.error``, and stops the run before anything is
    computed or written.
    """

    def __init__(self) -> None:
        self._params: dict[str, Any] = {}

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._params = context.params

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any) -> None:
        from dl_pipelines.runtime.parameter_check import check_pipeline_parameters

        try:
            checks = check_pipeline_parameters(
                pipeline, self._params, run_params.get("runtime_params")
            )
        except ParameterError as error:
            _fail_active_run(str(error))
            raise
        logger.info("Parameters checked before the first node (%d checks).", checks)


class StagedModelsHook:
    """A model file under ``data/06_models`` is replaced only by a run that succeeds.

    Every :class:`~dl_pipelines.datasets.KerasModelDataset` of the catalog saves to its
    candidate file during the run (its later nodes load it from there); after the run
    the candidate replaces the model file, or, when the run failed (e.g. the registry
    gate rejected the model), stays aside and the model file is left as it was. In a run
    of several applications, "the run" is the application that trained the model: when
    another application fails, the models of those that ran every node are promoted
    (their MLflow runs finished, and their registered versions stand).
    Datasets wrapped by kedro-mlflow (a subclass) log their file as saved: left alone.
    """

    def __init__(self) -> None:
        self._datasets: dict[str, Any] = {}
        self._owner: dict[str, str] = {}  # model dataset → application that writes it
        self._remaining: Counter[str] = Counter()  # application → nodes still to run
        self._app_of_node: dict[str, str] = {}

    @hook_impl
    def before_pipeline_run(self, pipeline: Any, catalog: Any) -> None:
        from kedro.framework.project import pipelines as registered

        from dl_pipelines.datasets.keras_model import KerasModelDataset
        from dl_pipelines.tracking.application_runs import application_of_nodes

        names = sorted(name for name in pipeline.datasets() if name in catalog)
        self._datasets = {
            name: catalog[name] for name in names if type(catalog[name]) is KerasModelDataset
        }
        self._app_of_node = application_of_nodes(dict(registered))
        self._remaining = Counter(self._app_of_node.get(n.name, "") for n in pipeline.nodes)
        self._owner = {
            output: self._app_of_node.get(node.name, "")
            for node in pipeline.nodes
            for output in node.outputs
            if output in self._datasets
        }
        for dataset in self._datasets.values():
            dataset.begin_run()

    @hook_impl
    def after_node_run(self, node: Any) -> None:
        self._remaining[self._app_of_node.get(node.name, "")] -= 1

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._end(lambda name: True)

    @hook_impl
    def on_pipeline_error(self) -> None:
        # A model of an application every node of which ran (another one failed) counts
        # as succeeded; a model no node of this run writes is only read: left alone.
        self._end(lambda name: name in self._owner and self._remaining[self._owner[name]] <= 0)

    def _end(self, succeeded: Callable[[str], bool]) -> None:
        for name, dataset in self._datasets.items():
            dataset.end_run(succeeded(name))
        self._datasets, self._owner = {}, {}


class InputProvenanceHook:
    """Tags the active MLflow run with the inputs a node reads from outside the run.

    For each input that is a folder of the user's files (images, audio, image + mask
    pairs) or a trained model file: ``input.<dataset>`` = its path, and for a model
    ``input.<dataset>.source_run_id`` = the MLflow run that trained it. For a model
    loaded from the registry, ``input.<dataset>`` = its name and version and the alias
    it was chosen by (``day_night v3 (champion)``). A prediction run thus says which
    model scored which folder, and links to the training run.
    """

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any) -> None:
        import mlflow

        if mlflow.active_run() is None:
            return
        tags = {}
        for name in node.inputs:
            if name.startswith("params:") or name not in catalog:
                continue
            tags.update(_provenance(name, catalog[name]))
        if tags:
            mlflow.set_tags(tags)


def _provenance(name: str, dataset: Any) -> dict[str, str]:
    from dl_pipelines.datasets.audio_folder import AudioFolderDataset
    from dl_pipelines.datasets.image_file import ImageFileDataset
    from dl_pipelines.datasets.image_folder import ImageFolderDataset
    from dl_pipelines.datasets.image_masks import ImageMaskFolderDataset
    from dl_pipelines.datasets.keras_model import KerasModelDataset
    from dl_pipelines.datasets.mlflow_registry import RegisteredModel

    registered = getattr(dataset, "last_loaded", None)  # the inputs are loaded by now
    if isinstance(registered, RegisteredModel):
        return {
            f"input.{name}": registered.label,
            f"input.{name}.source_run_id": registered.run_id or "",
        }
    if isinstance(dataset, KerasModelDataset):
        tags = {f"input.{name}": str(dataset.filepath)}
        run_id = dataset.source_run_id()
        if run_id:
            tags[f"input.{name}.source_run_id"] = run_id
        return tags
    if isinstance(dataset, AudioFolderDataset | ImageFolderDataset | ImageMaskFolderDataset):
        return {f"input.{name}": str(dataset._describe()["path"])}
    if isinstance(dataset, ImageFileDataset):  # faces_verify's two photos
        return {f"input.{name}": dataset._describe()["filepath"]}
    return {}


def _fail_active_run(message: str) -> None:
    """End the active MLflow run as FAILED (before_pipeline_run errors reach no hook)."""
    import mlflow

    if mlflow.active_run() is not None:
        mlflow.set_tag("dl_pipelines.error", message[:5000])
        mlflow.end_run("FAILED")


def _check_environment(context: Any) -> None:
    """Raise naming the environments there are when ``--env`` names none of them."""
    from pathlib import Path

    loader = context.config_loader
    source = Path(getattr(loader, "conf_source", "") or context.project_path / "conf")
    # No --env: Kedro runs the loader's default environment (local), which may be absent.
    if context.env is None or not source.is_dir() or (source / context.env).is_dir():
        return
    base = getattr(loader, "base_env", "base")
    valid = sorted(p.name for p in source.iterdir() if p.is_dir() and p.name != base)
    raise UnknownEnvironmentError(
        f"Unknown environment '{context.env}': there is no folder {source / context.env}. "
        f"The environments are: {', '.join(valid)} (each a folder under {source} whose "
        f"files override {base}/). Run with one of them, e.g. `kedro run --env test`, or "
        f"create {source / context.env}/."
    )
