"""The contract suite's services: one live service per combination, shared by every test.

Combinations: the covering subset (every auth scheme, database and Redis choice on each
framework) by default; every supported combination with ``APIGEN_CONTRACT_ALL=1``. Tests are
ordered by combination so that each combination's services start once; the cross-framework
tests of a pair run once both of its members have been served.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from apigen import smoke
from tests.contract.client import Client, anonymous, sign_in
from tests.contract.services import Pool, Service, ServiceStartError
from tests.contract.transcript import record
from tests.slow.conftest import LOWEST_PYTHON, require_servers

ALL = os.environ.get("APIGEN_CONTRACT_ALL", "").lower() in {"1", "true", "yes"}
COMBINATIONS = smoke.select() if ALL else smoke.covering_subset()
ORDER = {c.id: i for i, c in enumerate(COMBINATIONS)}


def _pairs() -> list[tuple[smoke.Combination, smoke.Combination]]:
    """Each Flask-RESTful combination (either ORM) with the DRF one of the same answers."""

    def rest(c: smoke.Combination) -> tuple[str, ...]:
        return tuple(str(c.answers[k]) for k in ("auth", "database", "redis"))

    drf = {rest(c): c for c in COMBINATIONS if c.answers["framework"] == "drf"}
    return [
        (drf[rest(c)], c)
        for c in COMBINATIONS
        if c.answers["framework"] == "flask-restful" and rest(c) in drf
    ]


PAIRS = _pairs()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize by combination (``combination``) or by framework pair (``pair``)."""
    if "combination" in metafunc.fixturenames:
        metafunc.parametrize("combination", COMBINATIONS, ids=[c.id for c in COMBINATIONS])
    if "pair" in metafunc.fixturenames:
        metafunc.parametrize(
            "pair", PAIRS, ids=[f"{a.id}~{b.id.split('-', 2)[2]}" for a, b in PAIRS]
        )


def _group(item: pytest.Item) -> float:
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "combination" in params:
        return ORDER[params["combination"].id]
    if "pair" in params:
        return max(ORDER[c.id] for c in params["pair"]) + 0.5
    return -1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the contract tests by combination, keeping each group in file order."""
    contract = [i for i in items if i.get_closest_marker("contract")]
    if not contract:
        return
    others = [i for i in items if not i.get_closest_marker("contract")]
    contract.sort(key=_group)
    for item in contract:
        group = _group(item)
        item.add_marker(pytest.mark.xdist_group(f"contract-{int(group)}"))
    items[:] = others + contract


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    """Every service the session starts; all stopped (and databases dropped) at the end."""
    environments = smoke.Environments(smoke.default_env_root(), LOWEST_PYTHON)
    workdir = Path(tmp_path_factory.mktemp("contract"))
    services = Pool(workdir, environments, on_start=record)
    try:
        yield services
    finally:
        services.close()


def _get(pool: Pool, combination: smoke.Combination, variant: str | None = None) -> Service:
    require_servers(combination)
    try:
        if variant is None:
            return pool.service(combination)
        return pool.variant(combination, variant)
    except ServiceStartError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def service(pool: Pool, combination: smoke.Combination) -> Service:
    """The combination's main instance (production, behind the proxy, high rates)."""
    return _get(pool, combination)


@pytest.fixture
def throttled(pool: Pool, combination: smoke.Combination) -> Service:
    """An instance of the same project with rates of a few requests per minute."""
    _get(pool, combination)
    return _get(pool, combination, "throttled")


@pytest.fixture
def unready(pool: Pool, combination: smoke.Combination) -> Service:
    """An instance whose database cannot be reached, with every other setting by default."""
    _get(pool, combination)
    return _get(pool, combination, "unready")


@pytest.fixture
def anon(service: Service) -> Iterator[Client]:
    """An anonymous client of the main instance."""
    with anonymous(service) as client:
        yield client


@pytest.fixture
def alice(service: Service) -> Iterator[Client]:
    """A client signed in as alice (anonymous when the service has no auth)."""
    with sign_in(service, "alice") as client:
        yield client


@pytest.fixture
def bob(service: Service) -> Iterator[Client]:
    """A client signed in as bob."""
    if service.auth == "none":
        pytest.skip("auth=none: there are no users")
    with sign_in(service, "bob") as client:
        yield client


def needs_auth(service: Service) -> None:
    """Skip a test about signing in when the service has no auth scheme."""
    if service.auth == "none":
        pytest.skip("auth=none: every endpoint is open, nobody signs in")


def needs_scheme(service: Service, *schemes: str) -> None:
    """Skip a test about another auth scheme."""
    if service.auth not in schemes:
        pytest.skip(f"auth={service.auth}: the test is about {'/'.join(schemes)}")
