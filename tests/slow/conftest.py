"""The slow tier: real installs, real servers, real HTTP."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from apigen import smoke
from tests.conftest import server_required

SERVERS = {"postgresql": 5432, "mysql": 3306, "redis": 6379}
LOWEST_PYTHON = "3.11"
HIGHEST_PYTHON = "3.13"


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require_servers(combination: smoke.Combination) -> None:
    """Skip (or, under CI, fail) when a server the combination needs is down."""
    needed = [str(combination.answers["database"])]
    if combination.answers["redis"]:
        needed.append("redis")
    for name in needed:
        if name in SERVERS and not reachable(SERVERS[name]):
            server_required(name)


@pytest.fixture(scope="session")
def environments() -> smoke.Environments:
    """Shared environments on the highest Python, kept between runs, per dependency set."""
    return smoke.Environments(smoke.default_env_root(), HIGHEST_PYTHON)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
