"""Live services for the contract suite: one per combination, started once and shared.

A service is a generated project, rendered and installed by :mod:`apigen.smoke`, migrated into
its own database, given two users (``alice`` and ``bob``) and served by gunicorn in production
mode behind a pretend TLS-terminating proxy. Beside the main instance, a combination can start
variants on the same project: ``throttled`` (low rates) and ``unready`` (an unreachable
database, every other setting left at its default).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from apigen import smoke

PASSWORD = "correct-horse-battery-staple"
USERS = ("alice", "bob")
CORS_ORIGIN = "https://app.example.com"
ALLOWED_HOSTS = "127.0.0.1,localhost"
# Rates high enough that nothing but the throttling tests is ever throttled.
UNTHROTTLED = "1000000/minute"
THROTTLE_RATE = 3


class ServiceStartError(Exception):
    """A combination could not be brought up; ``output`` holds what its commands printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output

    def __str__(self) -> str:
        tail = "\n".join(self.output.splitlines()[-60:])
        return f"{self.args[0]}\n{tail}".strip()


@dataclass
class Service:
    """One live instance of a generated project."""

    combination: smoke.Combination
    base_url: str
    secret_key: str
    env: Mapping[str, str]
    log_path: Path
    # Under auth=apikey: each user's key, made with ``create-api-key`` (shared by instances).
    api_keys: Mapping[str, str] = field(default_factory=dict)
    # Under auth=oauth2: the local authorization server whose tokens it accepts.
    issuer: smoke.LocalIssuer | None = None

    @property
    def id(self) -> str:
        """The combination's identifier, e.g. ``drf-jwt-postgresql-noredis``."""
        return self.combination.id

    @property
    def framework(self) -> str:
        """The framework answer (only the harness needs it)."""
        return str(self.combination.answers["framework"])

    @property
    def auth(self) -> str:
        """The auth scheme answer."""
        return str(self.combination.answers["auth"])

    @property
    def redis(self) -> bool:
        """Whether the service keeps its cache and throttle counters in Redis."""
        return bool(self.combination.answers["redis"])

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the Host the clients send."""
        return self.base_url.split("://", 1)[1]

    def log(self) -> str:
        """The last lines gunicorn and the service printed."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-40:])


@dataclass
class _Live:
    """Everything started for one combination, stopped together."""

    runner: ContractRunner
    stack: contextlib.ExitStack
    issuer: smoke.LocalIssuer | None = None
    main: Service | None = None
    variants: dict[str, Service] = field(default_factory=dict)
    recorded: dict[str, Any] = field(default_factory=dict)


class ContractRunner(smoke.Runner):
    """apigen's smoke runner, with two users and servers that can run side by side."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_keys: dict[str, str] = {}

    def migrate(self, env: Mapping[str, str]) -> None:
        """Apply the migrations with the project's own command."""
        if self.framework == "drf":
            self.run(("python", "manage.py", "migrate", "--noinput"), env=env)
        else:
            self.run(("flask", "--app", self.package, "db", "upgrade"), env=env)

    def create_user(self, username: str, env: Mapping[str, str]) -> None:
        """Create a user from the command line, as the project's README says."""
        if self.framework == "drf":
            command: tuple[str, ...] = (
                *("python", "manage.py", "createsuperuser", "--noinput"),
                *("--username", username, "--email", f"{username}@example.com"),
            )
        else:
            command = ("flask", "--app", self.package, "create-user", username)
            command += ("--password", PASSWORD)
        self.run(command, env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD})
        if self.combination.answers["auth"] == "apikey":
            self.api_keys[username] = self.create_api_key(username, env)

    def manage(self, *arguments: str, env: Mapping[str, str]) -> str:
        """Run one of the project's own commands (``manage.py`` or ``flask``); its output."""
        if self.framework == "drf":
            return self.run(("python", "manage.py", *arguments), env=env)
        return self.run(("flask", "--app", self.package, *arguments), env=env)

    @property
    def framework(self) -> str:
        """The framework answer."""
        return str(self.combination.answers["framework"])

    def command(self, port: int) -> list[str]:
        """The gunicorn command line of the harness."""
        wsgi = (
            f"{self.package}.wsgi:application"
            if self.framework == "drf"
            else f"{self.package}:create_app()"
        )
        gunicorn = str(self.venv / "bin" / "gunicorn") if self.venv else "gunicorn"
        return [
            *(gunicorn, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--no-control-socket", wsgi),
        ]

    def process_env(self, env: Mapping[str, str], *, drop: tuple[str, ...] = ()) -> dict[str, str]:
        """The environment a server runs with: ours over the harness's over the caller's."""
        full = {**os.environ, **self.env, **env}
        for name in ("PYTHONPATH", *drop):
            full.pop(name, None)
        if self.venv is not None:
            full["VIRTUAL_ENV"] = str(self.venv)
            full["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{full['PATH']}"
        return full

    @contextlib.contextmanager
    def serve(
        self, env: Mapping[str, str], name: str, *, wait_for: str = "health"
    ) -> Iterator[tuple[str, Path]]:
        """Start gunicorn with ``env`` on a free port; stop it on exit.

        ``wait_for="health"`` polls ``/health``; ``"port"`` only waits for the socket, so that
        no request reaches the service before the test's own (throttle counters start at 0).
        """
        port = smoke.free_port()
        log_path = self.workdir / f"{self.combination.id}.{name}.log"
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                self.command(port),
                cwd=self.project,
                env=self.process_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(base_url, process, log_path, health=wait_for == "health")
            yield base_url, log_path
        finally:
            smoke.stop(process)


def wait_until_up(
    base_url: str,
    process: subprocess.Popen[bytes],
    log_path: Path,
    *,
    health: bool = True,
    timeout: float = 90,
) -> None:
    """Wait until the server answers ``/health`` (or accepts connections)."""
    port = int(base_url.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceStartError(
                f"gunicorn exited with {process.returncode} before answering",
                log_path.read_text(encoding="utf-8", errors="replace"),
            )
        with contextlib.suppress(OSError, httpx.HTTPError):
            if not health:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    # Give the workers time to boot: the socket is the master's.
                    time.sleep(2.5)
                    return
            answer = httpx.get(base_url + "/health", timeout=5)
            if answer.status_code == 200:
                return
        time.sleep(0.25)
    smoke.stop(process)
    raise ServiceStartError(
        f"gunicorn did not answer within {timeout:.0f} s",
        log_path.read_text(encoding="utf-8", errors="replace"),
    )


def unreachable_database_url(database: str, workdir: Path) -> str:
    """A DATABASE_URL for the project's database engine that cannot be reached."""
    if database == "sqlite":
        return f"sqlite:///{workdir / 'no-such-directory' / 'db.sqlite3'}"
    port = smoke.free_port()  # nothing listens there
    if database == "postgresql":
        return f"postgresql://postgres@127.0.0.1:{port}/apigen_unreachable"
    return f"mysql://root@127.0.0.1:{port}/apigen_unreachable"


class Pool:
    """Starts services on demand and keeps one combination's services alive at a time.

    What ``on_start`` records is also written to ``records_dir`` when one is given, where the
    pools of other pytest-xdist workers find it: a cross-framework test then compares with a
    twin another worker served instead of starting that twin again. ``runner_class`` makes
    the runners (another one points the services at other servers).
    """

    def __init__(
        self,
        workdir: Path,
        environments: smoke.Environments,
        on_start: Callable[[Service], dict[str, Any]] | None = None,
        records_dir: Path | None = None,
        runner_class: Callable[..., ContractRunner] = ContractRunner,
    ) -> None:
        self.workdir = workdir
        self.environments = environments
        self.runner_class = runner_class
        self.on_start = on_start
        self.records_dir = records_dir
        if records_dir is not None:
            records_dir.mkdir(parents=True, exist_ok=True)
        self._live: dict[str, _Live] = {}
        self._failed: dict[str, ServiceStartError] = {}
        self.recorded: dict[str, dict[str, Any]] = {}

    # The main instance ------------------------------------------------------------------

    def service(self, combination: smoke.Combination) -> Service:
        """The combination's main instance, started (and recorded) on first use."""
        live = self._bring_up(combination)
        if live.main is None:
            raise ServiceStartError(f"{combination.id}: the main instance is not running")
        return live.main

    def variant(self, combination: smoke.Combination, name: str) -> Service:
        """A second instance of the same project with other settings (see module doc)."""
        live = self._bring_up(combination)
        if name not in live.variants:
            runner = live.runner
            secret_key = secrets.token_urlsafe(50)
            env: dict[str, str] = {"ENVIRONMENT": "production", "SECRET_KEY": secret_key}
            env |= smoke.auth_settings(str(combination.answers["auth"]))
            if live.issuer is not None:
                env |= live.issuer.settings
            wait_for = "health"
            if name == "throttled":
                rate = f"{THROTTLE_RATE}/minute"
                env |= {
                    "ALLOWED_HOSTS": ALLOWED_HOSTS,
                    "API_THROTTLE_ANON": rate,
                    "API_THROTTLE_USER": rate,
                }
                if combination.answers["redis"]:
                    # Its own Redis database: counters from other instances never leak in.
                    env["REDIS_URL"] = (
                        smoke.REDIS_URL.rsplit("/", 1)[0]
                        + "/"
                        + str(
                            random.randint(1, 15)  # noqa: S311 - not a secret
                        )
                    )
                wait_for = "port"
            elif name == "unready":
                env["DATABASE_URL"] = unreachable_database_url(
                    str(combination.answers["database"]), self.workdir
                )
            else:
                raise ValueError(f"unknown variant {name!r}")
            try:
                base_url, log_path = live.stack.enter_context(
                    runner.serve(env, name, wait_for=wait_for)
                )
            except ServiceStartError as exc:
                raise ServiceStartError(
                    f"{combination.id}: the {name} instance did not start", exc.output
                ) from None
            live.variants[name] = Service(
                combination, base_url, secret_key, env, log_path, runner.api_keys, live.issuer
            )
        return live.variants[name]

    def runner(self, combination: smoke.Combination) -> ContractRunner:
        """The runner holding the combination's project and environment."""
        return self._bring_up(combination).runner

    def records(self, combination: smoke.Combination) -> dict[str, Any]:
        """What ``on_start`` recorded when the combination's main instance started."""
        if combination.id not in self.recorded:
            shared = self._shared_record(combination)
            if shared is not None and self._await_share(shared):
                self.recorded[combination.id] = json.loads(shared.read_text(encoding="utf-8"))
            else:
                self._bring_up(combination)
        return self.recorded[combination.id]

    def _shared_record(self, combination: smoke.Combination) -> Path | None:
        if self.records_dir is None:
            return None
        return self.records_dir / f"{combination.id}.json"

    @staticmethod
    def _starting(shared: Path) -> Path:
        """The marker a worker keeps beside ``shared`` while it starts that combination."""
        return shared.with_suffix(".starting")

    def _await_share(self, shared: Path, timeout: float = 300) -> bool:
        """Whether ``shared`` exists, waiting while another worker is still starting it."""
        starting = self._starting(shared)
        deadline = time.monotonic() + timeout
        while not shared.exists() and starting.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        return shared.exists()

    def _share(self, combination: smoke.Combination) -> None:
        shared = self._shared_record(combination)
        records = self.recorded[combination.id]
        if shared is None or "error" in records:
            return
        partial = shared.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(records), encoding="utf-8")
        partial.replace(shared)  # whole or absent, never half-written

    # Lifecycle ---------------------------------------------------------------------------

    def _bring_up(self, combination: smoke.Combination) -> _Live:
        if combination.id in self._failed:
            raise self._failed[combination.id]
        if combination.id in self._live:
            return self._live[combination.id]
        self.close()  # one combination at a time: two cores are shared with others
        shared = self._shared_record(combination)
        starting = None if shared is None else self._starting(shared)
        if starting is not None:
            starting.touch()  # other workers wait for the record instead of starting it too
        try:
            live = self._start(combination)
        except ServiceStartError as exc:
            self._failed[combination.id] = exc
            raise
        finally:
            if starting is not None:
                starting.unlink(missing_ok=True)
        self._live[combination.id] = live
        return live

    def _start(self, combination: smoke.Combination) -> _Live:
        runner = self.runner_class(combination, self.workdir / "projects", self.environments)
        runner.workdir.mkdir(parents=True, exist_ok=True)
        stack = contextlib.ExitStack()
        live = _Live(runner, stack)
        secret_key = secrets.token_urlsafe(50)
        env = {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": ALLOWED_HOSTS,
            "CORS_ALLOWED_ORIGINS": CORS_ORIGIN,
            "API_THROTTLE_ANON": UNTHROTTLED,
            "API_THROTTLE_USER": UNTHROTTLED,
            **smoke.auth_settings(str(combination.answers["auth"])),
        }
        step = "render"
        try:
            runner.render()
            step = "install"
            runner.install()
            step = "database"
            stack.enter_context(runner.database())
            step = "add"
            runner.add()  # the resources of test_resources.py
            if combination.answers["auth"] == "oauth2":
                step = "local issuer"
                live.issuer = stack.enter_context(runner.local_issuer())
                env |= live.issuer.settings
            step = "migrate"
            runner.migrate(env)
            if combination.answers["auth"] != "none":
                step = "create users"
                for user in USERS:
                    runner.create_user(user, env)
            step = "serve"
            base_url, log_path = stack.enter_context(runner.serve(env, "main"))
        except (smoke.StepFailedError, ServiceStartError) as exc:
            stack.close()
            raise ServiceStartError(
                f"{combination.id}: {step} failed: {exc.args[0]}", getattr(exc, "output", "")
            ) from None
        except Exception as exc:
            stack.close()
            raise ServiceStartError(f"{combination.id}: {step} failed: {exc!r}") from exc
        live.main = Service(
            combination, base_url, secret_key, env, log_path, runner.api_keys, live.issuer
        )
        if self.on_start is not None:
            try:
                self.recorded[combination.id] = self.on_start(live.main)
            except Exception as exc:  # recorded, and reported by the tests that need it
                self.recorded[combination.id] = {"error": f"{type(exc).__name__}: {exc}"}
            self._share(combination)
        else:
            self.recorded[combination.id] = {}
        return live

    def close(self) -> None:
        """Stop every server started and drop the databases."""
        while self._live:
            _, live = self._live.popitem()
            live.stack.close()
