"""PostgreSQL's own programs (initdb, pg_ctl, psql) for the team tracking server: where
they are installed, and running them as the user PostgreSQL accepts."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from dl_pipelines.tracking.servers import ServerError

#: The unprivileged user that runs PostgreSQL when this process is root.
POSTGRES_SYSTEM_USER = "postgres"


class TeamTrackingError(ServerError):
    """The PostgreSQL cluster or the MLflow server could not be started or stopped."""


class PostgresNotInstalled(TeamTrackingError):
    """PostgreSQL's server programs (initdb, pg_ctl) are not installed."""


def postgres_bin() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``.

    Looks on ``PATH`` first, then in Debian's ``/usr/lib/postgresql/<major>/bin``
    (newest major first), where the ``postgresql`` package puts them.
    """
    on_path = shutil.which("initdb")
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        reverse=True,
        key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
    )
    for folder in ([Path(on_path).parent] if on_path else []) + debian:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresNotInstalled(
        "PostgreSQL's server programs (initdb, pg_ctl) are on neither PATH nor "
        "/usr/lib/postgresql/*/bin: install them with `apt-get install postgresql`."
    )


def as_cluster_owner(command: list[str]) -> list[str]:
    """``command`` as it must run: PostgreSQL's programs refuse to run as root."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        raise TeamTrackingError(
            f"PostgreSQL refuses to run as root and there is no '{POSTGRES_SYSTEM_USER}' "
            "user to run it as: run as an ordinary user, or `apt-get install postgresql` "
            "(which creates it)."
        ) from None
    return ["runuser", "-u", POSTGRES_SYSTEM_USER, "--", *command]


def run_checked(command: list[str], what: str, hint: str = "") -> None:
    """Run ``command``; a non-zero exit raises naming ``what`` failed, its output and ``hint``."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        output = result.stderr.strip() or result.stdout.strip()
        raise TeamTrackingError(f"{what} failed ({result.returncode}):\n{output}\n{hint}".strip())
