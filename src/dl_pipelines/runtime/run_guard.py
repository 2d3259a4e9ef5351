"""One writer per project, and MLflow run states that tell the truth.

A ``kedro run`` reads and writes the project's ``data/`` folders and its tracking store:
two runs at once would read each other's intermediate data (run A evaluated on run B's
test split). :class:`RunGuard` therefore takes an exclusive lock on the project
(``.kedro-run.lock`` at its root, through the ``filelock`` package: an OS lock that the
kernel drops when the process dies, however it dies) before the run starts, and writes
who holds it to ``.kedro-run.json``: the PID, the pipelines, the environment, the start
time and, once kedro-mlflow has opened it, the MLflow run. A second run exits at once
with a message naming the first.

The same record tells the truth about interrupted runs:

* SIGINT (Ctrl-C) and SIGTERM (a scheduler) raise :class:`RunInterrupted` in the main
  thread, which stops the run between two Python steps; when the process exits, the MLflow
  run is ended as ``KILLED`` (not ``FINISHED``, as MLflow's own exit handler would) and
  the lock is released.
* SIGKILL (an OOM killer) cannot be caught: the process dies holding the lock and leaves
  its record behind. The next run takes the lock (the kernel released it, so the holder
  is dead), finds the record, and ends the recorded MLflow run as ``KILLED`` if it is
  still ``RUNNING``.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import socket
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

LOCK_FILE = ".kedro-run.lock"
RECORD_FILE = ".kedro-run.json"
#: Tag set on a run that this module ended as KILLED, saying why.
KILLED_TAG = "dl_pipelines.killed_by"
#: The signals that end a run as KILLED.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ConcurrentRunError(RuntimeError):
    """Another ``kedro run`` of this project is running."""


class RunInterrupted(KeyboardInterrupt):
    """The run received SIGINT or SIGTERM.

    A ``KeyboardInterrupt``: no ``except Exception`` in a node swallows it, and Kedro
    stops the run as it does on Ctrl-C.
    """


class RunGuard:
    """The lock and record of the one run a project may have at a time.

    Args:
        project_path: The Kedro project's root folder.
    """

    def __init__(self, project_path: str | Path) -> None:
        from filelock import FileLock

        self.project_path = Path(project_path)
        self.lock_path = self.project_path / LOCK_FILE
        self.record_path = self.project_path / RECORD_FILE
        self._lock = FileLock(self.lock_path, thread_local=False)
        self._record: dict[str, Any] = {}
        self._previous_handlers: dict[int, Any] = {}
        self.interrupted_by: str | None = None
        self._atexit_registered = False

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    # ------------------------------------------------------------------------ locking
    def acquire(self, pipelines: list[str] | None, env: str | None) -> None:
        """Take the project's lock, or raise naming the run that holds it.

        A record left by a holder that died (SIGKILL) is read first: its MLflow run is
        ended as KILLED if it is still RUNNING.

        Raises:
            ConcurrentRunError: naming the running one's PID, pipelines and start time.
        """
        from filelock import Timeout

        if self.held:
            return
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise ConcurrentRunError(self._refusal()) from None
        stale = _read_json(self.record_path)
        if stale:
            self._end_stale_run(stale)
        self._record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "pipelines": list(pipelines or ["__default__"]),
            "env": env,
            "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        self._write_record()
        if not self._atexit_registered:  # after MLflow's own exit handler: runs before it
            atexit.register(self._at_exit)
            self._atexit_registered = True

    def record_run(self, run_id: str, tracking_uri: str) -> None:
        """Add the MLflow run of this ``kedro run`` to the record."""
        if self.held and self._record.get("mlflow_run_id") != run_id:
            self._record.update(mlflow_run_id=run_id, tracking_uri=tracking_uri)
            self._write_record()

    @property
    def run_recorded(self) -> bool:
        return "mlflow_run_id" in self._record

    def release(self) -> None:
        """Restore the signal handlers, delete the record, then release the lock."""
        self.restore_signal_handlers()
        if self.held:
            self.record_path.unlink(missing_ok=True)
            self._lock.release(force=True)
        self._record = {}

    def _refusal(self) -> str:
        holder = _read_json(self.record_path)
        if holder:
            who = (
                f"PID {holder.get('pid')} on {holder.get('host')}, pipelines "
                f"{', '.join(holder.get('pipelines') or [])}, env {holder.get('env')}, "
                f"started {holder.get('started')}"
            )
            if holder.get("mlflow_run_id"):
                who += f", MLflow run {holder['mlflow_run_id']}"
        else:
            who = "its record is not written yet"
        return (
            f"Another `kedro run` of this project is running ({who}). Runs of one "
            f"project share its data/ folders and tracking store, so only one may run "
            f"at a time: wait for it to finish, or stop it (kill {holder.get('pid', '<pid>')}"
            f"), then run again. The lock is {self.lock_path}."
        )

    def _write_record(self) -> None:
        tmp = self.record_path.with_name(self.record_path.name + ".tmp")
        tmp.write_text(json.dumps(self._record, indent=2))
        os.replace(tmp, self.record_path)

    def _end_stale_run(self, stale: dict[str, Any]) -> None:
        run_id, uri = stale.get("mlflow_run_id"), stale.get("tracking_uri")
        if not run_id or not uri:
            return
        reason = (
            f"process {stale.get('pid')} on {stale.get('host')} died without ending "
            "it (SIGKILL or a crash); found by the next run"
        )
        if _end_run_as_killed(run_id, uri, reason):
            logger.warning(
                "MLflow run %s (pipelines %s, started %s) was left RUNNING by %s: marked KILLED.",
                run_id,
                ", ".join(stale.get("pipelines") or []),
                stale.get("started"),
                f"PID {stale.get('pid')}",
            )

    # ------------------------------------------------------------------------ signals
    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM raise :class:`RunInterrupted` (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in SIGNALS:
            if signum not in self._previous_handlers:
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous_handlers = {}

    def _on_signal(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.interrupted_by is None:
            self.interrupted_by = name
            logger.error(
                "Received %s: stopping the run; its MLflow run will be marked KILLED.", name
            )
        raise RunInterrupted(f"the run received {name}")

    def finish_interrupted(self) -> None:
        """End an interrupted run's MLflow run as KILLED and release the lock.

        Called at exit, and by the next run of the same process (a notebook) before
        kedro-mlflow looks for an active run.
        """
        if self.interrupted_by is not None:
            import mlflow

            reason = f"{self.interrupted_by} to PID {os.getpid()}"
            active = mlflow.active_run()
            run_id = self._record.get("mlflow_run_id") or (active and active.info.run_id)
            if active is not None:
                mlflow.set_tag(KILLED_TAG, reason)
            while mlflow.active_run() is not None:  # nested runs, or one run resumed twice
                mlflow.end_run("KILLED")
            if run_id:
                _end_run_as_killed(
                    run_id, self._record.get("tracking_uri") or mlflow.get_tracking_uri(), reason
                )
            self.interrupted_by = None
        self.release()

    def _at_exit(self) -> None:
        try:
            self.finish_interrupted()
        except Exception:  # noqa: BLE001 - at exit, a failure must not hide the run's own
            logger.exception("Could not end the interrupted MLflow run as KILLED.")


def _end_run_as_killed(run_id: str, tracking_uri: str, reason: str) -> bool:
    """End the MLflow run as KILLED if it is still RUNNING; whether it was."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        if client.get_run(run_id).info.status != "RUNNING":
            return False
        client.set_tag(run_id, KILLED_TAG, reason)
        client.set_terminated(run_id, "KILLED")
    except MlflowException as error:
        logger.warning("Could not mark MLflow run %s KILLED: %s", run_id, error)
        return False
    return True


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
