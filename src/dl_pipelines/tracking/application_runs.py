"""One MLflow run per application, whatever ``kedro run`` selects.

kedro-mlflow opens one MLflow run per ``kedro run``. When the run holds nodes of several
applications (``make run``, ``__default__``, ``--pipelines a,b``) their parameters,
metrics and models would land in that one run, written over each other. The
:class:`ApplicationRunsHook` below is kedro-mlflow's own hook with one change: in such a
run, kedro-mlflow's run becomes the **parent**, and each application's nodes log into a
**child run** named after the application (``mlflow.parentRunId`` set, the parent's
reproducibility tags copied), which is made active before the application's first node
and again before each of its nodes. Everything that logs to the active run — the node
parameters kedro-mlflow logs, the metrics datasets, the Keras callback, the registry
nodes — thus writes to the right application's run.

At the end the parent holds a summary: each application's status, run id and headline
metric (``headline_metrics`` in ``conf/base/parameters.yml``), as metrics
``<application>.<metric>`` and as ``summary.json``. A failure in one application ends
its run and the parent as FAILED; the applications that finished keep FINISHED, those
cut short end KILLED.

A run of one application is left as kedro-mlflow makes it: one run, named after the
pipeline.

In either case, a parameter section with **menus** logs only the entries that run. A
menu is a mapping of named alternatives of which a run uses some, chosen by other keys of
the section (``image_classification.zoo``, chosen by ``models``; ``per_dataset``, chosen
by ``dataset``). kedro-mlflow logs a node's ``params:`` inputs whole; for a section
registered with :func:`log_only_entries_that_run`, the hook hands it the section with
each menu cut down to the entries that run.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook

from dl_pipelines.tracking.runs import inherited_tags

logger = logging.getLogger(__name__)

#: Tag on a child run: the application whose nodes it holds.
APPLICATION_TAG = "dl_pipelines.application"

#: ``{menu: names of the entries that run}`` of a parameter section.
MenuChoices = Mapping[str, Iterable[str]]

#: ``{parameter key: its menu choices}``, filled by :func:`log_only_entries_that_run`.
_MENUS: dict[str, Callable[[Any], MenuChoices]] = {}


def log_only_entries_that_run(key: str, entries_that_run: Callable[[Any], MenuChoices]) -> None:
    """Log of the parameter section ``key`` only the menu entries that a run uses.

    Args:
        key: The section, as nodes take it (``params:<key>``), e.g. ``image_classification``.
        entries_that_run: Given the section's value, ``{menu: names}``: for each menu (a
            key of the section whose value maps names to entries), the entries the run
            uses, e.g. ``{"zoo": ["lenet5"], "per_dataset": ["digits"]}``. It is the
            application's own reading of its parameters: keep it beside their parser.
    """
    _MENUS[key] = entries_that_run


def keep_entries(section: Mapping[str, Any], choices: MenuChoices) -> dict[str, Any]:
    """``section`` with each menu of ``choices`` cut down to the entries it names (in the
    section's order; a name that is not there is skipped, a menu that is not a mapping
    is kept whole)."""
    kept = dict(section)
    for menu, names in choices.items():
        entries = section.get(menu)
        if isinstance(entries, Mapping):
            wanted = set(names)
            kept[menu] = {name: entry for name, entry in entries.items() if name in wanted}
    return kept


def params_to_log(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A node's inputs as kedro-mlflow should log them: each ``params:<key>`` registered
    with :func:`log_only_entries_that_run` cut down to the entries that run; the rest as
    they are. A section whose choices cannot be read is logged whole, with a warning:
    logging never fails a run (the parameter check reports bad values before it)."""
    logged = dict(inputs)
    for name, value in inputs.items():
        key = name.removeprefix("params:")
        if key == name or key not in _MENUS or not isinstance(value, Mapping):
            continue
        try:
            logged[name] = keep_entries(value, _MENUS[key](value))
        except Exception as error:  # noqa: BLE001 - log the whole section rather than fail
            logger.warning("MLflow: logging all of '%s' (%s).", key, error)
    return logged


def application_of_nodes(pipelines: dict[str, Any]) -> dict[str, str]:
    """``{node name: application}`` where an application is a registered pipeline.

    ``__default__`` (the sum of the others) is no application; a node registered in two
    pipelines belongs to the first one in name order.
    """
    owners: dict[str, str] = {}
    for name in sorted(pipelines):
        if name == "__default__":
            continue
        for node in pipelines[name].nodes:
            owners.setdefault(node.name, name)
    return owners


class ApplicationRunsHook(MlflowHook):
    """kedro-mlflow's hook, with a child run per application in multi-application runs.

    Registered in ``settings.HOOKS`` instead of the plugin's own instance (which
    ``settings.DISABLE_HOOKS_FOR_PLUGINS`` turns off), last, so that it is called where
    the plugin's hook was: before the project's other hooks.
    """

    def __init__(self) -> None:
        super().__init__()
        self._params: dict[str, Any] = {}
        self._reset()

    def _reset(self) -> None:
        self._owner: dict[str, str] = {}
        self._children: dict[str, str] = {}
        self._remaining: Counter[str] = Counter()
        self._ended: dict[str, float] = {}
        self._node_started: float | None = None
        self._busy: Counter[str] = Counter()  # seconds in each application's own nodes
        self._failed: str | None = None
        self._current: str | None = None
        self._parent: str | None = None

    # ------------------------------------------------------------------------- kedro hooks
    @hook_impl
    def after_context_created(self, context: Any) -> None:
        super().after_context_created(context)
        self._params = context.params

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        self._reset()
        super().before_pipeline_run(run_params, pipeline, catalog)
        if self.run_id is None or mlflow.active_run() is None:
            return
        runner = run_params.get("runner")
        if runner:  # kedro-mlflow tags the object's repr (an address): keep the class name
            mlflow.set_tag("runner", str(runner).split(" object at ")[0].lstrip("<"))
        from kedro.framework.project import pipelines as registered

        owner = application_of_nodes(dict(registered))
        apps = Counter(owner.get(node.name, "") for node in pipeline.nodes)
        apps.pop("", None)
        if len(apps) < 2:
            return
        self._owner, self._remaining, self._parent = owner, apps, self.run_id
        names = sorted(apps)
        mlflow.set_tag("mlflow.runName", _parent_name(names))
        mlflow.set_tag("dl_pipelines.applications", ",".join(names))
        logger.info(
            "MLflow: %d applications in this run, each in a child run of %s: %s.",
            len(names),
            self._parent,
            ", ".join(names),
        )

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: dict[str, Any], is_async: bool):
        inputs = params_to_log(inputs)  # a copy: what the node gets is left alone
        app = self._owner.get(node.name)
        if self._parent is None or app is None:
            return super().before_node_run(node, catalog, inputs, is_async)
        self._leave_children()
        self._current = app
        child = self._children.get(app) or self._open_child(app)
        self._node_started = time.time()
        parent, self.run_id = self.run_id, child
        try:  # kedro-mlflow resumes self.run_id and logs the node's parameters to it
            super().before_node_run(node, catalog, inputs, is_async)
        finally:
            self.run_id = parent

    @hook_impl
    def after_node_run(self, node: Any) -> None:
        app = self._owner.get(node.name)
        if self._parent is not None and app is not None:
            if self._node_started is not None:
                self._busy[app] += time.time() - self._node_started
                self._node_started = None
            self._remaining[app] -= 1
            if self._remaining[app] == 0:
                self._ended[app] = time.time()

    @hook_impl
    def on_node_error(self, node: Any) -> None:
        if self._parent is not None:
            self._failed = self._owner.get(node.name)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        if self._parent is not None:
            self._leave_children()
            self._finish_children(failed=None)
            self._log_summary()
        super().after_pipeline_run(run_params, pipeline, catalog)
        self._reset()

    @hook_impl
    def on_pipeline_error(
        self, error: Exception, run_params: dict[str, Any], pipeline: Any, catalog: Any
    ) -> None:
        if self._parent is not None:
            self._leave_children()
            self._finish_children(failed=self._failed or self._current)
            self._log_summary()
        super().on_pipeline_error(error, run_params, pipeline, catalog)
        self._reset()

    # ----------------------------------------------------------------------------- helpers
    def _open_child(self, app: str) -> str:
        """Create the application's run under the parent, with the parent's tags."""
        client = mlflow.MlflowClient()
        parent = client.get_run(self._parent)
        tags = inherited_tags(parent.data.tags)
        tags.update(
            {
                "mlflow.parentRunId": self._parent,
                APPLICATION_TAG: app,
                "kedro_command": f"kedro run --pipelines {app}",
            }
        )
        child = client.create_run(parent.info.experiment_id, run_name=app, tags=tags)
        self._children[app] = child.info.run_id
        logger.info("MLflow: application %s logs to run %s.", app, child.info.run_id)
        return child.info.run_id

    def _leave_children(self) -> None:
        """Pop the active child runs, so that the parent is the active run again.

        The status of a child is set at the end (:meth:`_finish_children`); in between,
        leaving one marks it FINISHED and resuming it marks it RUNNING.
        """
        children = set(self._children.values())
        while (active := mlflow.active_run()) is not None and active.info.run_id in children:
            mlflow.end_run()

    def _finish_children(self, failed: str | None) -> None:
        client = mlflow.MlflowClient()
        for app, run_id in self._children.items():
            if app == failed:
                status = "FAILED"
            elif self._remaining[app] <= 0:
                status = "FINISHED"
            else:
                status = "KILLED"
            client.set_terminated(run_id, status, end_time=_millis(self._ended.get(app)))

    def _log_summary(self) -> None:
        """Each application's status, run and headline metric, logged to the parent.

        ``seconds`` is the time spent in the application's own nodes: the runner
        interleaves applications, so the span from its first node to its last (its
        child run's start and end) also counts the others' nodes run in between.
        """
        client = mlflow.MlflowClient()
        headlines = self._params.get("headline_metrics") or {}
        rows, metrics = [], {}
        for app in sorted(self._remaining):
            run_id = self._children.get(app)
            run = client.get_run(run_id) if run_id else None
            key = headlines.get(app)
            value = run.data.metrics.get(key) if run is not None and key else None
            if value is not None:
                metrics[f"{app}.{key}"] = value
            rows.append(
                {
                    "application": app,
                    "status": run.info.status if run is not None else "NOT RUN",
                    "run_id": run_id,
                    "headline_metric": key,
                    "value": value,
                    "seconds": round(self._busy[app], 1) if app in self._busy else None,
                }
            )
        if metrics:
            client.log_batch(
                self._parent,
                metrics=[
                    mlflow.entities.Metric(k, float(v), int(time.time() * 1000), 0)
                    for k, v in metrics.items()
                ],
            )
        client.log_dict(self._parent, {"applications": rows}, "summary.json")
        client.log_text(self._parent, _summary_table(rows), "summary.md")
        logger.info("MLflow summary of run %s:\n%s", self._parent, _summary_table(rows))


def _parent_name(apps: list[str]) -> str:
    shown = ", ".join(apps[:3])
    return f"{len(apps)} applications: {shown}" + (f" +{len(apps) - 3}" if len(apps) > 3 else "")


def _millis(seconds: float | None) -> int | None:
    return int(seconds * 1000) if seconds is not None else None


def _summary_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| application | status | headline metric | value | seconds in its nodes | run |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        value = "" if r["value"] is None else f"{r['value']:.4g}"
        seconds = "" if r["seconds"] is None else f"{r['seconds']:.0f}"
        lines.append(
            f"| {r['application']} | {r['status']} | {r['headline_metric'] or ''} | {value} "
            f"| {seconds} | {r['run_id'] or ''} |"
        )
    return "\n".join(lines)
