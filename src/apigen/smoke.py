"""Render, install, lint, test and serve generated projects: ``apigen smoke`` and the slow tests.

Each combination of answers goes through the same steps, in its own temporary directory:

``render``  apigen renders the project (the same code path as ``apigen new``).
``install`` ``uv sync`` into an environment shared by every combination whose dependencies are
            equal (keyed by a hash of the dependency tables), with one uv cache for all.
``lint``    ``ruff check``, ``ruff format --check`` and ``mypy``.
``test``    the project's own test suite, against the real database and Redis it was made for.
``serve``   migrations, a user, gunicorn on a free 127.0.0.1 port, and live requests: ``/health``,
            ``/ready`` and the whole items lifecycle with the chosen auth scheme.

Servers: PostgreSQL, MySQL/MariaDB and Redis are expected on 127.0.0.1 at their usual ports
(overridable with ``APIGEN_POSTGRES_URL``, ``APIGEN_MYSQL_URL`` and ``APIGEN_REDIS_URL``); each
combination gets its own database, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apigen import options
from apigen.errors import ApigenError, UsageError

STEPS = ("render", "install", "add", "lint", "test", "serve")
TAIL_LINES = 30

POSTGRES_URL = os.environ.get("APIGEN_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
MYSQL_URL = os.environ.get("APIGEN_MYSQL_URL", "mysql://root@127.0.0.1:3306")
REDIS_URL = os.environ.get("APIGEN_REDIS_URL", "redis://127.0.0.1:6379/0")

# Commits the add step makes in a throwaway project.
_GIT_IDENTITY = ("-c", "user.name=apigen smoke", "-c", "user.email=smoke@apigen.invalid")

USERNAME = "alice"
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - a throwaway user of a throwaway service

_MIGRATE = {
    "drf": ("python", "manage.py", "migrate", "--noinput"),
    "flask-restful": ("flask", "--app", "{package}", "db", "upgrade"),
}
_CREATE_USER = {
    "drf": (
        "python",
        "manage.py",
        "createsuperuser",
        "--noinput",
        "--username",
        USERNAME,
        "--email",
        f"{USERNAME}@example.com",
    ),
    "flask-restful": (
        *("flask", "--app", "{package}", "create-user", USERNAME),
        *("--password", PASSWORD),
    ),
}
_CREATE_API_KEY = {
    "drf": ("python", "manage.py", "create-api-key"),
    "flask-restful": ("flask", "--app", "{package}", "create-api-key"),
}
# What ``create-api-key`` prints: ``<prefix>.<secret>`` (djangorestframework-api-key's form).
API_KEY = re.compile(r"^[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}$", re.MULTILINE)
# The audience of the local issuer's tokens, and the scope that lets them write.
OAUTH2_AUDIENCE = "apigen-smoke"
WRITE_SCOPE = "api:write"
_WSGI = {"drf": "{package}.wsgi:application", "flask-restful": "{package}:create_app()"}
_LINT = (("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy", "."))
# What the add step adds, as `apigen add resource` would: every field type, and a reference
# whose target refuses to be deleted while referred to.
ADDED_RESOURCES = (
    ("authors", ("name:string:unique:max=80", "homepage:url:optional")),
    (
        "books",
        (
            "title:string:min=1:max=200",
            "summary:text:optional",
            "pages:integer:min=1:max=10000",
            "price:decimal:min=0",
            "in_print:boolean:default=true",
            "published:date:optional",
            "printed_at:datetime:optional",
            "contact:email:optional",
            "isbn:uuid:unique",
            "status:choice:draft/published:default=draft",
            "author:ref:authors",
        ),
    ),
)


class StepFailedError(Exception):
    """A step failed; ``output`` holds what its commands printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class Combination:
    """One set of answers to smoke."""

    answers: options.Answers

    @property
    def id(self) -> str:
        """A readable identifier such as ``drf-jwt-postgresql-redis``.

        The ORM is named only when it is not the framework's own: ``flask-restful-peewee-...``.
        """
        return "-".join(self._parts(long=True))

    @property
    def project_name(self) -> str:
        """A project name within the length limit, unique per combination: ``fr-jwt-pg-r``."""
        return "-".join(self._parts(long=False))

    def _parts(self, *, long: bool) -> list[str]:
        a = self.answers
        short = {"flask-restful": "fr", "peewee": "pw", "sqlite": "lite", "postgresql": "pg"}
        parts = [str(a["framework"])]
        if a["orm"] != options.FRAMEWORKS[str(a["framework"])].default_orm:
            parts.append(str(a["orm"]))
        parts += [str(a["auth"]), str(a["database"])]
        parts.append(
            ("redis" if a["redis"] else "noredis") if long else ("r" if a["redis"] else "nr")
        )
        return parts if long else [short.get(p, p) for p in parts]


@dataclass
class StepResult:
    """How one step went."""

    name: str
    ok: bool
    seconds: float
    message: str = ""
    output: str = ""


@dataclass
class Result:
    """How one combination went, step by step."""

    combination: Combination
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every step ran and passed."""
        return len(self.steps) == len(STEPS) and all(s.ok for s in self.steps)

    @property
    def failed_step(self) -> StepResult | None:
        """The step that failed, if one did."""
        return next((s for s in self.steps if not s.ok), None)

    @property
    def seconds(self) -> float:
        """The combination's wall time."""
        return sum(s.seconds for s in self.steps)


def select(
    filters: Mapping[str, tuple[str, ...]] | None = None, *, covering: bool = False
) -> list[Combination]:
    """The supported combinations (or the covering subset), narrowed by values per question."""
    pool = covering_subset() if covering else [Combination(a) for a in options.combinations()]
    return [
        c
        for c in pool
        if all(not v or str(c.answers[k]).lower() in v for k, v in (filters or {}).items())
    ]


def covering_subset() -> list[Combination]:
    """A small set that holds every value of every option, paired with every framework.

    Within a framework and each of its ORMs, auth walks its values while database and Redis
    cycle beside it, so each framework x option-value pair (and each ORM x option-value pair)
    appears at least once. The cycle is the same for every framework and ORM, so each
    Flask-RESTful combination has a DRF twin with the same answers (the contract suite
    compares them).
    """
    chosen = []
    auths = options.QUESTIONS["auth"].choices
    databases = options.QUESTIONS["database"].choices
    for framework in options.FRAMEWORKS.values():
        for orm in framework.orms:
            for i, auth in enumerate(auths):
                answers: dict[str, str | bool | None] = {
                    "framework": framework.name,
                    "orm": orm,
                    "auth": auth,
                    "database": databases[i % len(databases)],
                    "redis": i % 2 == 1,
                }
                chosen.append(Combination(options.complete(answers)))
    return chosen


# -- environments ---------------------------------------------------------------------------


class Environments:
    """Virtual environments shared by projects whose dependency tables are equal."""

    def __init__(self, root: Path, python: str | None = None) -> None:
        """Keep environments under ``root``, made with ``python`` (default: this one).

        ``python`` is a version (``3.13``) or an interpreter's path, as uv takes it.
        """
        self.root = root
        self.python = sys.executable if python is None else find_python(python)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @functools.cached_property
    def python_version(self) -> str:
        """The full version of the interpreter the environments use (part of their key)."""
        result = subprocess.run(
            [self.python, "-c", "import sys; print(sys.version)"],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout.strip() or self.python

    def key(self, project: Path) -> str:
        """A hash of what decides the environment's contents."""
        data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        relevant = {
            "requires-python": data["project"].get("requires-python"),
            "dependencies": sorted(data["project"].get("dependencies", [])),
            "groups": data.get("dependency-groups", {}),
            "python": self.python_version,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]

    def prepare(self, project: Path, run: Callable[..., str]) -> Path:
        """The environment for ``project``, installed on first use."""
        key = self.key(project)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        venv = self.root / key
        self.root.mkdir(parents=True, exist_ok=True)
        # A thread lock within this process, a file lock across processes (pytest-xdist
        # workers, a smoke run beside the tests).
        with lock, (self.root / f"{key}.lock").open("w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            if not (venv / ".apigen-ready").exists():
                shutil.rmtree(venv, ignore_errors=True)
                command = [uv_binary(), "sync", "--quiet", "--no-install-project"]
                command += ["--python", self.python]
                run(command, env={"UV_PROJECT_ENVIRONMENT": str(venv)}, timeout=900)
                (venv / ".apigen-ready").touch()
        return venv


def find_python(spec: str) -> str:
    """An interpreter for ``spec`` (a path or a version such as ``3.13``).

    Looks on PATH, then where uv and pyenv keep interpreters.

    Raises:
        UsageError: no working interpreter matches.
    """
    if os.sep in spec:
        candidates = [spec]
    else:
        found = subprocess.run(
            [uv_binary(), "python", "find", spec], capture_output=True, text=True, check=False
        )
        pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
        candidates = [
            shutil.which(f"python{spec}") or "",
            found.stdout.strip(),
            *(str(p) for p in sorted(pyenv.glob(f"{spec}*/bin/python{spec}"))),
        ]
    for candidate in filter(None, candidates):
        works = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False)
        if works.returncode == 0:
            return candidate
    raise UsageError(f"python '{spec}' is not installed: give a version or an interpreter path")


def uv_binary() -> str:
    """The uv that came with apigen (a dependency), else the one on PATH."""
    try:
        from uv import find_uv_bin  # noqa: PLC0415

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return "uv"


# -- one combination ------------------------------------------------------------------------


class Runner:
    """Runs the steps of one combination in its own directory."""

    def __init__(
        self,
        combination: Combination,
        workdir: Path,
        environments: Environments,
        template: Path | None = None,
    ) -> None:
        self.combination = combination
        self.workdir = workdir
        self.environments = environments
        self.template = template
        self.project = workdir / combination.id
        self.venv: Path | None = None
        self.database_url = ""
        self.log: list[str] = []
        self.env: dict[str, str] = {}

    # The steps -----------------------------------------------------------------------------

    def render(self) -> None:
        """Render the project with apigen itself."""
        from apigen.generate import generate  # noqa: PLC0415 - imports copier

        answers = {**self.combination.answers, "docker": True, "ci": "github"}
        generate(self.combination.project_name, answers, self.project, template=self.template)
        with (self.project / ".copier-answers.yml").open(encoding="utf-8") as answers_file:
            self.log.append(answers_file.read())

    def install(self) -> None:
        """Install its dependencies into the shared environment."""
        self.venv = self.environments.prepare(self.project, self.run)

    def add(self) -> None:
        """Add :data:`ADDED_RESOURCES` with ``apigen add``, on the combination's database.

        The migration is made by the project's own tool, as for a user; the later steps lint,
        test and serve the project with them.
        """
        from apigen.add import add, run_tool  # noqa: PLC0415 - imports the scaffold templates
        from apigen.resources import parse_resource  # noqa: PLC0415

        # `add` wants a clean tree: the first install may have written uv.lock.
        self.run(("git", "add", "-A"))
        self.run(("git", *_GIT_IDENTITY, "commit", "--quiet", "--allow-empty", "-m", "Install"))
        overrides = {**self.env, "UV_PROJECT_ENVIRONMENT": str(self.venv)}
        run = functools.partial(run_tool, overrides=overrides)
        resources = [parse_resource(name, list(fields)) for name, fields in ADDED_RESOURCES]
        try:
            plan = add(self.project, resources, run=run)
        except ApigenError as exc:
            raise StepFailedError(f"apigen add resources: {exc}") from exc
        self.log.append("$ apigen add resources (authors, books)")
        self.log.extend(f"$ {' '.join(command)}" for command in plan.commands)

    def lint(self) -> None:
        """Run its linters and type checker.

        Each project keeps its own mypy cache: one shared by the projects of a framework (their
        `tests` packages share names, not contents) ended in mypy's INTERNAL ERROR.
        """
        for command in _LINT:
            self.run(command)

    def test(self) -> None:
        """Run its own test suite."""
        self.run(("pytest", "-q", "-p", "no:cacheprovider", self.pytest_basetemp), timeout=900)

    def serve(self) -> None:
        """Migrate, add a user, serve it under gunicorn and talk to it.

        Under ``oauth2`` a local authorization server (:class:`LocalIssuer`) issues the
        user's token and serves its keys to the service.
        """
        framework = str(self.combination.answers["framework"])
        package = self.package
        auth = str(self.combination.answers["auth"])
        env = {"ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(50)}
        env |= auth_settings(auth)
        with contextlib.ExitStack() as stack:
            issuer = stack.enter_context(self.local_issuer()) if auth == "oauth2" else None
            if issuer is not None:
                env |= issuer.settings
            self.run([a.format(package=package) for a in _MIGRATE[framework]], env=env)
            if auth != "none":
                self.run(
                    [a.format(package=package) for a in _CREATE_USER[framework]],
                    env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
                )
            api_key = self.create_api_key(USERNAME, env) if auth == "apikey" else None
            access_token = issuer.token(USERNAME) if issuer is not None else None
            with self.server(env) as base_url:
                live_check(base_url, auth, api_key=api_key, access_token=access_token)

    # Helpers -------------------------------------------------------------------------------

    def local_issuer(self) -> LocalIssuer:
        """A local authorization server, run by the project's interpreter."""
        python = str(self.venv / "bin" / "python") if self.venv else sys.executable
        return LocalIssuer(python)

    def create_api_key(self, username: str, env: Mapping[str, str]) -> str:
        """Create an API key for ``username`` with the project's command; returns the key."""
        framework = str(self.combination.answers["framework"])
        command = [a.format(package=self.package) for a in _CREATE_API_KEY[framework]]
        output = self.run([*command, username], env=env)
        found = API_KEY.findall(output)
        if len(found) != 1:
            raise StepFailedError("create-api-key printed no key", output)
        return str(found[0])

    @property
    def pytest_basetemp(self) -> str:
        """The ``--basetemp`` option that gives pytest a temporary directory of its own.

        Pytest sessions that share a root (``/tmp/pytest-of-$USER``) prune each other's old
        directories, and a project suite lost that race to the one running beside it.
        """
        return f"--basetemp={self.workdir / f'{self.combination.id}.pytest'}"

    @property
    def package(self) -> str:
        """The generated project's package name."""
        return options.package_name_for(self.combination.project_name)

    def run(
        self,
        command: tuple[str, ...] | list[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
    ) -> str:
        """Run a command in the project with its environment; raise on failure."""
        full_env = {**os.environ, **self.env, **(env or {})}
        if self.venv is not None:
            full_env["VIRTUAL_ENV"] = str(self.venv)
            full_env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{full_env['PATH']}"
        full_env.pop("PYTHONPATH", None)
        shown = " ".join(command)
        try:
            result = subprocess.run(
                list(command),
                cwd=self.project,
                env=full_env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise StepFailedError(f"`{shown}` timed out after {timeout:.0f} s") from exc
        except FileNotFoundError as exc:
            raise StepFailedError(f"`{shown}`: {command[0]} is not installed") from exc
        output = f"$ {shown}\n{result.stdout}{result.stderr}"
        self.log.append(output)
        if result.returncode:
            raise StepFailedError(f"`{shown}` exited with {result.returncode}", output)
        return output

    @contextlib.contextmanager
    def server(self, env: Mapping[str, str]) -> Iterator[str]:
        """A gunicorn serving the project on a free 127.0.0.1 port, stopped on exit."""
        port = free_port()
        framework = str(self.combination.answers["framework"])
        command = [
            str(self.venv / "bin" / "gunicorn") if self.venv else "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-control-socket",
            _WSGI[framework].format(package=self.package),
        ]
        full_env = {**os.environ, **self.env, **env}
        log_path = self.workdir / f"{self.combination.id}.gunicorn.log"
        with log_path.open("w+", encoding="utf-8") as log:
            process = subprocess.Popen(
                command, cwd=self.project, env=full_env, stdout=log, stderr=subprocess.STDOUT
            )
            base_url = f"http://127.0.0.1:{port}"
            try:
                wait_until_up(base_url, process)
                yield base_url
            except StepFailedError as exc:
                log.seek(0)
                exc.output = f"{exc.output}\n--- gunicorn ---\n{log.read()}".strip()
                raise
            finally:
                stop(process)

    @contextlib.contextmanager
    def database(self) -> Iterator[None]:
        """Point DATABASE_URL (and REDIS_URL) at this combination's own database."""
        answers = self.combination.answers
        name = f"apigen_{secrets.token_hex(4)}"
        database = str(answers["database"])
        if answers["redis"]:
            self.env["REDIS_URL"] = REDIS_URL
        if database == "sqlite":
            self.env["DATABASE_URL"] = f"sqlite:///{self.project / 'db.sqlite3'}"
            yield
            return
        server = POSTGRES_URL if database == "postgresql" else MYSQL_URL
        self.env["DATABASE_URL"] = f"{server}/{name}"
        self.admin_sql(database, f"CREATE DATABASE {name}")
        try:
            yield
        finally:
            with contextlib.suppress(StepFailedError):
                self.admin_sql(database, f"DROP DATABASE IF EXISTS {name}")
                # Test databases the project's own suite may have left behind.
                self.admin_sql(database, f"DROP DATABASE IF EXISTS test_{name}")

    def admin_sql(self, database: str, statement: str) -> None:
        """Run one statement on the server with the project's own driver."""
        if database == "postgresql":
            code = (
                "import psycopg, sys\n"
                "with psycopg.connect(sys.argv[1] + '/postgres', autocommit=True) as c:\n"
                "    c.execute(sys.argv[2])\n"
            )
            self.run(("python", "-c", code, POSTGRES_URL, statement))
        else:
            host, _, port = MYSQL_URL.rsplit("@", 1)[1].partition(":")
            user = MYSQL_URL.split("://", 1)[1].split("@", 1)[0]
            code = (
                "import pymysql, sys\n"
                "c = pymysql.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3])\n"
                "c.cursor().execute(sys.argv[4])\n"
                "c.close()\n"
            )
            self.run(("python", "-c", code, host, port or "3306", user, statement))


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server this process started, and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_combination(
    combination: Combination,
    workdir: Path,
    environments: Environments,
    *,
    template: Path | None = None,
    on_step: Callable[[Combination, str], None] | None = None,
) -> Result:
    """Run every step of one combination, stopping at the first failure."""
    runner = Runner(combination, workdir, environments, template)
    result = Result(combination)
    # The combination's own database lives from the add step (Alembic compares the models with
    # it) to the end of the run.
    with contextlib.ExitStack() as cleanup:
        for step in STEPS:
            if on_step:
                on_step(combination, step)
            started = time.perf_counter()
            try:
                if step == "add":
                    cleanup.enter_context(runner.database())
                getattr(runner, step)()
            except StepFailedError as exc:
                result.steps.append(
                    StepResult(step, False, time.perf_counter() - started, str(exc), exc.output)
                )
                break
            except Exception as exc:  # a failing step is a result, not a crash
                result.steps.append(
                    StepResult(step, False, time.perf_counter() - started, repr(exc), "")
                )
                break
            result.steps.append(StepResult(step, True, time.perf_counter() - started))
    return result


# -- HTTP -----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Wait for ``/health`` to answer, failing early if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StepFailedError(f"gunicorn exited with {process.returncode} before answering")
        with contextlib.suppress(OSError):
            if request(base_url, "GET", "/health").status == 200:
                return
        time.sleep(0.2)
    raise StepFailedError(f"gunicorn did not answer /health within {timeout:.0f} s")


@dataclass
class Response:
    """An HTTP answer, read whole."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def request(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """One request over real HTTP, as a client behind the TLS-terminating proxy would send it."""
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Accept": "application/json", "X-Forwarded-Proto": "https", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    req = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        base_url + path, data=data, method=method, headers=all_headers
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310
            return Response(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as answer:
        return Response(answer.code, dict(answer.headers.items()), answer.read())


def _expect(answer: Response, status: int, what: str) -> Response:
    if answer.status != status:
        raise StepFailedError(
            f"{what}: expected {status}, got {answer.status}",
            answer.body.decode(errors="replace")[:2000],
        )
    return answer


class LocalIssuer:
    """apigen's local OAuth 2.0 authorization server (``local_issuer.py``), as a context.

    It serves discovery and JWKS over HTTP on 127.0.0.1, with keys it makes at start, and
    signs the access tokens the harness asks for. It runs with the generated project's
    interpreter, whose PyJWT and cryptography it uses.
    """

    def __init__(self, python: str) -> None:
        self.python = python
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LocalIssuer:
        script = Path(__file__).with_name("local_issuer.py")
        self._process = subprocess.Popen(
            [self.python, str(script), "--audience", OAUTH2_AUDIENCE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None  # noqa: S101 - piped just above
        self.url = self._process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self._process.kill()
            _, errors = self._process.communicate()
            raise StepFailedError("the local OAuth 2.0 issuer did not start", errors)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        try:
            # It stops when its input closes.
            self._process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()

    @property
    def settings(self) -> dict[str, str]:
        """What a service needs to accept this issuer's tokens (keys through discovery)."""
        return {"OAUTH2_ISSUER": self.url, "OAUTH2_AUDIENCE": OAUTH2_AUDIENCE}

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            self.url + path, data=data, method=method
        )
        with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310
            return json.load(answer)

    def token(self, subject: str, scope: str = WRITE_SCOPE, **options: Any) -> str:
        """An access token for ``subject`` with ``scope`` (see ``local_issuer`` for options)."""
        answer = self._call("POST", "/token", {"sub": subject, "scope": scope, **options})
        return str(answer["access_token"])

    def rotate(self, kid: str = "") -> str:
        """Sign with a new key from now on, or with the published key ``kid`` again; its ``kid``."""
        return str(self._call("POST", "/rotate", {"kid": kid})["kid"])

    @property
    def jwks_fetches(self) -> int:
        """How often a service fetched the JWKS."""
        return int(self._call("GET", "/stats")["jwks_fetches"])

    @property
    def kid(self) -> str:
        """The ``kid`` of the key that signs now."""
        return str(self._call("GET", "/stats")["kid"])


def auth_settings(auth: str) -> dict[str, str]:
    """What a service of the scheme needs to be told: ``remote-user`` trusts this machine."""
    return {"TRUSTED_PROXIES": "127.0.0.1"} if auth == "remote-user" else {}


def sign_in(
    base_url: str, auth: str, *, api_key: str | None = None, access_token: str | None = None
) -> dict[str, str]:
    """The headers that make a request come from the smoke user.

    ``api_key`` is the user's key under ``apikey``; ``access_token`` its token under ``oauth2``.
    """
    credentials = {"username": USERNAME, "password": PASSWORD}
    if auth == "apikey":
        return {"Authorization": f"Api-Key {api_key}"}
    if auth == "oauth2":
        return {"Authorization": f"Bearer {access_token}"}
    if auth == "remote-user":  # as the trusted proxy (this machine) names the user
        return {"X-Remote-User": USERNAME}
    if auth == "basic":
        import base64  # noqa: PLC0415

        token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    if auth == "token":
        answer = _expect(
            request(base_url, "POST", "/api/v1/auth/token", credentials), 200, "token login"
        )
        return {"Authorization": f"Token {answer.json()['token']}"}
    if auth == "jwt":
        answer = _expect(
            request(base_url, "POST", "/api/v1/auth/token", credentials), 200, "JWT login"
        )
        return {"Authorization": f"Bearer {answer.json()['access']}"}
    if auth == "session":
        answer = _expect(
            request(base_url, "POST", "/api/v1/auth/login", credentials), 200, "session login"
        )
        cookies = [
            value.split(";", 1)[0]
            for key, value in answer.headers.items()
            if key.lower() == "set-cookie"
        ]
        cookie = "; ".join(cookies) or answer.headers.get("Set-Cookie", "").split(";", 1)[0]
        return {"Cookie": cookie, "X-CSRFToken": answer.json()["csrf_token"]}
    return {}


def live_check(
    base_url: str, auth: str, *, api_key: str | None = None, access_token: str | None = None
) -> None:
    """The live part of a smoke run: probes, an item's lifecycle, then the added resources.

    The resources are those of the add step (:data:`ADDED_RESOURCES`).
    """
    health = _expect(request(base_url, "GET", "/health"), 200, "GET /health")
    if health.json() != {"status": "ok"}:
        raise StepFailedError(f"GET /health answered {health.json()!r}")
    ready = _expect(request(base_url, "GET", "/ready"), 200, "GET /ready").json()
    if ready.get("status") != "ok" or not ready.get("checks"):
        raise StepFailedError(f"GET /ready answered {ready!r}")
    _expect(request(base_url, "GET", "/api/schema/"), 200, "GET /api/schema/")
    headers = sign_in(base_url, auth, api_key=api_key, access_token=access_token)
    item = {"name": "Widget", "price": "9.99"}
    created = _expect(
        request(base_url, "POST", "/api/v1/items/", item, headers), 201, "POST /api/v1/items/"
    )
    location = created.headers.get("Location", "")
    if not location.endswith("/"):
        raise StepFailedError(f"POST /api/v1/items/ gave Location {location!r}")
    path = "/api/v1/items/{}/".format(created.json()["id"])
    listing = _expect(request(base_url, "GET", "/api/v1/items/"), 200, "GET /api/v1/items/")
    if listing.json().get("count") != 1:
        raise StepFailedError(f"GET /api/v1/items/ answered {listing.json()!r}")
    _expect(request(base_url, "GET", path), 200, f"GET {path}")
    _expect(request(base_url, "PATCH", path, {"price": "1.50"}, headers), 200, f"PATCH {path}")
    _expect(request(base_url, "DELETE", path, None, headers), 204, f"DELETE {path}")
    _expect(request(base_url, "GET", path), 404, f"GET {path} after DELETE")
    _check_added_resources(base_url, headers)


def _check_added_resources(base_url: str, headers: Mapping[str, str]) -> None:
    """The resources of the add step: a hyperlinked reference, and the refused delete (R4, R5)."""
    author = _expect(
        request(base_url, "POST", "/api/v1/authors/", {"name": "Ursula"}, headers),
        201,
        "POST /api/v1/authors/",
    ).json()
    if not str(author.get("url")).endswith(f"/api/v1/authors/{author.get('id')}/"):
        raise StepFailedError(f"POST /api/v1/authors/ answered {author!r}")
    book = {
        "title": "The Dispossessed",
        "pages": 387,
        "price": "12.50",
        "published": "1974-05-01",
        "printed_at": "1974-04-01T09:30:00Z",
        "contact": "editor@example.com",
        "isbn": "c3d2f0a4-5b1e-4f6a-9d8c-7e6f5a4b3c2d",
        "status": "published",
        "author": author["url"],
    }
    created = _expect(
        request(base_url, "POST", "/api/v1/books/", book, headers), 201, "POST /api/v1/books/"
    ).json()
    if created.get("author") != author["url"] or created.get("price") != "12.50":
        raise StepFailedError(f"POST /api/v1/books/ answered {created!r}")
    found = _expect(
        request(base_url, "GET", "/api/v1/books/?search=dispossessed&status=published"),
        200,
        "GET /api/v1/books/?search=dispossessed&status=published",
    ).json()
    if [b.get("id") for b in found.get("results", ())] != [created["id"]]:
        raise StepFailedError(f"GET /api/v1/books/?search=dispossessed answered {found!r}")
    author_path = f"/api/v1/authors/{author['id']}/"
    book_path = f"/api/v1/books/{created['id']}/"
    _expect(request(base_url, "DELETE", author_path, None, headers), 409, f"DELETE {author_path}")
    _expect(request(base_url, "DELETE", book_path, None, headers), 204, f"DELETE {book_path}")
    _expect(request(base_url, "DELETE", author_path, None, headers), 204, f"DELETE {author_path}")


def default_workdir() -> Path:
    """A fresh temporary directory for a smoke run."""
    return Path(tempfile.mkdtemp(prefix="apigen-smoke-"))


def default_env_root() -> Path:
    """Where shared environments are kept between runs."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "apigen" / "envs"
