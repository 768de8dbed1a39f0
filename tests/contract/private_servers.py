"""Database and Redis servers of the test run's own, on free ports, stopped and started at will.

The outage tests take these down and bring them back: the machine's own servers are never
touched. Each keeps its data in a directory of its own, removed when the server is closed.
PostgreSQL refuses to run as root and MariaDB runs as the user it is told, so when the tests
run as root both run as their system users (``postgres``, ``mysql``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from apigen import smoke

START_TIMEOUT = 60


class ServerUnavailableError(Exception):
    """A server's programs are not installed; the message names what is missing."""


def _binary(name: str, *patterns: str) -> str:
    """The path of program ``name``: the newest match of ``patterns``, else from ``PATH``."""
    for pattern in patterns:
        if matches := sorted(Path("/").glob(pattern.lstrip("/"))):
            return str(matches[-1])
    if found := shutil.which(name):
        return found
    raise ServerUnavailableError(f"{name} is not installed")


def _run_as(user: str) -> list[str]:
    """The prefix that runs a command as ``user`` when the tests run as root."""
    if os.geteuid() != 0:
        return []
    return [_binary("runuser", "/usr/sbin/runuser"), "-u", user, "--"]


def _data_dir(prefix: str, user: str) -> Path:
    """A fresh directory outside pytest's (root-only) temporary tree, owned by ``user``."""
    path = Path(tempfile.mkdtemp(prefix=f"apigen-{prefix}-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"the server on port {port} did not start:\n{tail}")


class PostgreSQL:
    """A PostgreSQL cluster made with ``initdb``, run with ``pg_ctl``."""

    user = "postgres"

    def __init__(self) -> None:
        self.bin = Path(_binary("pg_ctl", "/usr/lib/postgresql/*/bin/pg_ctl")).parent
        self.port = smoke.free_port()
        self.dir = _data_dir("postgres", self.user)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"
        self._pg(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
            *("--no-sync", "--no-instructions", "-E", "UTF8"),
        )

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run(
            [*_run_as(self.user), str(self.bin / program), *args],
            check=True,
            capture_output=True,
            cwd=self.dir,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
            " -c max_connections=200"
        )
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop the server; its clients are disconnected (``-m fast``)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> None:
        """Create an empty database."""
        subprocess.run(
            [
                *(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)),
                *("-U", "postgres", name),
            ],
            check=True,
            capture_output=True,
        )

    def close(self) -> None:
        """Stop the server if it runs and remove its data."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class MariaDB:
    """A MariaDB server made with ``mariadb-install-db``, run as ``mariadbd``."""

    user = "mysql"

    def __init__(self) -> None:
        self.server = _binary("mariadbd", "/usr/sbin/mariadbd")
        install = _binary("mariadb-install-db", "/usr/bin/mariadb-install-db")
        self.client = _binary("mariadb", "/usr/bin/mariadb")
        self.port = smoke.free_port()
        self.dir = _data_dir("mariadb", self.user)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.url = f"mysql://root@127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        subprocess.run(
            [
                *(install, "--no-defaults", f"--datadir={self.data}", f"--user={self._user()}"),
                *("--auth-root-authentication-method=normal", "--skip-test-db"),
            ],
            check=True,
            capture_output=True,
        )

    def _user(self) -> str:
        return self.user if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(self.server, "--no-defaults", f"--datadir={self.data}"),
                    *(f"--port={self.port}", "--bind-address=127.0.0.1"),
                    *(f"--socket={self.dir / 'mysqld.sock'}", f"--pid-file={self.dir / 'pid'}"),
                    *(f"--user={self._user()}", "--skip-name-resolve", "--innodb-fast-shutdown=1"),
                    f"--log-error={self.log}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        """Stop the server (SIGTERM: a clean shutdown that drops its clients)."""
        if self.process is not None:
            smoke.stop(self.process)
            self.process = None

    def create_database(self, name: str) -> None:
        """Create an empty database."""
        subprocess.run(
            [
                *(self.client, "--no-defaults", "-h", "127.0.0.1", "-P", str(self.port)),
                *("-u", "root", "-e", f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            ],
            check=True,
            capture_output=True,
        )

    def close(self) -> None:
        """Stop the server if it runs and remove its data."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A ``redis-server`` that keeps nothing on disk."""

    def __init__(self) -> None:
        self.server = _binary("redis-server", "/usr/bin/redis-server")
        self.port = smoke.free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="apigen-redis-"))
        self.log = self.dir / "server.log"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(self.server, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.dir)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            smoke.stop(self.process)
            self.process = None

    def close(self) -> None:
        """Stop the server if it runs and remove its directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
