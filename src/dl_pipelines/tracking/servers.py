"""Local server processes: start one in its own process group, wait until it answers,
stop the whole group; and ``mlflow models serve`` for a registered model.

MLflow's servers start worker processes (uvicorn) that outlive a SIGTERM to the parent,
so every server here is the leader of a new session and is stopped by signalling its
whole process group. Only loopback addresses are used.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """A server that would not start, answer or stop."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file ('' when it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def start_group(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """Start ``command`` as the leader of a new process group, output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def wait_until_answers(
    url: str, process: subprocess.Popen, log: Path, timeout: float, what: str
) -> None:
    """Poll ``url`` until it answers; fail with the log's end if ``process`` exits first
    or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            why = (
                "exited" if process.poll() is not None else f"did not answer within {timeout:.0f} s"
            )
            raise ServerError(f"{what} {why}; the end of {log}:\n{tail(log)}")
        time.sleep(0.5)


def wait_for_group_exit(group: int, timeout: float) -> bool:
    """Wait until no process of ``group`` is left; reap its leader if it is our child."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(group, os.WNOHANG)
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def stop_group(group: int, timeout: float = 30.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``timeout`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, sig)
        if wait_for_group_exit(group, timeout):
            return
    raise ServerError(f"Process group {group} did not stop.")


class ModelServer:
    """``mlflow models serve`` of a registered model, as a context manager.

    Runs ``python -m mlflow models serve -m models:/<name>/<version> --env-manager
    local --host 127.0.0.1 -p <port>`` in this Python environment (``--env-manager
    local``: no virtualenv is built, nothing is downloaded) and posts inputs to its
    ``/invocations`` endpoint in MLflow's ``{"inputs": …}`` JSON format.

    Args:
        model_uri: ``models:/<name>/<version>``.
        tracking_uri: The tracking/registry URI the model is registered in.
        log: Where the server's output goes.
        port: A free port is chosen when not given.
    """

    def __init__(
        self, model_uri: str, tracking_uri: str, log: Path, port: int | None = None
    ) -> None:
        self.model_uri = model_uri
        self.tracking_uri = tracking_uri
        self.log = Path(log)
        self.port = port or free_port()
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 180.0) -> ModelServer:
        bin_dir = str(Path(sys.executable).parent)  # uvicorn is found on PATH
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        command = [
            sys.executable,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            self.model_uri,
            "--env-manager",
            "local",
            "--host",
            HOST,
            "-p",
            str(self.port),
            "--workers",
            "1",
        ]
        self._process = start_group(command, self.log, env=env)
        try:
            wait_until_answers(
                f"{self.url}/ping",
                self._process,
                self.log,
                timeout,
                f"mlflow models serve {self.model_uri}",
            )
        except ServerError:
            self.stop()
            raise
        return self

    def predict(self, x: np.ndarray, timeout: float = 120.0) -> np.ndarray:
        """The served model's outputs for the batch ``x``."""
        body = json.dumps({"inputs": np.asarray(x, dtype=np.float32).tolist()}).encode()
        request = urllib.request.Request(
            f"{self.url}/invocations", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return np.asarray(answer["predictions"], dtype=np.float32)

    def stop(self) -> None:
        if self._process is not None:
            stop_group(self._process.pid)
            self._process = None

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
