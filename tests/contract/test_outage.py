"""C57-C62: dependencies down. Private PostgreSQL, MariaDB and Redis servers are stopped and
started again under live services; the machine's own servers are never touched.

One service per framework and ORM (jwt, Redis) on a private PostgreSQL, and one on a private
MariaDB. Each combination's tests form one pytest-xdist group: its service starts once, and
each worker starts the private servers it needs once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from apigen import smoke
from tests.contract.client import anonymous, expect, expect_problem, path_of, show, sign_in
from tests.contract.private_servers import (
    MariaDB,
    PostgreSQL,
    Redis,
    ServerUnavailableError,
)
from tests.contract.services import (
    PASSWORD,
    ContractRunner,
    Pool,
    Service,
    ServiceStartError,
    wait_until_up,
)
from tests.slow.conftest import LOWEST_PYTHON

pytestmark = [pytest.mark.contract, pytest.mark.slow]

# (framework, orm, database) of each service; all with jwt and Redis.
SERVICES = (
    ("drf", "django", "postgresql"),
    ("flask-restful", "sqlalchemy", "postgresql"),
    ("flask-restful", "peewee", "postgresql"),
    ("flask-restful", "peewee", "mysql"),
)
# The services' DATABASE_CONNECT_TIMEOUT (set from the environment: 5 by default), and the
# slack on top of it.
CONNECT_TIMEOUT = 2
SLACK = 3
CLIENTS = 20
LOAD_SECONDS = 6
LEAKS = ("Traceback", "127.0.0.1", "psycopg", "pymysql", "postgresql://", "mysql://", "SELECT")


def _combination(framework: str, orm: str, database: str) -> smoke.Combination:
    filters = {"framework": (framework,), "orm": (orm,), "auth": ("jwt",)}
    filters |= {"database": (database,), "redis": ("true",)}
    [combination] = smoke.select(filters)
    return combination


COMBINATIONS = [_combination(*answers) for answers in SERVICES]


class PrivateServers:
    """The worker's own servers, each made and started on first use, all removed at the end."""

    def __init__(self) -> None:
        self._servers: dict[str, PostgreSQL | MariaDB | Redis] = {}

    def get(self, name: str) -> Any:
        """The server ``name`` (``postgresql``, ``mysql``, ``redis``), running."""
        if name not in self._servers:
            kind = {"postgresql": PostgreSQL, "mysql": MariaDB, "redis": Redis}[name]
            try:
                server = kind()
            except ServerUnavailableError as exc:
                if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
                    pytest.fail(f"{exc} and CI=true: install it", pytrace=False)
                pytest.skip(f"{exc}: the outage tests run private servers")
            server.start()
            self._servers[name] = server
        return self._servers[name]

    def close(self) -> None:
        """Stop every server and remove its data."""
        for server in self._servers.values():
            server.close()


class OutageRunner(ContractRunner):
    """Serves a project from the private servers instead of the machine's."""

    def __init__(self, *args: Any, servers: PrivateServers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.servers = servers

    @contextlib.contextmanager
    def database(self) -> Iterator[None]:
        """A database of its own on the private server (removed with the server)."""
        server = self.servers.get(str(self.combination.answers["database"]))
        name = f"apigen_{secrets.token_hex(4)}"
        server.create_database(name)
        self.env["DATABASE_URL"] = f"{server.url}/{name}"
        self.env["DATABASE_CONNECT_TIMEOUT"] = str(CONNECT_TIMEOUT)
        self.env["REDIS_URL"] = self.servers.get("redis").url
        yield


@dataclass
class Outage:
    """A live service and the private servers it depends on."""

    service: Service
    runner: ContractRunner
    database: PostgreSQL | MariaDB
    redis: Redis
    log_start: int = field(default=0)

    def new_log(self) -> list[dict[str, Any]]:
        """The JSON lines the service logged since the last call."""
        text = self.service.log_path.read_text(encoding="utf-8", errors="replace")
        fresh, self.log_start = text[self.log_start :], len(text)
        lines = []
        for line in fresh.splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    lines.append(entry)
        return lines


@pytest.fixture(scope="session")
def private_servers() -> Iterator[PrivateServers]:
    servers = PrivateServers()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="session")
def outage_pool(
    tmp_path_factory: pytest.TempPathFactory, private_servers: PrivateServers
) -> Iterator[Pool]:
    environments = smoke.Environments(smoke.default_env_root(), LOWEST_PYTHON)
    pool = Pool(
        Path(tmp_path_factory.mktemp("outage")),
        environments,
        runner_class=functools.partial(OutageRunner, servers=private_servers),
    )
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(f"outage-{c.id}"))
        for c in COMBINATIONS
    ],
)
def outage(
    request: pytest.FixtureRequest, outage_pool: Pool, private_servers: PrivateServers
) -> Outage:
    combination: smoke.Combination = request.param
    try:
        service = outage_pool.service(combination)
    except ServiceStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    state = Outage(
        service,
        outage_pool.runner(combination),
        private_servers.get(str(combination.answers["database"])),
        private_servers.get("redis"),
    )
    state.new_log()
    return state


@contextlib.contextmanager
def down(server: PostgreSQL | MariaDB | Redis) -> Iterator[None]:
    """The server stopped for the block, running again after it whatever happens."""
    server.stop()
    try:
        yield
    finally:
        server.start()


def assert_unavailable(answer: httpx.Response, service: Service, line: str) -> None:
    """A 503 problem with `Retry-After` that keeps the service's internals to itself."""
    body = expect_problem(answer, 503, line)
    retry_after = answer.headers.get("retry-after", "")
    assert retry_after.isdigit(), f"[{line}] Retry-After in whole seconds: {show(answer)}"
    assert int(retry_after) > 0, f"[{line}] Retry-After in whole seconds: {show(answer)}"
    for leak in (*LEAKS, service.secret_key, *service.env.values()):
        if len(leak) >= 8 or leak in LEAKS:
            assert leak not in answer.text, f"[{line}] the answer shows {leak!r}: {show(answer)}"
    assert "database" in str(body.get("detail", "")), f"[{line}] name the dependency: {body!r}"


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def eventually(call: Callable[[], httpx.Response], status: int, seconds: float) -> httpx.Response:
    """Repeat ``call`` until it answers ``status`` (or time runs out): recovery, no restart."""
    deadline = time.monotonic() + seconds
    while True:
        answer = call()
        if answer.status_code == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


ITEM = {"name": "kept", "price": "1.00"}
CREDENTIALS = {"username": "alice", "password": PASSWORD}


def test_c52_c54_c56_database_down_is_503_and_the_service_recovers(outage: Outage) -> None:
    service = outage.service
    with sign_in(service) as alice, anonymous(service) as anon:
        kept = expect(alice.post("/api/v1/items/", ITEM), 201, "C4").json()
        requests: list[tuple[str, Callable[[], httpx.Response]]] = [
            ("list", lambda: alice.get("/api/v1/items/")),
            ("detail", lambda: alice.get(f"/api/v1/items/{kept['id']}/")),
            ("create", lambda: alice.post("/api/v1/items/", {"name": "lost", "price": "2.00"})),
            ("token", lambda: anon.post("/api/v1/auth/token", CREDENTIALS)),
        ]
        with down(outage.database):
            for what, call in requests:
                answer, seconds = timed(call)
                assert_unavailable(answer, service, "C57")
                assert seconds < CONNECT_TIMEOUT + SLACK, f"[C57] {what} took {seconds:.1f} s"
            for path in ("/health", "/api/schema/"):
                expect(anon.get(path), 200, "C57")
            expect(anon.get("/api/docs/", headers={"Accept": "text/html"}), 200, "C57")
            ready = expect_problem(anon.get("/ready"), 503, "C3")
            assert ready.get("checks") == {"database": "error", "cache": "ok"}, f"[C3] {ready!r}"

        answer = eventually(lambda: alice.get("/api/v1/items/"), 200, 20)
        expect(answer, 200, "C59")
        again = expect(alice.get(f"/api/v1/items/{kept['id']}/"), 200, "C59").json()
        assert again["name"] == "kept", f"[C59] the item changed: {again!r}"
        expect(alice.post("/api/v1/items/", ITEM), 201, "C59")
        expect(anon.get("/ready"), 200, "C59")

    log = outage.new_log()
    refused = [e for e in log if e.get("status") == 503 and e.get("message") == "request"]
    assert refused, "[C61] no request line for the 503s"
    for entry in refused:
        if entry.get("path") not in {"/ready", "/ready/"}:
            assert entry.get("unavailable") == "database", f"[C61] no dependency named: {entry}"
    text = json.dumps(log)
    assert service.secret_key not in text, "[C61] the log shows SECRET_KEY"


def test_c53_c54_redis_down_serves_from_the_database(outage: Outage) -> None:
    service = outage.service
    with anonymous(service) as anon:
        with down(outage.redis):
            with sign_in(service) as alice:
                created = expect(alice.post("/api/v1/items/", ITEM), 201, "C58").json()
                expect(alice.get(f"/api/v1/items/{created['id']}/"), 200, "C58")
                expect(anon.get("/api/v1/items/"), 200, "C58")
                expect(anon.get("/api/schema/"), 200, "C58")
            ready = expect_problem(anon.get("/ready"), 503, "C3")
            assert ready.get("checks") == {"database": "ok", "cache": "error"}, f"[C3] {ready!r}"
        expect(eventually(lambda: anon.get("/ready"), 200, 20), 200, "C59")

    warnings = [
        e
        for e in outage.new_log()
        if e.get("level") == "WARNING" and "memory" in str(e.get("message", ""))
    ]
    assert 1 <= len(warnings) <= 2, f"[C58] one warning per worker while Redis is down: {warnings}"


def test_c52_connect_timeout_bounds_a_database_that_never_answers(outage: Outage) -> None:
    """A server that accepts no connection: a request waits DATABASE_CONNECT_TIMEOUT, no more."""
    with down(outage.database), socket.socket() as silent, contextlib.ExitStack() as fillers:
        # In the server's place, a socket that never accepts and whose queue is full: a
        # connection attempt waits for a SYN-ACK that never comes.
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", outage.database.port))
        silent.listen(0)
        with contextlib.suppress(TimeoutError):
            for _ in range(4):
                fillers.enter_context(
                    socket.create_connection(("127.0.0.1", outage.database.port), timeout=0.5)
                )
        with anonymous(outage.service) as anon:
            # Each worker may first fail fast on the connection it kept; then it connects.
            waits = []
            for _ in range(4):
                answer, seconds = timed(lambda: anon.get("/api/v1/items/"))
                assert_unavailable(answer, outage.service, "C57")
                waits.append(seconds)
    assert max(waits) < CONNECT_TIMEOUT + SLACK, (
        f"[C57] DATABASE_CONNECT_TIMEOUT={CONNECT_TIMEOUT}, yet a request took {max(waits):.1f} s"
    )
    assert max(waits) >= CONNECT_TIMEOUT - 1, f"[C57] no request waited to connect: {waits}"


def load(
    base_url: str,
    headers: dict[str, str],
    seconds: float,
    during: Callable[[], None],
    path: str = "/api/v1/items/",
    write: bool = True,
) -> list[tuple[str, Any]]:
    """``CLIENTS`` clients writing (or reading) for ``seconds``; ``during`` runs midway.

    Each result is ``("answer", (status, body))`` or ``("error", exception name)``.
    """
    results: list[tuple[str, Any]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
            sent = 0
            while not stop.is_set():
                sent += 1
                try:
                    if write:
                        name = f"load-{number}-{sent}"
                        answer = http.post(path, json={"name": name, "price": "1.00"})
                    else:
                        answer = http.get(path)
                except httpx.ConnectError:
                    if not write:
                        break  # the server is gone: nothing was in flight
                    time.sleep(0.05)
                    continue
                except httpx.HTTPError as exc:
                    with lock:
                        results.append(("error", type(exc).__name__))
                    continue
                body = answer.json() if answer.status_code == 201 else None
                with lock:
                    results.append(("answer", (answer.status_code, body)))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    during()
    time.sleep(seconds / 2)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    return results


def test_c55_a_database_restart_under_load_loses_no_acknowledged_write(outage: Outage) -> None:
    with sign_in(outage.service) as alice:
        headers = {**alice.headers, "X-Forwarded-Proto": "https", "Accept": "application/json"}

        def restart() -> None:
            outage.database.stop()
            time.sleep(1)
            outage.database.start()

        results = load(outage.service.base_url, headers, LOAD_SECONDS, restart)
        errors = [r for kind, r in results if kind == "error"]
        assert not errors, f"[C60] requests failed without an answer: {errors[:5]}"
        answers = [r for kind, r in results if kind == "answer"]
        statuses = {status for status, _ in answers}
        assert statuses <= {201, 503}, f"[C60] statuses under load: {sorted(statuses)}"
        created = [body for status, body in answers if status == 201]
        assert created, "[C60] nothing was written under load"
        eventually(lambda: alice.get("/api/v1/items/"), 200, 20)
        stored: dict[int, str] = {}
        page: str | None = "/api/v1/items/?page_size=100&search=load"
        while page:
            listing = expect(alice.get(page), 200, "C60").json()
            stored |= {item["id"]: item["name"] for item in listing["results"]}
            page = listing["next"] and path_of(listing["next"])
        missing = [item for item in created if stored.get(item["id"]) != item["name"]]
        assert not missing, f"[C60] acknowledged writes lost: {missing[:5]} of {len(created)}"


def test_c57_sigterm_under_load_finishes_in_flight_requests(outage: Outage) -> None:
    if outage.service.combination.answers["orm"] == "peewee":
        pytest.skip("C62: gunicorn.conf.py is the same for either ORM, tested with SQLAlchemy")
    runner = outage.runner
    port = smoke.free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = runner.workdir / f"{outage.service.id}.sigterm.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            runner.command(port),
            cwd=runner.project,
            env=runner.process_env(outage.service.env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(base_url, process, log_path)
        headers = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
        results = load(
            base_url,
            headers,
            4,
            lambda: process.send_signal(signal.SIGTERM),
            write=False,
        )
        assert process.wait(timeout=60) == 0, f"[C62] gunicorn exited with {process.returncode}"
    finally:
        smoke.stop(process)
    errors = [r for kind, r in results if kind == "error"]
    assert not errors, f"[C62] connections cut during shutdown: {errors[:5]} ({len(errors)})"
    statuses = {status for kind, (status, _) in results if kind == "answer"}
    assert statuses == {200}, f"[C62] statuses during shutdown: {statuses}"
