"""The commands an Airflow DAG of the project runs: one MLflow run per DAG run.

``make airflow-dags`` generates one DAG per training application (kedro-airflow with
``conf/airflow/dag_template.j2``): a task ``mlflow_run``, the application's nodes in
three tasks (ingestion, training, evaluation), and a task ``mlflow_run_end``. Each runs
one of this module's commands with the project's own interpreter, in the project folder::

    python -m dl_pipelines.tracking.airflow start  --project P --env airflow --pipeline day_night \\
        --dag-id dl_pipelines_day_night --dag-run-id <Airflow's run_id>     # prints the run id
    MLFLOW_RUN_ID=<id> python -m dl_pipelines.tracking.airflow task --project P --env airflow \\
        --pipeline day_night --task training --nodes day_night.train_model_node
    MLFLOW_RUN_ID=<id> python -m dl_pipelines.tracking.airflow finish --project P --env airflow \\
        --pipeline day_night --tasks ingestion,training,evaluation

* ``start`` creates the application's run (named after the pipeline, tagged with the DAG
  run) and prints its id, which Airflow passes on through XCom; retried, or run again for
  the same DAG run, it finds that run instead of opening a second one.
* ``task`` runs the task's nodes with a ``kedro run`` of its own (a ``KedroSession``);
  kedro-mlflow resumes the run that ``MLFLOW_RUN_ID`` names, so parameters, metrics,
  artifacts and the registered model of every task land in that one run.
* ``finish`` ends the run as FINISHED when every task recorded its success, FAILED
  otherwise (and then exits with 1, so that the DAG run fails too).

A task retried after a failure repeats nothing (docs/airflow.md § Retries):

* **Metrics.** MLflow cannot delete a logged metric, so a task's metrics are held back
  (:class:`HeldMetrics`) and logged only when its ``kedro run`` succeeded, together with
  the tag ``airflow.task.<task>``. A failed attempt thus logs none; an attempt whose run
  already holds that tag (an earlier attempt succeeded, and Airflow lost track of it)
  runs nothing.
* **Registered versions.** A node that logs a model with a ``registered_model_name`` is
  left out of the attempt when the run already registered a version of that model (an
  earlier attempt failed after registering it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Tags of the run: the Airflow DAG and DAG run it belongs to.
DAG_ID_TAG = "airflow.dag_id"
DAG_RUN_TAG = "airflow.dag_run_id"
#: Prefix of the tag each task sets on the run when it succeeded (value ``success``).
TASK_TAG = "airflow.task."
SUCCESS = "success"


class AirflowTaskError(RuntimeError):
    """A task was started without its run, or with nodes the pipeline does not have."""


# ------------------------------------------------------------------------------ commands
def start(project: Path, env: str, pipeline: str, dag_id: str, dag_run_id: str) -> str:
    """The id of the DAG run's MLflow run, in the experiment of the env's ``mlflow.yml``."""
    import mlflow

    with _kedro_session(project, env) as session:
        config = session.load_context().mlflow  # kedro-mlflow set the tracking URI
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name(config.tracking.experiment.name)
    name = config.tracking.run.name or pipeline
    return dag_run_mlflow_run(client, experiment.experiment_id, name, dag_id, dag_run_id)


def dag_run_mlflow_run(
    client: Any, experiment_id: str, run_name: str, dag_id: str, dag_run_id: str
) -> str:
    """The id of the run tagged with the DAG run, created when there is none yet."""
    found = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{DAG_ID_TAG}` = '{dag_id}' and tags.`{DAG_RUN_TAG}` = '{dag_run_id}'",
        max_results=1,
    )
    if found:
        logger.info("MLflow run %s of DAG run %s found.", found[0].info.run_id, dag_run_id)
        return found[0].info.run_id
    tags = {DAG_ID_TAG: dag_id, DAG_RUN_TAG: dag_run_id}
    run = client.create_run(experiment_id, run_name=run_name, tags=tags)
    logger.info("MLflow run %s opened for DAG run %s.", run.info.run_id, dag_run_id)
    return run.info.run_id


def run_task(project: Path, env: str, pipeline: str, task: str, nodes: list[str]) -> None:
    """Run the task's nodes in the run ``MLFLOW_RUN_ID`` names, once.

    Raises:
        AirflowTaskError: without ``MLFLOW_RUN_ID``, or when a node is not the pipeline's.
    """
    import mlflow

    run_id = _run_id_from_environment()
    with _kedro_session(project, env) as session:
        context = session.load_context()
        client = mlflow.MlflowClient()
        if client.get_run(run_id).data.tags.get(TASK_TAG + task) == SUCCESS:
            logger.warning(
                "Task %s already succeeded in MLflow run %s: nothing to do.", task, run_id
            )
            return
        registered = _registered_models(client, run_id)
        skipped = registering_nodes(context.catalog, _nodes_of(pipeline, nodes), registered)
    for name in skipped:
        logger.warning(
            "Node %s left out: MLflow run %s already registered its model (an earlier "
            "attempt of task %s).",
            name,
            run_id,
            task,
        )
    remaining = [name for name in nodes if name not in skipped]
    with HeldMetrics(run_id) as held:
        if remaining:  # node_names=[] would run the whole pipeline
            with _kedro_session(project, env) as session:
                session.run(pipeline_names=[pipeline], node_names=remaining)
        held.log(tags={TASK_TAG + task: SUCCESS})
    # kedro-mlflow ended the run as FINISHED: it goes on until the DAG's last task.
    client.update_run(run_id, status="RUNNING")


def finish(project: Path, env: str, tasks: list[str]) -> bool:
    """End the run ``MLFLOW_RUN_ID`` names: FINISHED when every task succeeded."""
    import mlflow

    run_id = _run_id_from_environment()
    with _kedro_session(project, env) as session:
        session.load_context()  # kedro-mlflow set the tracking URI
    return end_run(mlflow.MlflowClient(), run_id, tasks)


def end_run(client: Any, run_id: str, tasks: list[str]) -> bool:
    """End the run as FINISHED when each of ``tasks`` recorded its success, else FAILED."""
    tags = client.get_run(run_id).data.tags
    failed = [task for task in tasks if tags.get(TASK_TAG + task) != SUCCESS]
    client.set_terminated(run_id, "FAILED" if failed else "FINISHED")
    if failed:
        logger.error("MLflow run %s ends FAILED: task(s) %s did not succeed.", run_id, failed)
    return not failed


# ------------------------------------------------------------------- retries: registrations
def registering_nodes(catalog: Any, nodes: list[Any], registered: set[str]) -> list[str]:
    """Names of the ``nodes`` that would register a model ``registered`` already holds.

    Such a node writes a model dataset with ``save_args.registered_model_name`` (kedro-mlflow's
    model tracking datasets) and nothing else.

    Raises:
        AirflowTaskError: when such a node also writes another dataset (leaving it out
            would leave that dataset unwritten).
    """
    skipped = []
    for node in nodes:
        names = [_registered_name(catalog, output) for output in node.outputs]
        if not any(name in registered for name in names if name):
            continue
        if not all(names):
            raise AirflowTaskError(
                f"Node {node.name} registers a model this run already registered and writes "
                "other datasets too: it can be neither rerun nor left out."
            )
        skipped.append(node.name)
    return skipped


def _registered_name(catalog: Any, dataset_name: str) -> str | None:
    dataset = catalog.get(dataset_name) if dataset_name in catalog else None
    save_args = getattr(dataset, "_save_args", None) or {}
    return save_args.get("registered_model_name")


def _registered_models(client: Any, run_id: str) -> set[str]:
    return {version.name for version in client.search_model_versions(f"run_id = '{run_id}'")}


# ------------------------------------------------------------------------- retries: metrics
class HeldMetrics:
    """Hold back the metrics logged to one run until :meth:`log`.

    Inside the block, every metric point logged to ``run_id`` through MLflow's client
    (``mlflow.log_metric(s)``, ``MlflowClient.log_metric``/``log_batch``: kedro-mlflow's
    metric datasets, the Keras callback) is kept in memory instead of being sent, and
    reading the run's metric history sees it; parameters, tags and other runs' metrics go
    through as usual. :meth:`log` sends the points, then ``tags``; leaving the block
    without calling it (the task failed) drops them.
    """

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.metrics: list[Any] = []
        self._originals: dict[str, Any] = {}

    def __enter__(self) -> HeldMetrics:
        from mlflow.entities import Metric
        from mlflow.tracking._tracking_service.client import TrackingServiceClient as Client

        self._originals = {
            name: getattr(Client, name)
            for name in ("log_metric", "log_batch", "get_metric_history")
        }
        held, originals = self, self._originals

        def log_metric(
            client, run_id, key, value, timestamp=None, step=None, synchronous=True, **kwargs
        ):
            if run_id != held.run_id:
                log = originals["log_metric"]
                return log(client, run_id, key, value, timestamp, step, synchronous, **kwargs)
            held.metrics.append(_metric(Metric(key, value, timestamp, step, **kwargs)))
            return None

        def log_batch(client, run_id, metrics=(), params=(), tags=(), synchronous=True):
            if run_id == held.run_id:
                held.metrics.extend(_metric(metric) for metric in metrics)
                metrics = ()
            return originals["log_batch"](client, run_id, metrics, params, tags, synchronous)

        def get_metric_history(client, run_id, key):
            history = originals["get_metric_history"](client, run_id, key)
            if run_id == held.run_id:
                history.extend(m for m in held.metrics if m.key == key)
            return history

        Client.log_metric, Client.log_batch = log_metric, log_batch
        Client.get_metric_history = get_metric_history
        return self

    def __exit__(self, *exc: object) -> None:
        from mlflow.tracking._tracking_service.client import TrackingServiceClient as Client

        for name, method in self._originals.items():
            setattr(Client, name, method)

    def log(self, tags: dict[str, str]) -> None:
        """Send the held metric points, then the ``tags``, to the run."""
        import mlflow
        from mlflow.entities import RunTag

        client = mlflow.MlflowClient()._tracking_client
        log_batch = self._originals.get("log_batch", type(client).log_batch)
        log_batch(client, self.run_id, self.metrics)
        log_batch(client, self.run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        logger.info("%d metric points logged to MLflow run %s.", len(self.metrics), self.run_id)
        self.metrics = []


def _metric(metric: Any) -> Any:
    """The metric point MLflow's client would have sent: its defaults filled in."""
    from mlflow.entities import Metric
    from mlflow.tracking.fluent import get_active_model_id
    from mlflow.tracking.metric_value_conversion_utils import (
        convert_metric_value_to_float_if_possible,
    )
    from mlflow.utils.time import get_current_time_millis

    return Metric(
        metric.key,
        convert_metric_value_to_float_if_possible(metric.value),
        metric.timestamp if metric.timestamp is not None else get_current_time_millis(),
        metric.step if metric.step is not None else 0,
        model_id=metric.model_id or get_active_model_id(),
        dataset_name=metric.dataset_name,
        dataset_digest=metric.dataset_digest,
    )


# ---------------------------------------------------------------------------------- helpers
@contextmanager
def _kedro_session(project: Path, env: str) -> Iterator[Any]:
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env) as session:
        yield session


def _nodes_of(pipeline: str, nodes: list[str]) -> list[Any]:
    from kedro.framework.project import pipelines

    known = {node.name: node for node in pipelines[pipeline].nodes}
    unknown = sorted(set(nodes) - set(known))
    if unknown:
        raise AirflowTaskError(
            f"Pipeline {pipeline} has no node(s) {', '.join(unknown)}: regenerate the DAGs "
            "(make airflow-dags)."
        )
    return [known[name] for name in nodes]


def _run_id_from_environment() -> str:
    run_id = os.environ.get("MLFLOW_RUN_ID", "")
    if not run_id or run_id == "None":
        raise AirflowTaskError(
            "MLFLOW_RUN_ID is not set: the DAG's task mlflow_run opens the run and passes its "
            "id on (did it fail?)."
        )
    return run_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dl_pipelines.tracking.airflow")
    parser.add_argument("command", choices=["start", "task", "finish"])
    parser.add_argument("--project", type=Path, default=Path.cwd())
    parser.add_argument("--env", default="airflow")
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--dag-id", help="start: the DAG's id")
    parser.add_argument("--dag-run-id", help="start: Airflow's run_id of the DAG run")
    parser.add_argument("--task", help="task: the task's id")
    parser.add_argument("--nodes", help="task: its nodes, comma-separated")
    parser.add_argument("--tasks", help="finish: the DAG's node tasks, comma-separated")
    args = parser.parse_args(argv)
    project = args.project.resolve()
    if args.command == "start":
        run_id = start(project, args.env, args.pipeline, args.dag_id, args.dag_run_id)
        print(run_id, flush=True)  # the last line: Airflow's XCom
        return 0
    if args.command == "task":
        run_task(project, args.env, args.pipeline, args.task, args.nodes.split(","))
        return 0
    return 0 if finish(project, args.env, args.tasks.split(",")) else 1


if __name__ == "__main__":
    sys.exit(main())
