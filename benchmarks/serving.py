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
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apigen import options
from apigen.smoke import Combination, Environments, Runner, free_port, request, uv_binary

REPO = Path(__file__).resolve().parent.parent
BASELINES = Path(__file__).resolve().parent / "baselines"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
SEED_COUNT = 100
DETAIL_ID = 42
ENDPOINTS = {
    "health": "/health",
    "items list": "/api/v1/items/",
    "item": f"/api/v1/items/{DETAIL_ID}/",
}
HEADERS = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
ITEM_KEYS = {"id", "url", "name", "description", "price", "in_stock", "created_at", "updated_at"}
# Throttling must not answer 429 under load, but its bookkeeping still runs on every request.
# A one-second window keeps that bookkeeping the size a real client's would be: DRF and
# Flask-Limiter (moving window) keep one timestamp per request in the window, so a huge
# per-minute rate would make every request pay for a history of the whole run.
UNTHROTTLED = "1000000/second"
# The frame of gunicorn's workers (sync and gthread) that serves one request.
REQUEST_FRAME = "handle_request (gunicorn/workers/"
FLASK_SERVICE = "Flask-RESTful service"
# (label, server, baseline, endpoint, goal): the service must reach goal x the baseline's rate.
GOALS = (
    ("DRF service / plain DRF", "DRF service", "plain DRF", "items list", 1.5),
    ("DRF service / bare Django", "DRF service", "bare Django", "items list", 0.8),
    ("DRF service / bare Django", "DRF service", "bare Django", "health", 0.9),
    (
        "Flask-RESTful service / bare Flask",
        "Flask-RESTful service",
        "bare Flask",
        "items list",
        1.0,
    ),
    ("Flask-RESTful service / bare Flask", "Flask-RESTful service", "bare Flask", "health", 0.9),
    (
        "Flask-RESTful service (peewee) / bare Flask",
        "Flask-RESTful service (peewee)",
        "bare Flask",
        "items list",
        1.0,
    ),
    (
        "Flask-RESTful service (peewee) / bare Flask",
        "Flask-RESTful service (peewee)",
        "bare Flask",
        "health",
        0.9,
    ),
)


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
    """One gunicorn, started in its own session so that Ctrl-C reaches only the benchmark."""

    name: str
    framework: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    endpoints: tuple[str, ...] = tuple(ENDPOINTS)
    process: subprocess.Popen[bytes] | None = None
    base_url: str = ""

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

    def wait_until_up(self, timeout: float = 60) -> None:
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

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[int]:
        """The master's live children."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError):
                    if _stat(int(entry.name))[1] == str(self.pid):
                        children.append(int(entry.name))
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
        "worker_class": values.get("worker_class", "sync"),
        "threads": int(values.get("threads", 1)),
    }


def prepare(
    framework: str, args: argparse.Namespace, work: Path, python: str | None, secret: str
) -> list[Server]:
    """Render, install and migrate the service (one per ORM); install and seed its baselines."""
    env_root = Path(args.env_root)
    environments = Environments(env_root / "services", python=python)
    python = environments.python
    prepared = [
        prepare_service(framework, orm, args, work, environments, secret)
        for orm in options.FRAMEWORKS[framework].orms
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
    args: argparse.Namespace,
    work: Path,
    environments: Environments,
    secret: str,
) -> tuple[Server, dict[str, Any]]:
    """Render (or copy), install and migrate the default service of ``framework`` on ``orm``.

    Returns the server and its gunicorn worker settings.
    """
    combination = Combination(options.complete({"framework": framework, "orm": orm}))
    runner = Runner(combination, work, environments)
    package = runner.package
    # The framework's own ORM goes by the framework's name: `DRF service`, `--project drf=...`;
    # another by its own: `Flask-RESTful service (peewee)`, `--project peewee=...`.
    own = orm == options.FRAMEWORKS[framework].default_orm
    name = "DRF service" if framework == "drf" else FLASK_SERVICE
    projects = dict(p.split("=", 1) for p in args.project or [])
    given = projects.get(framework if own else orm)
    label = f"{framework}/{orm}"
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
    service_env = venv_env(
        runner.venv,
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secret,
            "DATABASE_URL": f"sqlite:///{runner.project / 'db.sqlite3'}",
            "API_THROTTLE_ANON": UNTHROTTLED,
            "API_THROTTLE_USER": UNTHROTTLED,
        },
    )
    if framework == "drf":
        migrate = ["python", "manage.py", "migrate", "--noinput"]
        wsgi = f"{package}.wsgi:application"
        modules: tuple[str, ...] = ("django", "djangorestframework", "gunicorn")
    else:
        migrate = ["flask", "--app", package, "db", "upgrade"]
        wsgi = f"{package}:create_app()"
        modules = ("flask", "flask-restful", orm, "gunicorn")
    run(migrate, runner.project, service_env, f"[{label}] migrate")
    settings = gunicorn_settings(runner.project / "gunicorn.conf.py", service_env)
    gunicorn = str(runner.venv / "bin" / "gunicorn")
    print(f"  service:  {versions(runner.venv, modules)}; gunicorn {settings}", flush=True)
    server = Server(
        name=name if own else f"{name} ({orm})",
        framework=framework,
        command=[gunicorn, "-c", "gunicorn.conf.py", *gunicorn_common(args), wsgi],
        cwd=runner.project,
        env=service_env,
        log_path=work / f"{framework}-{orm}-service.log",
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
    if framework == "drf":
        run(["python", "-m", "django_baseline.seed", str(seed_file)], BASELINES, env, "seed")
        for name, settings_module, endpoints in (
            ("bare Django", "settings_bare", tuple(ENDPOINTS)),
            ("plain DRF", "settings_drf", ("items list", "item")),
        ):
            servers.append(
                Server(
                    name=name,
                    framework=framework,
                    command=[*baseline_gunicorn, "django_baseline.wsgi:application"],
                    cwd=BASELINES,
                    env={**env, "DJANGO_SETTINGS_MODULE": f"django_baseline.{settings_module}"},
                    log_path=work / f"{name.replace(' ', '-')}.log",
                    endpoints=endpoints,
                )
            )
        modules: tuple[str, ...] = ("django", "djangorestframework", "gunicorn")
    else:
        run(["flask", "--app", "flask_baseline", "seed", str(seed_file)], BASELINES, env, "seed")
        servers.append(
            Server(
                name="bare Flask",
                framework=framework,
                command=[*baseline_gunicorn, "flask_baseline:create_app()"],
                cwd=BASELINES,
                env=env,
                log_path=work / "bare-Flask.log",
            )
        )
        modules = ("flask", "flask-sqlalchemy", "sqlalchemy", "gunicorn")
    print(f"  baseline: {versions(venv, modules)}", flush=True)
    return servers


def seed_service(server: Server) -> None:
    """Create the items through the service's own API, as a client would."""
    for item in seed_items():
        answer = request(server.base_url, "POST", "/api/v1/items/", item)
        if answer.status != 201:
            raise SystemExit(f"{server.name}: POST /api/v1/items/ answered {answer.status}")


def check_answers(server: Server) -> None:
    """Each endpoint answers 200 with the contract's JSON, with no redirect."""
    for endpoint in server.endpoints:
        answer = request(server.base_url, "GET", ENDPOINTS[endpoint], headers=HEADERS)
        if answer.status != 200:
            raise SystemExit(f"{server.name}: {ENDPOINTS[endpoint]} answered {answer.status}")
        body = answer.json()
        if endpoint == "health":
            ok = body == {"status": "ok"}
        elif endpoint == "items list":
            ok = (
                set(body) == {"count", "next", "previous", "results"}
                and body["count"] == SEED_COUNT
                and len(body["results"]) == 20
                and set(body["results"][0]) == ITEM_KEYS
                and body["next"].startswith("https://")
            )
        else:
            ok = set(body) == ITEM_KEYS and body["name"] == f"Item {DETAIL_ID:03d}"
        if not ok:
            raise SystemExit(f"{server.name}: unexpected {ENDPOINTS[endpoint]} body: {body}")


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
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(server: Server, endpoint: str, seconds: int, args: argparse.Namespace) -> Sample:
    command = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    command.append(server.base_url + ENDPOINTS[endpoint])
    before = server.cpu_seconds()
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    cpu = server.cpu_seconds() - before
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


def measure(servers: list[Server], args: argparse.Namespace) -> Measurements:
    results = Measurements()
    runs = [(s, e) for s in servers for e in s.endpoints]
    total = len(runs) * (args.warmup + args.rounds * args.duration)
    print(f"\nLoad: {len(runs)} server/endpoint pairs, about {total / 60:.1f} min", flush=True)
    for server, endpoint in runs:
        wrk(server, endpoint, args.warmup, args)
    for round_ in range(args.rounds):
        order = servers[round_ % len(servers) :] + servers[: round_ % len(servers)]
        for endpoint in ENDPOINTS:
            for server in order:
                if endpoint in server.endpoints:
                    sample = wrk(server, endpoint, args.duration, args)
                    results.samples.setdefault((server.name, endpoint), []).append(sample)
                    flag = f"  ({sample.errors} errors!)" if sample.errors else ""
                    print(
                        f"  round {round_ + 1}  {server.name:<22} {endpoint:<11}"
                        f" {sample.rps:8.0f} req/s{flag}",
                        flush=True,
                    )
    for server in servers:
        results.rss_mb[server.name] = server.rss_per_worker_mb()
    return results


def report(
    servers: list[Server], results: Measurements, args: argparse.Namespace
) -> dict[str, Any]:
    print(
        f"\nResults: {args.rounds} rounds x {args.duration:g} s per server and endpoint,"
        f" wrk -t{args.threads} -c{args.connections}, gunicorn --workers {args.workers};"
        f" {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    header = (
        f"| {'server':<22} | {'endpoint':<10} | {'req/s':>7} | {'p50 ms':>6} | {'p99 ms':>6} |"
        f" {'CPU ms/req':>10} | {'RSS/worker MB':>13} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    table = []
    for server in servers:
        for endpoint in server.endpoints:
            samples = results.samples[(server.name, endpoint)]
            row = {
                "server": server.name,
                "endpoint": endpoint,
                "rps": statistics.median(s.rps for s in samples),
                "p50_ms": statistics.median(s.p50_ms for s in samples),
                "p99_ms": statistics.median(s.p99_ms for s in samples),
                "cpu_ms_per_request": 1000 * _cpu_per_request(samples),
                "rss_mb_per_worker": results.rss_mb[server.name],
                "errors": sum(s.errors for s in samples),
            }
            table.append(row)
            print(
                f"| {row['server']:<22} | {endpoint:<10} | {row['rps']:7.0f} |"
                f" {row['p50_ms']:6.2f} | {row['p99_ms']:6.2f} |"
                f" {row['cpu_ms_per_request']:10.2f} | {row['rss_mb_per_worker']:13.1f} |"
                + (f" {row['errors']} errors" if row["errors"] else "")
            )
    print(
        "\nGoals: service requests/s over baseline requests/s, the median of the per-round"
        " ratios\n[min-max]; then baseline CPU/request over service CPU/request, all rounds:"
    )
    goals = []
    for label, service, baseline, endpoint, goal in GOALS:
        pairs = list(
            zip(
                results.samples.get((service, endpoint), []),
                results.samples.get((baseline, endpoint), []),
                strict=False,
            )
        )
        if not pairs:
            continue
        ratios = [s.rps / b.rps for s, b in pairs]
        ratio = statistics.median(ratios)
        # The same comparison in server CPU per request, which other load on the machine
        # disturbs less than throughput does.
        cpu_ratio = _cpu_per_request(results.samples[(baseline, endpoint)]) / _cpu_per_request(
            results.samples[(service, endpoint)]
        )
        verdict = "met" if ratio >= goal else "NOT met"
        goals.append(
            {
                "goal": f"{label}, {endpoint}",
                "target": goal,
                "ratio": ratio,
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
                "cpu_ratio": cpu_ratio,
                "met": ratio >= goal,
            }
        )
        print(
            f"  {label + ', ' + endpoint:<50} {ratio:5.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]"
            f"  CPU/request {cpu_ratio:5.2f}x  (goal >= {goal:.1f}x: {verdict})"
        )
    return {"table": table, "goals": goals}


def _cpu_per_request(samples: list[Sample]) -> float:
    return sum(s.cpu_seconds for s in samples) / max(1, sum(s.requests for s in samples))


# -- profile ----------------------------------------------------------------------------------


def profile(server: Server, endpoint: str, args: argparse.Namespace, work: Path) -> None:
    """Sample the service's workers with py-spy while wrk loads ``endpoint``."""
    out = work / f"{server.framework}-{endpoint.replace(' ', '-')}.pyspy.txt"
    command = [
        *("uvx", "py-spy", "record", "--pid", str(server.pid), "--subprocesses", "--function"),
        *("--rate", "200", "--format", "raw", "--duration", str(args.profile_seconds)),
        *("--output", str(out)),
    ]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(2)  # py-spy attaches; wrk outlasts it
        wrk(server, endpoint, args.profile_seconds + 3, args)
        spy.wait(timeout=args.profile_seconds + 60)
    finally:
        if spy.poll() is None:
            spy.terminate()
            spy.wait()
    if not out.exists():
        print(f"  py-spy wrote nothing: {spy.stderr.read().decode() if spy.stderr else ''}")
        return
    summarize_profile(f"{server.name}, {endpoint}", out)


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
    parser.add_argument("--connections", type=int, default=0, help="wrk -c (2 x workers)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--framework", choices=tuple(options.FRAMEWORKS), action="append")
    parser.add_argument(
        "--project",
        action="append",
        metavar="FRAMEWORK=DIR",
        help="serve this generated project (e.g. drf=./my-svc) instead of rendering one",
    )
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
    args.connections = args.connections or 2 * args.workers
    args.wrk = shutil.which("wrk")
    if not args.wrk:
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
            if " service" in server.name:
                seed_service(server)
            check_answers(server)
        summary: dict[str, Any] = {}
        if args.rounds:  # --rounds 0 --profile: only the profiles
            summary = report(servers, measure(servers, args), args)
        if args.profile:
            for server in servers:
                if " service" in server.name:
                    for endpoint in ("items list", "health"):
                        profile(server, endpoint, args, work)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), **summary}, indent=2))
    print(f"\nTotal {time.monotonic() - started:.0f} s; logs and data in {work}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; every server was stopped")
