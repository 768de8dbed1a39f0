"""Serving speed: each generated service against hand-written baselines, under wrk.

    uv run python benchmarks/serving.py [--duration 5] [--rounds 3] [--workers 2]
                                        [--framework drf|flask-restful] [--profile]

For each framework, apigen renders the default service (auth none, SQLite, no Redis), once per
ORM the framework offers (Flask-RESTful: SQLAlchemy and Peewee), installs it with ``uv sync``,
migrates it and seeds 100 items through its own API (``--project drf=DIR``,
``flask-restful=DIR`` or ``peewee=DIR`` serves an already generated default project instead,
to try out template changes). The baselines in
``benchmarks/baselines`` get the same 100 items, the same Python, the same gunicorn worker
count and worker class:

    drf            bare Django (plain views, ``.values()``, ``JsonResponse``) and plain DRF
                   (ModelSerializer, ModelViewSet, PageNumberPagination, default renderers)
    flask-restful  bare Flask (plain views over Flask-SQLAlchemy, ``jsonify``)

Every server runs at once on 127.0.0.1 (idle ones cost nothing); wrk loads one server at a
time, from its own process, rotating the order each round so that machine noise hits all of
them alike. Reported per server and endpoint: requests/s, p50/p99 latency, server CPU per
request (utime+stime of the gunicorn master and workers, from /proc) and RSS per worker; then
the ratios the goals are stated in, each the median of the per-round ratios of runs made back
to back. ``--profile`` then samples each generated service with py-spy while wrk loads its
items list, then its /health.

Needs wrk (Debian: ``apt-get install -y wrk``) and, for ``--profile``, py-spy (run with
``uvx``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import runpy
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from apigen import options
from apigen.smoke import (
    _CREATE_USER,
    _MIGRATE,
    PASSWORD,
    USERNAME,
    Combination,
    Environments,
    Runner,
    free_port,
    request,
    sign_in,
    uv_binary,
)

REPO = Path(__file__).resolve().parent.parent
BASELINES = Path(__file__).resolve().parent / "baselines"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
SEED_COUNT = 100
DETAIL_ID = 42
CONNECTIONS = (4, 16, 64)
HEADERS = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
ITEM_KEYS = {"id", "url", "name", "description", "price", "in_stock", "created_at", "updated_at"}
NEW_ITEM = {
    "name": "Created item",
    "description": "Posted by the benchmark; removed after each run.",
    "price": "12.50",
    "in_stock": True,
}
# Throttling must not answer 429 under load, but its bookkeeping still runs on every request.
# A one-second window keeps that bookkeeping the size a real client's would be: DRF and
# limits (moving window, Flask-RESTful) keep one timestamp per request in the window, so a huge
# per-minute rate would make every request pay for a history of the whole run.
UNTHROTTLED = "1000000/second"
# The frame of gunicorn's workers (sync and gthread) that serves one request.
REQUEST_FRAME = "handle_request (gunicorn/workers/"


@dataclass(frozen=True)
class Operation:
    """One request of a client's day; ``auth``: made by a client signed in with that scheme."""

    name: str
    method: str
    path: str
    auth: str = "none"
    status: int = 200


OPERATIONS = {
    op.name: op
    for op in (
        Operation("health", "GET", "/health"),
        Operation("items list", "GET", "/api/v1/items/"),
        Operation("item", "GET", f"/api/v1/items/{DETAIL_ID}/"),
        Operation("create", "POST", "/api/v1/items/", status=201),
        # One word: every server splits (or not) the same way. "Item 007" and "Item 070"-"079".
        Operation("search", "GET", "/api/v1/items/?search=07"),
        Operation("ordered page", "GET", "/api/v1/items/?ordering=-price&page=2"),
        Operation("list, token", "GET", "/api/v1/items/", auth="token"),
        Operation("list, jwt", "GET", "/api/v1/items/", auth="jwt"),
    )
}
SEARCH_MATCHES = 11
# What the default service (auth none) serves; each signed-in list is served by the service
# rendered with that scheme.
ANONYMOUS = tuple(name for name, op in OPERATIONS.items() if op.auth == "none")
SIGNED_IN = {op.auth: name for name, op in OPERATIONS.items() if op.auth != "none"}
LISTINGS = ("items list", "search", "ordered page", "list, token", "list, jwt")

DRF_SERVICE = "DRF service"
FLASK_SERVICE = "Flask-RESTful service"
PEEWEE_SERVICE = "Flask-RESTful service (peewee)"


def _goals() -> tuple[tuple[str, str, str, float], ...]:
    """(service, baseline, operation, target): the service must reach target x the baseline.

    The issue's goals, each over every operation of a client's day: a DRF service at least
    1.5x the tutorial's DRF and 0.8x bare Django (0.9x on /health, where both do nothing);
    a Flask-RESTful service, on either ORM, at least as fast as bare Flask (0.9x on /health).
    """
    goals: list[tuple[str, str, str, float]] = []
    for op in OPERATIONS:
        if op != "health":
            goals.append((DRF_SERVICE, "plain DRF", op, 1.5))
        goals.append((DRF_SERVICE, "bare Django", op, 0.9 if op == "health" else 0.8))
    for service in (FLASK_SERVICE, PEEWEE_SERVICE):
        for op in OPERATIONS:
            goals.append((service, "bare Flask", op, 0.9 if op == "health" else 1.0))
    return tuple(goals)


GOALS = _goals()
# RSS per worker: each service (with each scheme) at most 1.2x the baseline of its framework.
MEMORY_GOAL = 1.2
MEMORY_BASELINE = {
    DRF_SERVICE: "plain DRF",
    FLASK_SERVICE: "bare Flask",
    PEEWEE_SERVICE: "bare Flask",
}


def seed_items() -> list[dict[str, Any]]:
    """The 100 items every server gets, in the same order (so with the same ids)."""
    return [
        {
            "name": f"Item {i:03d}",
            "description": f"Seeded item number {i}, one of {SEED_COUNT} served in the benchmark.",
            "price": f"{(i * 1237) % 100000 / 100:.2f}",
            "in_stock": i % 4 != 0,
        }
        for i in range(1, SEED_COUNT + 1)
    ]


# -- servers ----------------------------------------------------------------------------------


@dataclass
class Server:
    """One gunicorn, started in its own session so that Ctrl-C reaches only the benchmark.

    ``family`` names the row of the goals table it serves (``DRF service``, ``bare Django``...);
    a service rendered with an authentication scheme serves that scheme's signed-in list under
    its framework's family. ``sign_in`` gives fresh headers of a signed-in client per scheme
    (JWT access tokens last minutes: every run signs in anew).
    """

    name: str
    family: str
    framework: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    database: Path
    items_table: str
    operations: tuple[str, ...] = ANONYMOUS
    sign_in: Callable[[str, str], dict[str, str]] | None = None
    process: subprocess.Popen[bytes] | None = None
    base_url: str = ""
    _workers: list[int] = field(default_factory=list)

    def start(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*self.command, "--bind", f"127.0.0.1:{port}"],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_up(self, timeout: float = 90) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn exited; see {self.log_path}")
            with contextlib.suppress(OSError):
                if request(self.base_url, "GET", "/health").status == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"{self.name}: no answer on /health within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def headers(self, op: Operation) -> dict[str, str]:
        """The request headers of ``op``: a signed-in client's credentials when it has one."""
        if op.auth == "none":
            return dict(HEADERS)
        assert self.sign_in is not None
        return {**HEADERS, **self.sign_in(self.base_url, op.auth)}

    def trim(self) -> None:
        """Remove the items a create run added: every run lists the same 100 items."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=30)) as db, db:
            db.execute(f"DELETE FROM {self.items_table} WHERE id > ?", (SEED_COUNT,))

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[int]:
        """The master's live children (looked up again only when one of them has gone)."""
        if self._workers and all(Path(f"/proc/{pid}").exists() for pid in self._workers):
            return self._workers
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError):
                    if _stat(int(entry.name))[1] == str(self.pid):
                        children.append(int(entry.name))
        self._workers = children
        return children

    def cpu_seconds(self) -> float:
        """CPU time of the master, its live workers and the workers it has reaped."""
        master = _stat(self.pid)
        ticks = sum(int(v) for v in master[11:15])
        for worker in self.workers():
            with contextlib.suppress(OSError):
                ticks += sum(int(v) for v in _stat(worker)[11:13])
        return ticks / CLOCK_TICK

    def rss_per_worker_mb(self) -> float:
        sizes = []
        for worker in self.workers():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{worker}/status").read_text()
                sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
        return statistics.mean(sizes) if sizes else float("nan")


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat from field 3 (state) on: index = field number - 3."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def baseline_sign_in(base_url: str, auth: str) -> dict[str, str]:
    """Sign in to a baseline: ``POST /api/v1/auth/token`` or ``/auth/jwt``, as its guide does."""
    credentials = {"username": USERNAME, "password": PASSWORD}
    answer = request(base_url, "POST", f"/api/v1/auth/{auth}", credentials)
    if answer.status != 200:
        raise SystemExit(f"{base_url}: sign-in ({auth}) answered {answer.status}")
    body = answer.json()
    if auth == "token":
        return {"Authorization": f"Token {body['token']}"}
    return {"Authorization": f"Bearer {body['access']}"}


def service_sign_in(base_url: str, auth: str) -> dict[str, str]:
    return sign_in(base_url, auth)


# -- installing -------------------------------------------------------------------------------


def run(command: list[str], cwd: Path, env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{what} failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
    return result.stdout


def baseline_venv(requirements: Path, python: str, root: Path) -> Path:
    """A venv with ``requirements`` for ``python``, kept between runs (keyed by both)."""
    key = hashlib.sha256(requirements.read_bytes() + python.encode()).hexdigest()[:16]
    venv = root / f"{requirements.stem}-{key}"
    if not (venv / ".ready").exists():
        shutil.rmtree(venv, ignore_errors=True)
        uv = uv_binary()
        env = {**os.environ}
        run([uv, "venv", "--quiet", "--python", python, str(venv)], BASELINES, env, "uv venv")
        python_in_venv = str(venv / "bin" / "python")
        install = [uv, "pip", "install", "--quiet", "--python", python_in_venv]
        run([*install, "-r", str(requirements)], BASELINES, env, "uv pip install")
        (venv / ".ready").touch()
    return venv


def venv_env(venv: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(extra)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def versions(venv: Path, modules: tuple[str, ...]) -> str:
    code = (
        "import sys, importlib.metadata as m\n"
        "print('Python ' + sys.version.split()[0], *(f'{n} {m.version(n)}' for n in sys.argv[1:]),"
        " sep=', ')"
    )
    env = venv_env(venv, {})
    return run([str(venv / "bin" / "python"), "-c", code, *modules], REPO, env, "versions").strip()


def gunicorn_settings(config: Path, env: dict[str, str]) -> dict[str, Any]:
    """What the service's own gunicorn.conf.py sets, evaluated with the service's environment."""
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        values = runpy.run_path(str(config))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "worker_class": _builtin_worker(values.get("worker_class", "sync")),
        "threads": int(values.get("threads", 1)),
    }


def _builtin_worker(worker_class: Any) -> str:
    """gunicorn's own worker class that the service's is, or derives from.

    A service may name a subclass of one of gunicorn's workers (the templates' GracefulWorker,
    a sync worker that also serves its queue on shutdown); a baseline runs the class it
    derives from, as a tutorial's deployment would.
    """
    if isinstance(worker_class, str):
        return worker_class
    for cls in worker_class.__mro__:
        if cls.__module__.startswith("gunicorn.workers."):
            return {"sync": "sync", "gthread": "gthread"}.get(
                cls.__module__.rsplit(".", 1)[1], "sync"
            )
    return "sync"


def prepare(
    framework: str, args: argparse.Namespace, work: Path, python: str | None, secret: str
) -> list[Server]:
    """Render, install and migrate the services (per ORM and scheme); the baselines too."""
    env_root = Path(args.env_root)
    environments = Environments(env_root / "services", python=python)
    python = environments.python
    prepared = [
        prepare_service(framework, orm, auth, args, work, environments, secret)
        for orm in options.FRAMEWORKS[framework].orms
        for auth in ("none", *SIGNED_IN)
        if auth == "none" or SIGNED_IN[auth] in args.operations
    ]
    # The baselines run with the services' worker class and threads.
    settings = prepared[0][1]
    services = [server for server, _ in prepared]
    return services + prepare_baselines(framework, args, work, python, secret, settings)


def gunicorn_common(args: argparse.Namespace) -> list[str]:
    """The gunicorn options every server gets, services and baselines alike."""
    return ["--workers", str(args.workers), "--no-control-socket"]


def prepare_service(
    framework: str,
    orm: str,
    auth: str,
    args: argparse.Namespace,
    work: Path,
    environments: Environments,
    secret: str,
) -> tuple[Server, dict[str, Any]]:
    """Render (or copy), install and migrate the service of ``framework`` on ``orm``.

    Returns the server and its gunicorn worker settings.
    """
    combination = Combination(options.complete({"framework": framework, "orm": orm, "auth": auth}))
    runner = Runner(combination, work, environments)
    package = runner.package
    # The framework's own ORM goes by the framework's name: `DRF service`, `--project drf=...`;
    # another by its own: `Flask-RESTful service (peewee)`, `--project peewee=...`.
    own = orm == options.FRAMEWORKS[framework].default_orm
    family = DRF_SERVICE if framework == "drf" else FLASK_SERVICE
    family = family if own else f"{family} ({orm})"
    projects = dict(p.split("=", 1) for p in args.project or [])
    given = projects.get((framework if own else orm) + ("" if auth == "none" else f"/{auth}"))
    label = f"{framework}/{orm}/{auth}"
    print(f"[{label}] {'copying' if given else 'rendering'} and installing the service")
    if given:  # an already generated project, e.g. with template changes being tried out
        shutil.copytree(given, runner.project, ignore=shutil.ignore_patterns(".venv", "*.sqlite3"))
        answers = (runner.project / ".copier-answers.yml").read_text(encoding="utf-8")
        if match := re.search(r"^package_name: (\w+)$", answers, re.M):
            package = match.group(1)
    else:
        runner.render()
    runner.install()
    assert runner.venv is not None
    database = runner.project / "db.sqlite3"
    service_env = venv_env(
        runner.venv,
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secret,
            "DATABASE_URL": f"sqlite:///{database}",
            "API_THROTTLE_ANON": UNTHROTTLED,
            "API_THROTTLE_USER": UNTHROTTLED,
        },
    )
    if framework == "drf":
        wsgi = f"{package}.wsgi:application"
        modules: tuple[str, ...] = ("django", "djangorestframework", "gunicorn")
    else:
        wsgi = f"{package}:create_app()"
        modules = ("flask", "flask-restful", orm, "gunicorn")
    run(
        [a.format(package=package) for a in _MIGRATE[framework]],
        runner.project,
        service_env,
        f"[{label}] migrate",
    )
    if auth != "none":
        create_user = [a.format(package=package) for a in _CREATE_USER[framework]]
        user_env = {**service_env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
        run(create_user, runner.project, user_env, f"[{label}] create user")
    settings = gunicorn_settings(runner.project / "gunicorn.conf.py", service_env)
    gunicorn = str(runner.venv / "bin" / "gunicorn")
    print(f"  service:  {versions(runner.venv, modules)}; gunicorn {settings}", flush=True)
    server = Server(
        name=family if auth == "none" else f"{family}, {auth}",
        family=family,
        framework=framework,
        command=[gunicorn, "-c", "gunicorn.conf.py", *gunicorn_common(args), wsgi],
        cwd=runner.project,
        env=service_env,
        log_path=work / f"{framework}-{orm}-{auth}-service.log",
        database=database,
        items_table="api_item" if framework == "drf" else "items",
        operations=tuple(op for op in ANONYMOUS if op in args.operations)
        if auth == "none"
        else (SIGNED_IN[auth],),
        sign_in=service_sign_in,
    )
    return server, settings


def prepare_baselines(
    framework: str,
    args: argparse.Namespace,
    work: Path,
    python: str,
    secret: str,
    settings: dict[str, Any],
) -> list[Server]:
    """Install and seed the hand-written baselines of ``framework``."""
    seed_file = work / "items.json"
    env_root = Path(args.env_root)
    servers: list[Server] = []
    worker = ["--worker-class", settings["worker_class"], "--threads", str(settings["threads"])]
    everything = tuple(op for op in OPERATIONS if op in args.operations)

    print(f"[{framework}] installing and seeding the baselines", flush=True)
    requirements = "requirements-django.txt" if framework == "drf" else "requirements-flask.txt"
    venv = baseline_venv(BASELINES / requirements, python, env_root / "baselines")
    baseline_gunicorn = [
        *(str(venv / "bin" / "gunicorn"), "-c", "gunicorn.conf.py"),
        *gunicorn_common(args),
        *worker,
    ]
    database = work / f"{framework}-baseline.sqlite3"
    database.unlink(missing_ok=True)
    env = venv_env(venv, {"SECRET_KEY": secret, "BASELINE_DATABASE": str(database)})
    user = [str(seed_file), USERNAME, PASSWORD]
    if framework == "drf":
        run(["python", "-m", "django_baseline.seed", *user], BASELINES, env, "seed")
        for name, settings_module, operations in (
            ("bare Django", "settings_bare", everything),
            ("plain DRF", "settings_drf", tuple(op for op in everything if op != "health")),
        ):
            servers.append(
                Server(
                    name=name,
                    family=name,
                    framework=framework,
                    command=[*baseline_gunicorn, "django_baseline.wsgi:application"],
                    cwd=BASELINES,
                    env={**env, "DJANGO_SETTINGS_MODULE": f"django_baseline.{settings_module}"},
                    log_path=work / f"{name.replace(' ', '-')}.log",
                    database=database,
                    items_table="django_baseline_item",
                    operations=operations,
                    sign_in=baseline_sign_in,
                )
            )
        modules: tuple[str, ...] = ("django", "djangorestframework", "gunicorn")
    else:
        run(["flask", "--app", "flask_baseline", "seed", *user], BASELINES, env, "seed")
        servers.append(
            Server(
                name="bare Flask",
                family="bare Flask",
                framework=framework,
                command=[*baseline_gunicorn, "flask_baseline:create_app()"],
                cwd=BASELINES,
                env=env,
                log_path=work / "bare-Flask.log",
                database=database,
                items_table="items",
                operations=everything,
                sign_in=baseline_sign_in,
            )
        )
        modules = ("flask", "flask-sqlalchemy", "sqlalchemy", "flask-jwt-extended", "gunicorn")
    print(f"  baseline: {versions(venv, modules)}", flush=True)
    return servers


def seed_service(server: Server) -> None:
    """Create the items through the service's own API, as a client would (signed in if need be)."""
    auth = next(
        (OPERATIONS[op].auth for op in server.operations if OPERATIONS[op].auth != "none"), "none"
    )
    headers = server.headers(Operation("seed", "POST", "/", auth=auth))
    for item in seed_items():
        answer = request(server.base_url, "POST", "/api/v1/items/", item, headers=headers)
        if answer.status != 201:
            raise SystemExit(f"{server.name}: POST /api/v1/items/ answered {answer.status}")


def check_answers(server: Server) -> None:
    """Each operation answers its status with the contract's JSON, with no redirect."""
    for name in server.operations:
        op = OPERATIONS[name]
        body_sent = NEW_ITEM if op.method == "POST" else None
        answer = request(server.base_url, op.method, op.path, body_sent, headers=server.headers(op))
        if op.method == "POST":
            server.trim()
        if answer.status != op.status:
            raise SystemExit(f"{server.name}: {op.method} {op.path} answered {answer.status}")
        body = answer.json()
        if name == "health":
            ok = body == {"status": "ok"}
        elif name in LISTINGS:
            expected = SEARCH_MATCHES if name == "search" else SEED_COUNT
            results = body.get("results", [])
            ok = (
                set(body) == {"count", "next", "previous", "results"}
                and body["count"] == expected
                and len(results) == min(20, expected)
                and set(results[0]) - {"owner"} == ITEM_KEYS
                and (body["next"] or "https://").startswith("https://")
            )
            if name == "ordered page":
                prices = [Decimal(item["price"]) for item in results]
                ok = ok and prices == sorted(prices, reverse=True) and body["previous"] is not None
        else:
            wanted = NEW_ITEM["name"] if name == "create" else f"Item {DETAIL_ID:03d}"
            ok = set(body) - {"owner"} == ITEM_KEYS and body["name"] == wanted
        if not ok:
            raise SystemExit(f"{server.name}: unexpected {op.method} {op.path} body: {body}")


# -- load -------------------------------------------------------------------------------------


@dataclass
class Sample:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float
    errors: int


@dataclass
class Measurements:
    # (family, operation, connections) -> one sample per round
    samples: dict[tuple[str, str, int], list[Sample]] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)
    load: list[tuple[float, float, float]] = field(default_factory=list)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(
    server: Server, name: str, seconds: int, connections: int, args: argparse.Namespace
) -> Sample:
    op = OPERATIONS[name]
    command = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for header, value in server.headers(op).items():
        command += ["-H", f"{header}: {value}"]
    if op.method == "POST":
        command += ["-s", str(args.post_script)]
    command.append(server.base_url + op.path)
    before = server.cpu_seconds()
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    cpu = server.cpu_seconds() - before
    if op.method == "POST":
        server.trim()
    requests, elapsed = re.search(r"(\d+) requests in ([\d.]+[a-z]+)", output).groups()  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    return Sample(
        requests=int(requests),
        seconds=_ms(elapsed) / 1000,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1)),  # type: ignore[union-attr]
        p99_ms=_ms(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1)),  # type: ignore[union-attr]
        cpu_seconds=cpu,
        errors=errors,
    )


def post_script(work: Path) -> Path:
    """wrk's Lua script for the create runs: the same JSON body on every request."""
    script = work / "create.lua"
    body = json.dumps(NEW_ITEM).replace("\\", "\\\\").replace("'", "\\'")
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = '{body}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n',
        encoding="utf-8",
    )
    return script


def measure(servers: list[Server], args: argparse.Namespace) -> Measurements:
    """Rounds of every concurrency level, operation and server, rotating the servers' order."""
    results = Measurements()
    runs = [(s, op) for s in servers for op in s.operations]
    levels = args.connections
    total = len(runs) * (args.warmup + args.rounds * len(levels) * args.duration)
    print(
        f"\nLoad: {len(runs)} server/operation pairs x connections {', '.join(map(str, levels))},"
        f" about {total / 60:.1f} min; load average {_loadavg()}",
        flush=True,
    )
    results.load.append(os.getloadavg())
    for server, op in runs:
        wrk(server, op, args.warmup, levels[0], args)
    for round_ in range(args.rounds):
        order = servers[round_ % len(servers) :] + servers[: round_ % len(servers)]
        for connections in levels:
            for op in OPERATIONS:
                for server in order:
                    if op not in server.operations:
                        continue
                    sample = wrk(server, op, args.duration, connections, args)
                    key = (server.family, op, connections)
                    results.samples.setdefault(key, []).append(sample)
                    flag = f"  ({sample.errors} errors!)" if sample.errors else ""
                    print(
                        f"  round {round_ + 1}  -c{connections:<3} {server.name:<36} {op:<12}"
                        f" {sample.rps:8.0f} req/s{flag}",
                        flush=True,
                    )
            results.load.append(os.getloadavg())
    for server in servers:
        results.rss_mb[server.name] = server.rss_per_worker_mb()
    print(f"load average at the end {_loadavg()}")
    return results


def count_instructions(server: Server, op: str, calls: int, work: Path) -> tuple[str, str, float]:
    """Instructions per request of ``op`` on ``server``: in-process WSGI calls under callgrind.

    Runs ``wsgi_calls.py`` with the server's interpreter, directory and environment, so with
    its settings, database and packages; only the measured calls are counted.
    """
    operation = OPERATIONS[op]
    out = work / f"callgrind-{server.name.replace(' ', '-')}-{op.replace(' ', '-')}.out"
    python = Path(server.command[0]).with_name("python")
    command = [
        *("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"),
        *(str(python), str(Path(__file__).with_name("wsgi_calls.py")), server.command[-1]),
        *(operation.method, operation.path, json.dumps(server.headers(operation)), str(calls)),
    ]
    done = subprocess.run(
        command,
        cwd=server.cwd,
        env=server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{server.name}, {op}: {done.stderr[-2000:]}")
    total = 0
    for part in work.glob(f"{out.name}*"):
        # A dump's "totals:" line (its "summary:" line counts from the start of the dump).
        total += sum(
            int(line.split()[1])
            for line in part.read_text(encoding="utf-8").splitlines()
            if line.startswith("totals:")
        )
        part.unlink()
    return server.family, op, total / calls


def instructions(servers: list[Server], args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """``--instructions``: every server's reads counted by callgrind, and the goals' ratios."""
    runs = [(s, op) for s in servers for op in s.operations if OPERATIONS[op].method == "GET"]
    print(
        f"\nInstructions: {len(runs)} server/operation pairs, {args.calls} calls each under"
        f" callgrind, {os.cpu_count()} at a time (creates are left out: they write)",
        flush=True,
    )
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = [pool.submit(count_instructions, s, op, args.calls, work) for s, op in runs]
        counted = [future.result() for future in futures]
    per_request = {(family, op): count for family, op, count in counted}
    print(f"\n| {'server':<31} | {'operation':<12} | {'instructions/request':>20} |")
    print(f"|{'-' * 33}|{'-' * 14}|{'-' * 22}|")
    for (family, op), count in per_request.items():
        print(f"| {family:<31} | {op:<12} | {count:>20,.0f} |")
    print("\nGoals: baseline instructions per request over the service's (higher is better):")
    goals = []
    for service, baseline, op, target in GOALS:
        if (service, op) not in per_request or (baseline, op) not in per_request:
            continue
        ratio = per_request[baseline, op] / per_request[service, op]
        goal = f"{service} / {baseline}, {op}"
        goals.append({"goal": goal, "target": target, "ratio": ratio})
        verdict = "met" if ratio >= target else "NOT met"
        print(f"| {goal:<58} | {target:4.1f}x | {ratio:5.2f}x | {verdict:<7} |")
    return {
        "instructions": [
            {"server": family, "operation": op, "per_request": count}
            for (family, op), count in per_request.items()
        ],
        "instruction_goals": goals,
    }


def _loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def report(
    servers: list[Server], results: Measurements, args: argparse.Namespace
) -> dict[str, Any]:
    levels = args.connections
    loads = [one for one, _, _ in results.load]
    print(
        f"\nResults: {args.rounds} rounds x {args.duration:g} s per server, operation and"
        f" connections, wrk -t{args.threads}, gunicorn --workers {args.workers};"
        f" {os.cpu_count()} CPUs, Python {sys.version.split()[0]};"
        f" 1-minute load average {min(loads):.1f}-{max(loads):.1f}"
    )
    table = []
    families = list(dict.fromkeys(s.family for s in servers))
    for connections in levels:
        print(f"\n-c{connections}:")
        header = (
            f"| {'server':<31} | {'operation':<12} | {'req/s':>7} | {'p50 ms':>7} |"
            f" {'p99 ms':>7} | {'CPU ms/req':>10} |"
        )
        print(header)
        print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
        for family in families:
            for op in OPERATIONS:
                samples = results.samples.get((family, op, connections))
                if not samples:
                    continue
                row = {
                    "server": family,
                    "operation": op,
                    "connections": connections,
                    "rps": statistics.median(s.rps for s in samples),
                    "p50_ms": statistics.median(s.p50_ms for s in samples),
                    "p99_ms": statistics.median(s.p99_ms for s in samples),
                    "cpu_ms_per_request": 1000 * _cpu_per_request(samples),
                    "errors": sum(s.errors for s in samples),
                }
                table.append(row)
                print(
                    f"| {family:<31} | {op:<12} | {row['rps']:7.0f} |"
                    f" {row['p50_ms']:7.2f} | {row['p99_ms']:7.2f} |"
                    f" {row['cpu_ms_per_request']:10.2f} |"
                    + (f" {row['errors']} errors" if row["errors"] else "")
                )
    print(
        "\nGoals: service requests/s over baseline requests/s, the median of the per-round"
        " ratios [min-max],\nper concurrency; CPU: baseline CPU/request over service"
        " CPU/request, all rounds of the level."
    )
    cells = " | ".join(f"{f'-c{c}':^22}" for c in levels)
    header = f"| {'goal':<58} | {'target':>6} | {cells} | verdict |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    goals = []
    for service, baseline, op, target in GOALS:
        measured = []
        for connections in levels:
            pairs = list(
                zip(
                    results.samples.get((service, op, connections), []),
                    results.samples.get((baseline, op, connections), []),
                    strict=False,
                )
            )
            if not pairs:
                break
            ratios = [s.rps / b.rps for s, b in pairs]
            cpu_ratio = _cpu_per_request(
                results.samples[(baseline, op, connections)]
            ) / _cpu_per_request(results.samples[(service, op, connections)])
            measured.append(
                {
                    "connections": connections,
                    "ratio": statistics.median(ratios),
                    "ratio_min": min(ratios),
                    "ratio_max": max(ratios),
                    "cpu_ratio": cpu_ratio,
                    "met": statistics.median(ratios) >= target,
                }
            )
        if len(measured) != len(levels):
            continue
        met = all(m["met"] for m in measured)
        goals.append(
            {
                "goal": f"{service} / {baseline}, {op}",
                "target": target,
                "levels": measured,
                "met": met,
            }
        )
        cells = " | ".join(
            f"{m['ratio']:4.2f}x [{m['ratio_min']:.2f}-{m['ratio_max']:.2f}] {m['cpu_ratio']:4.2f}"
            + ("" if m["met"] else "*")
            for m in measured
        )
        print(
            f"| {f'{service} / {baseline}, {op}':<58} | {target:5.1f}x | {cells} |"
            f" {'met' if met else 'NOT met':<7} |"
        )
    print("(x [range] CPU; * marks a level below the target)")
    print(f"\nMemory: RSS per worker after the load, goal <= {MEMORY_GOAL}x the baseline's:")
    memory = []
    for server in servers:
        reference = MEMORY_BASELINE.get(server.family)
        if reference is None or reference not in results.rss_mb:
            print(f"  {server.name:<36} {results.rss_mb[server.name]:6.1f} MB")
            continue
        ratio = results.rss_mb[server.name] / results.rss_mb[reference]
        met = ratio <= MEMORY_GOAL
        memory.append({"server": server.name, "baseline": reference, "ratio": ratio, "met": met})
        print(
            f"  {server.name:<36} {results.rss_mb[server.name]:6.1f} MB = {ratio:4.2f}x {reference}"
            f" ({'met' if met else 'NOT met'})"
        )
    return {
        "table": table,
        "goals": goals,
        "memory": memory,
        "rss_mb": results.rss_mb,
        "load": results.load,
    }


def _cpu_per_request(samples: list[Sample]) -> float:
    return sum(s.cpu_seconds for s in samples) / max(1, sum(s.requests for s in samples))


# -- profile ----------------------------------------------------------------------------------


def profile(
    server: Server, endpoint: str, connections: int, args: argparse.Namespace, work: Path
) -> None:
    """Sample the service's workers with py-spy while wrk loads ``endpoint``."""
    slug = re.sub(r"\W+", "-", f"{server.name}-{endpoint}-c{connections}").strip("-").lower()
    out = work / f"{slug}.pyspy.txt"
    command = [
        *("uvx", "py-spy", "record", "--pid", str(server.pid), "--subprocesses", "--function"),
        *("--rate", "200", "--format", "raw", "--duration", str(args.profile_seconds)),
        *("--output", str(out)),
    ]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(2)  # py-spy attaches; wrk outlasts it
        wrk(server, endpoint, args.profile_seconds + 3, connections, args)
        spy.wait(timeout=args.profile_seconds + 60)
    finally:
        if spy.poll() is None:
            spy.terminate()
            spy.wait()
    if not out.exists():
        print(f"  py-spy wrote nothing: {spy.stderr.read().decode() if spy.stderr else ''}")
        return
    summarize_profile(f"{server.name}, {endpoint}, -c{connections}", out)


def _frame_module(frame: str) -> str:
    match = re.search(r"\(([^)]*)\)$", frame)
    path = re.sub(r":\d+$", "", match.group(1) if match else "")
    return re.sub(r"^.*?/(site-packages|lib/python3\.\d+)/", "", path)


def summarize_profile(title: str, raw: Path) -> None:
    """Inclusive and own time by function and own time by package, from py-spy raw stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        inside = [i for i, f in enumerate(frames) if REQUEST_FRAME in f]
        if not inside:
            continue  # the master, and the workers between requests
        frames = frames[inside[0] :]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
        module = _frame_module(frames[-1])
        packages[module.split("/", 1)[0].removesuffix(".py") or "?"] += count
    print(f"\nProfile of {title}: {total} samples inside requests ({raw})")
    print("  own time by package:")
    for name, count in packages.most_common(12):
        print(f"    {100 * count / total:5.1f}%  {name}")
    print("  inclusive time by function (top 40):")
    for frame, count in inclusive.most_common(40):
        print(f"    {100 * count / total:5.1f}%  {_short(frame)}")
    print("  own time by function (top 20):")
    for frame, count in own.most_common(20):
        print(f"    {100 * count / total:5.1f}%  {_short(frame)}")


def _short(frame: str) -> str:
    name, _, rest = frame.partition(" (")
    return f"{name} ({_frame_module('(' + rest)})"


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per pair (0: none)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per pair")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument(
        "--connections",
        type=int,
        action="append",
        help=f"wrk -c, repeatable (default: {', '.join(map(str, CONNECTIONS))})",
    )
    parser.add_argument(
        "--operation",
        choices=tuple(OPERATIONS),
        action="append",
        help="measure only these operations (repeatable; default: all)",
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--framework", choices=tuple(options.FRAMEWORKS), action="append")
    parser.add_argument(
        "--project",
        action="append",
        metavar="FRAMEWORK=DIR",
        help="serve this generated project (e.g. drf=./my-svc) instead of rendering one",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count each read's instructions under callgrind instead of loading with wrk",
    )
    parser.add_argument("--calls", type=int, default=50, help="calls per count (--instructions)")
    parser.add_argument("--profile", action="store_true", help="then py-spy each service")
    parser.add_argument("--profile-seconds", type=int, default=10)
    parser.add_argument("--python", help="a version or an interpreter (default: this one)")
    parser.add_argument("--workdir", help="temporary files (default: a new temporary directory)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--env-root",
        default=str(
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "apigen/bench"
        ),
        help="where the virtual environments are kept between runs",
    )
    args = parser.parse_args()
    args.connections = args.connections or list(CONNECTIONS)
    args.operations = tuple(args.operation or OPERATIONS)
    args.wrk = shutil.which("wrk")
    if args.instructions and not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (Debian/Ubuntu: apt-get install -y valgrind)")
    if not args.wrk and not args.instructions:
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install -y wrk)")
    frameworks = args.framework or list(options.FRAMEWORKS)

    # SIGTERM unwinds like Ctrl-C, so that every server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.workdir:
        work = Path(args.workdir)
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="apigen-serving-"))
    for stale in work.iterdir():
        if stale.is_dir() and stale.name.startswith(tuple(frameworks)):
            shutil.rmtree(stale)
    (work / "items.json").write_text(json.dumps(seed_items()))
    args.post_script = post_script(work)
    secret = secrets.token_urlsafe(50)
    started = time.monotonic()
    servers: list[Server] = []
    for framework in frameworks:
        servers += prepare(framework, args, work, args.python, secret)
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            server.start(free_port())
        # Runs first on the way out: a second Ctrl-C must not cut the stopping short.
        stack.callback(signal.signal, signal.SIGINT, signal.SIG_IGN)
        for server in servers:
            server.wait_until_up()
            if " service" in server.family:
                seed_service(server)
            check_answers(server)
        summary: dict[str, Any] = {}
        if args.instructions:
            summary = instructions(servers, args, work)
        elif args.rounds:  # --rounds 0 --profile: only the profiles
            summary = report(servers, measure(servers, args), args)
        if args.profile:
            for server in servers:
                if " service" in server.family:
                    for op in server.operations:
                        if op in ("items list", "health", *SIGNED_IN.values()):
                            profile(server, op, args.connections[-1], args, work)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"args": vars(args), **summary}, indent=2, default=str)
        )
    print(f"\nTotal {time.monotonic() - started:.0f} s; logs and data in {work}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; every server was stopped")
