"""Scale-out: two instances of one service behind a real load balancer act as one service.

What the Kubernetes manifests promise (several pods of the API sharing the database and Redis)
is played here on 127.0.0.1: two gunicorn masters, as two pods, share PostgreSQL and Redis
behind HAProxy (Debian's `haproxy`, in the foreground, with a configuration in a temporary
directory), which checks `/ready` as a readiness probe would. For one DRF and one Flask-RESTful
combination:

- what one instance writes, the other reads, and credentials issued by one work on the other;
- the throttle counts the requests of both instances together (Redis);
- one instance stops under a load of writes, as a pod does: it leaves the load balancer (the
  endpoints drop a terminating pod), serves what it has for the preStop pause, then gets
  SIGTERM and finishes its requests in progress; no write fails and every acknowledged one is
  kept.

Without the pause, a request the load balancer has just sent to the stopping instance can find
its connection reset (gunicorn's workers leave the requests still in the listen queue), and
HAProxy does not send a POST elsewhere once sent: the client gets an error, never a lost write.
The Deployment's preStop pause is there for exactly that.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import socket as socketlib
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from apigen import smoke
from tests.contract.services import PASSWORD, ContractRunner
from tests.slow.conftest import require_servers

pytestmark = pytest.mark.slow

CASES = [
    *smoke.select(
        {"framework": ("drf",), "auth": ("jwt",), "database": ("postgresql",), "redis": ("true",)}
    ),
    *smoke.select(
        {
            "framework": ("flask-restful",),
            "orm": ("sqlalchemy",),
            "auth": ("token",),
            "database": ("postgresql",),
            "redis": ("true",),
        }
    ),
]
ANON_RATE = 5
# The Deployment's preStop pause is 5 s; the load balancer here reacts at once.
PRE_STOP_SECONDS = 1
HEADERS = {"Accept": "application/json", "X-Forwarded-Proto": "https"}
HAPROXY = """\
global
    maxconn 256
    # The runtime API: the test takes an instance out of the load balancer through it.
    stats socket {socket} level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    # A connection refused by a stopping instance is tried again on the other one.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend api
    bind 127.0.0.1:{port}
    default_backend pods

backend pods
    balance roundrobin
    # The readiness probe: an instance that does not answer /ready gets no requests.
    option httpchk
    http-check send meth GET uri /ready hdr Host localhost
    http-check expect status 200
{servers}
"""


@dataclass
class Instance:
    """One gunicorn master, as one pod."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]


@dataclass
class Load:
    """Writes sent through the load balancer, and what became of each."""

    acknowledged: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def haproxy_binary() -> str:
    found = shutil.which("haproxy")
    if found is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("haproxy is not installed and CI=true: apt-get install haproxy")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    return found


@contextlib.contextmanager
def instances(runner: ContractRunner, env: dict[str, str], *names: str) -> Iterator[list[Instance]]:
    """Gunicorn masters serving the project, started together and stopped on exit."""
    started: list[Instance] = []
    with contextlib.ExitStack() as stack:
        for name in names:
            port = smoke.free_port()
            log = stack.enter_context((runner.workdir / f"{name}.log").open("w", encoding="utf-8"))
            process = subprocess.Popen(
                runner.command(port),
                cwd=runner.project,
                env=runner.process_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(smoke.stop, process)
            started.append(Instance(name, f"http://127.0.0.1:{port}", process))
        for one in started:
            smoke.wait_until_up(one.base_url, one.process)
        yield started


@contextlib.contextmanager
def load_balancer(workdir: Path, *instances: Instance) -> Iterator[str]:
    """HAProxy in front of the instances, in the foreground; stopped on exit."""
    port = smoke.free_port()
    servers = "\n".join(
        f"    server {i.name} {i.base_url.removeprefix('http://')} check inter 500ms fall 3 rise 2"
        for i in instances
    )
    config = workdir / "haproxy.cfg"
    socket = workdir / "haproxy.sock"
    config.write_text(HAPROXY.format(port=port, servers=servers, socket=socket), encoding="utf-8")
    log = (workdir / "haproxy.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [haproxy_binary(), "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert process.poll() is None, (workdir / "haproxy.log").read_text(encoding="utf-8")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base_url + "/ready", headers=HEADERS, timeout=5).status_code == 200:
                    break
            time.sleep(0.2)
        # Both servers are up once their checks have passed twice (rise 2).
        time.sleep(1.5)
        yield base_url
    finally:
        smoke.stop(process)
        socket.unlink(missing_ok=True)
        log.close()


def take_out(workdir: Path, server: str) -> None:
    """Stop sending new requests to ``server`` (the endpoints drop a terminating pod)."""
    with socketlib.socket(socketlib.AF_UNIX) as admin:
        admin.connect(str(workdir / "haproxy.sock"))
        admin.sendall(f"set server pods/{server} state maint\n".encode())
        assert admin.recv(4096).strip() == b"", "HAProxy refused to take the server out"


def sign_in(base_url: str, auth: str) -> dict[str, str]:
    credentials = {"username": "alice", "password": PASSWORD}
    answer = httpx.post(base_url + "/api/v1/auth/token", json=credentials, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    if auth == "jwt":
        return {**HEADERS, "Authorization": f"Bearer {answer.json()['access']}"}
    return {**HEADERS, "Authorization": f"Token {answer.json()['token']}"}


def stored_ids(base_url: str, headers: dict[str, str]) -> set[int]:
    """The ids of every item the load wrote, page by page."""
    ids: set[int] = set()
    url: str | None = f"{base_url}/api/v1/items/?search=load-&page_size=100"
    while url:
        page = httpx.get(url, headers=headers)
        assert page.status_code == 200, page.text
        ids |= {item["id"] for item in page.json()["results"]}
        # `next` is written for the client behind the TLS proxy: https, this host.
        url = page.json()["next"] and page.json()["next"].replace("https://", "http://", 1)
    return ids


def write_continuously(
    base_url: str, headers: dict[str, str], load: Load, stop: threading.Event
) -> None:
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        while not stop.is_set():
            name = f"load-{secrets.token_hex(6)}"
            try:
                answer = client.post("/api/v1/items/", json={"name": name, "price": "1.00"})
            except httpx.HTTPError as exc:
                with load.lock:
                    load.failed.append(f"{name}: {exc!r}")
                continue
            with load.lock:
                if answer.status_code == 201:
                    load.acknowledged.append(answer.json()["id"])
                else:
                    load.failed.append(f"{name}: {answer.status_code} {answer.text[:200]}")


@pytest.mark.parametrize("combination", CASES, ids=[c.id for c in CASES])
def test_two_instances_behind_a_load_balancer_act_as_one(
    combination: smoke.Combination, environments: smoke.Environments, workdir: Path
) -> None:
    require_servers(combination)
    haproxy_binary()
    runner = ContractRunner(combination, workdir, environments)
    auth = str(combination.answers["auth"])
    # Its own Redis database, so that no other test's counters mix with these.
    redis_db = random.randint(1, 15)  # noqa: S311 - not a secret
    env = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_ANON": f"{ANON_RATE}/minute",
        "API_THROTTLE_USER": "1000000/minute",
        "REDIS_URL": f"{smoke.REDIS_URL.rsplit('/', 1)[0]}/{redis_db}",
    }
    started = time.perf_counter()
    runner.render()
    runner.install()
    print(f"render and install: {time.perf_counter() - started:.1f} s")
    with contextlib.ExitStack() as stack:
        stack.enter_context(runner.database())
        runner.migrate(env)
        runner.create_user("alice", env)
        a, b = stack.enter_context(instances(runner, env, "a", "b"))
        print(f"and two instances up: {time.perf_counter() - started:.1f} s")

        # The throttle counts across instances: anonymous requests alternate between them,
        # from a client address of their own (both frameworks count per X-Forwarded-For).
        client = {**HEADERS, "X-Forwarded-For": f"203.0.113.{random.randint(1, 254)}"}  # noqa: S311
        statuses = [
            httpx.get(i.base_url + "/api/v1/items/", headers=client).status_code
            for i in [a, b] * ANON_RATE
        ]
        assert statuses == [200] * ANON_RATE + [429] * ANON_RATE, statuses

        # What one writes, the other reads; credentials from one work on the other.
        headers = sign_in(a.base_url, auth)
        created = httpx.post(
            a.base_url + "/api/v1/items/", json={"name": "shared", "price": "2.50"}, headers=headers
        )
        assert created.status_code == 201, created.text
        path = f"/api/v1/items/{created.json()['id']}/"
        read = httpx.get(b.base_url + path, headers=headers)
        assert read.status_code == 200, read.text
        # The same item; only its URL names the instance that answered.
        assert read.json() | {"url": None} == created.json() | {"url": None}
        changed = httpx.patch(b.base_url + path, json={"price": "3.00"}, headers=headers)
        assert changed.status_code == 200, changed.text
        assert httpx.get(a.base_url + path, headers=headers).json()["price"] == "3.00"
        assert httpx.delete(b.base_url + path, headers=headers).status_code == 204

        # One instance stops under load, as a pod does (module docstring).
        balancer = stack.enter_context(load_balancer(workdir, a, b))
        load, stop = Load(), threading.Event()
        writers = [
            threading.Thread(target=write_continuously, args=(balancer, headers, load, stop))
            for _ in range(4)
        ]
        for writer in writers:
            writer.start()
        time.sleep(2)
        before = len(load.acknowledged)
        take_out(workdir, b.name)
        time.sleep(PRE_STOP_SECONDS)
        b.process.send_signal(signal.SIGTERM)
        assert b.process.wait(timeout=40) == 0
        time.sleep(2)
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
        after = len(load.acknowledged) - before
        assert before > 0, "no write was acknowledged before the stop"
        assert after > 0, "no write was acknowledged after the stop began"
        assert load.failed == []
        assert stored_ids(a.base_url, headers) == set(load.acknowledged)
        print(
            f"{len(load.acknowledged)} writes under load, {after} after the stop began;"
            f" in all {time.perf_counter() - started:.1f} s"
        )
