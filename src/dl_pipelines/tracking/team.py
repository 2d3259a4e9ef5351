"""A team MLflow tracking server: runs, metrics and the model registry in PostgreSQL.

The default tracking store stays the embedded ``sqlite:///mlflow.db``; this module is
for a team that wants one shared place for runs and registered models. It keeps
everything in one folder::

    <directory>/postgres/     the PostgreSQL cluster (initdb'd on first start, kept after)
    <directory>/password      the cluster's generated password (mode 0600)
    <directory>/artifacts/    every run's artifacts, served by MLflow over HTTP
    <directory>/mlflow.log    the MLflow server's output; mlflow.pid its process group

PostgreSQL listens on 127.0.0.1 only (no Unix socket); ``mlflow server`` runs in its
own process group (:mod:`dl_pipelines.tracking.servers`) so that stopping it stops its worker
processes too. PostgreSQL refuses to run as root: as root its programs run as the
``postgres`` user.

Usage::

    python -m dl_pipelines.tracking.team start [--dir .team_tracking] [--port 5000]
    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 kedro run --pipelines day_night
    python -m dl_pipelines.tracking.team stop [--dir .team_tracking]
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dl_pipelines.tracking.postgres import (
    POSTGRES_SYSTEM_USER,
    TeamTrackingError,
    as_cluster_owner,
    postgres_bin,
    run_checked,
)
from dl_pipelines.tracking.servers import (
    HOST,
    ServerError,
    start_group,
    stop_group,
    tail,
    wait_until_answers,
)

DATABASE = "mlflow"
DATABASE_USER = "mlflow"


@dataclass
class TeamTrackingServer:
    """PostgreSQL on ``postgres_port`` and ``mlflow server`` on ``port``, both on 127.0.0.1.

    ``start()`` then ``stop()``, or use it as a context manager (stops on exit).
    """

    directory: Path
    port: int = 5000
    postgres_port: int = 5433

    def __post_init__(self) -> None:
        self.directory = Path(self.directory).resolve()
        # The folder's layout (see the module's docstring).
        self.cluster = self.directory / "postgres"
        self.artifacts = self.directory / "artifacts"
        self._password_file = self.directory / "password"
        self._pid_file = self.directory / "mlflow.pid"

    @property
    def tracking_uri(self) -> str:
        """What ``MLFLOW_TRACKING_URI`` must be set to for a run to log here."""
        return f"http://{HOST}:{self.port}"

    @property
    def backend_store_uri(self) -> str:
        """The server's store (its password is passed as ``PGPASSWORD``, out of ``ps``)."""
        return f"postgresql+psycopg2://{DATABASE_USER}@{HOST}:{self.postgres_port}/{DATABASE}"

    @property
    def stop_command(self) -> str:
        return f"python -m {__spec__.name} stop --dir {self.directory}"

    # ------------------------------------------------------------------ start / stop
    def start(self, timeout: float = 120.0) -> None:
        """Start PostgreSQL (initdb on first use), create the database, start MLflow.

        Raises:
            PostgresNotInstalled: initdb / pg_ctl are missing.
            ServerError: a step failed; the message carries the program's output.
        """
        if self._postgres_running() or self._pid_file.exists():
            raise TeamTrackingError(
                f"The server of {self.directory} is running or was not stopped: {self.stop_command}"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.artifacts.mkdir(exist_ok=True)
        try:
            self._start_postgres()
            self._create_database()
            self._start_mlflow(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the MLflow server's process group, then PostgreSQL; either may be down."""
        self._stop_mlflow(timeout)
        if self._postgres_running():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(int(timeout)))

    def __enter__(self) -> TeamTrackingServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def connect(self, database: str = DATABASE):
        """A psycopg2 connection to ``database`` (the caller closes it)."""
        import psycopg2

        return psycopg2.connect(
            host=HOST,
            port=self.postgres_port,
            dbname=database,
            user=DATABASE_USER,
            password=self._password(),
            connect_timeout=10,
        )

    # -------------------------------------------------------------------- PostgreSQL
    def _start_postgres(self) -> None:
        if not (self.cluster / "PG_VERSION").exists():
            self._initdb()
        options = f"-p {self.postgres_port} -c listen_addresses={HOST} -c unix_socket_directories="
        log = self.cluster / "postgres.log"
        try:
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(log), "-o", options)
        except TeamTrackingError as error:
            raise TeamTrackingError(f"{error}\nThe end of {log}:\n{tail(log)}") from None

    def _initdb(self) -> None:
        self.cluster.mkdir(mode=0o700, exist_ok=True)
        self._password_file.touch(mode=0o600)
        self._password_file.write_text(secrets.token_urlsafe(24))
        for path in (self.cluster, self._password_file):
            self._give_to_cluster_owner(path)
        run_checked(
            as_cluster_owner(
                [
                    str(postgres_bin() / "initdb"),
                    "-D",
                    str(self.cluster),
                    "-U",
                    DATABASE_USER,
                    "--pwfile",
                    str(self._password_file),
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ]
            ),
            "initdb",
            hint=self._reachability_hint(),
        )

    def _create_database(self) -> None:
        connection = self.connect("postgres")
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE DATABASE {DATABASE}")
        finally:
            connection.close()

    def _postgres_running(self) -> bool:
        if not (self.cluster / "PG_VERSION").exists():
            return False
        status = subprocess.run(
            as_cluster_owner([str(postgres_bin() / "pg_ctl"), "status", "-D", str(self.cluster)]),
            capture_output=True,
            timeout=30,
        )
        return status.returncode == 0

    def _pg_ctl(self, *args: str) -> None:
        run_checked(
            as_cluster_owner([str(postgres_bin() / "pg_ctl"), "-D", str(self.cluster), *args]),
            f"pg_ctl {args[0]}",
        )

    def _password(self) -> str:
        return self._password_file.read_text().strip()

    def _give_to_cluster_owner(self, path: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam(POSTGRES_SYSTEM_USER)
            os.chown(path, user.pw_uid, user.pw_gid)

    def _reachability_hint(self) -> str:
        if os.geteuid() != 0:
            return ""
        return (
            f"PostgreSQL runs as the user '{POSTGRES_SYSTEM_USER}', which must be able "
            f"to enter every folder above {self.cluster} (pytest's and $HOME's are "
            f"private): choose another --dir."
        )

    # ------------------------------------------------------------------------ MLflow
    def _start_mlflow(self, timeout: float) -> None:
        command = [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            self.backend_store_uri,
            "--artifacts-destination",
            str(self.artifacts),
            "--serve-artifacts",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            "1",
        ]
        log = self.directory / "mlflow.log"
        server = start_group(command, log, env=self._mlflow_environment(), cwd=self.directory)
        self._pid_file.write_text(str(server.pid))
        wait_until_answers(f"{self.tracking_uri}/health", server, log, timeout, "mlflow server")

    def _mlflow_environment(self) -> dict[str, str]:
        environment = {**os.environ, "PGPASSWORD": self._password()}
        # MLflow's job runner (seven huey consumer processes) serves GenAI jobs that Keras
        # runs never submit: off unless asked for, it saves memory and seconds at stop.
        environment.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
        return environment

    def _stop_mlflow(self, timeout: float) -> None:
        if not self._pid_file.exists():
            return
        group = int(self._pid_file.read_text())
        if _is_mlflow_group(group):
            stop_group(group, timeout)
        self._pid_file.unlink()


def _is_mlflow_group(group: int) -> bool:
    """False only when the group's leader id now belongs to another program (a stale pid file).

    A leader that is gone or a zombie (empty command line) still leaves its group to stop.
    """
    try:
        command_line = Path(f"/proc/{group}/cmdline").read_bytes()
    except FileNotFoundError:
        return True
    return not command_line or b"mlflow" in command_line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}",
        description="Start or stop a team MLflow tracking server backed by PostgreSQL.",
    )
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(".team_tracking"),
        help="cluster, artifacts and logs (default: .team_tracking)",
    )
    parser.add_argument("--port", type=int, default=5000, help="MLflow's port (default 5000)")
    parser.add_argument(
        "--postgres-port", type=int, default=5433, help="PostgreSQL's port (default 5433)"
    )
    args = parser.parse_args(argv)
    server = TeamTrackingServer(args.dir, args.port, args.postgres_port)
    try:
        if args.action == "start":
            server.start()
            print(
                f"MLflow tracking server: {server.tracking_uri} (runs in PostgreSQL on "
                f"{HOST}:{server.postgres_port}, artifacts in {server.artifacts})\n"
                f"  MLFLOW_TRACKING_URI={server.tracking_uri} kedro run ...\n"
                f"  stop: {server.stop_command}"
            )
        else:
            server.stop()
            print(f"stopped the MLflow server and PostgreSQL of {server.directory}")
    except ServerError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
