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
from typing import Any

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


def _grouped(value: object, group: str, name: str) -> Any:
    """``value`` as a parameter of the pytest-xdist group ``group``."""
    return pytest.param(value, id=name, marks=pytest.mark.xdist_group(group))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize by combination (``combination``) or by framework pair (``pair``).

    Each combination's tests form one pytest-xdist group, so that one worker starts its
    services, once. A pair's tests form a group of their own, queued after both members
    (``--no-loadscope-reorder`` keeps the collection order): they compare what the members'
    workers recorded, and start a member again only if its record is missing.
    """
    if "combination" in metafunc.fixturenames:
        metafunc.parametrize(
            "combination", [_grouped(c, f"contract-{ORDER[c.id]}", c.id) for c in COMBINATIONS]
        )
    if "pair" in metafunc.fixturenames:
        metafunc.parametrize(
            "pair",
            [
                _grouped(
                    (a, b),
                    f"contract-pair-{max(ORDER[a.id], ORDER[b.id])}",
                    f"{a.id}~{b.id.split('-', 2)[2]}",
                )
                for a, b in PAIRS
            ],
        )


def _group(item: pytest.Item) -> float:
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "combination" in params:
        return ORDER[params["combination"].id]
    if "pair" in params:
        return max(ORDER[c.id] for c in params["pair"]) + 0.5
    return -1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the contract tests by combination, keeping each combination's in file order."""
    contract = [i for i in items if i.get_closest_marker("contract")]
    if not contract:
        return
    others = [i for i in items if not i.get_closest_marker("contract")]
    contract.sort(key=_group)
    items[:] = others + contract


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse to run ungrouped: pytest-xdist tags a grouped test's node id with ``@group``."""
    if not getattr(session.config.option, "loadgroup", False):  # set in xdist's workers
        return
    lost = [
        i.nodeid
        for i in session.items
        if i.get_closest_marker("xdist_group") and "@" not in i.nodeid
    ]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist did not group {len(lost)} contract tests (e.g. {lost[0]}): each "
            "combination would start its services on every worker; check the pytest and "
            "pytest-xdist versions"
        )


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    """Every service the session starts; all stopped (and databases dropped) at the end."""
    environments = smoke.Environments(smoke.default_env_root(), LOWEST_PYTHON)
    workdir = Path(tmp_path_factory.mktemp("contract"))
    # The base temporary directory of the whole run: every xdist worker's is inside it.
    run_root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_root = run_root.parent
    services = Pool(workdir, environments, on_start=record, records_dir=run_root / "records")
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


# Bearer credentials the fixtures reuse, per service instance and user: asking for a token
# hashes the password on purpose slowly, and most tests only need to be someone. The tests of
# the sign-in flows themselves call ``sign_in``. Sessions are not reused: logging out ends
# every session of the user (C38).
_CREDENTIALS: dict[tuple[str, str, str], dict[str, str]] = {}
REUSED_SCHEMES = frozenset({"token", "jwt"})


def signed_in(service: Service, username: str) -> Client:
    """A client signed in as ``username``, reusing a token the service issued before."""
    if service.auth not in REUSED_SCHEMES:
        return sign_in(service, username)
    key = (service.base_url, service.secret_key, username)
    if key not in _CREDENTIALS:
        with sign_in(service, username) as fresh:
            _CREDENTIALS[key] = dict(fresh.headers)
    client = anonymous(service)
    client.username = username
    client.headers |= _CREDENTIALS[key]
    return client


@pytest.fixture
def alice(service: Service) -> Iterator[Client]:
    """A client signed in as alice (anonymous when the service has no auth)."""
    with signed_in(service, "alice") as client:
        yield client


@pytest.fixture
def bob(service: Service) -> Iterator[Client]:
    """A client signed in as bob."""
    if service.auth == "none":
        pytest.skip("auth=none: there are no users")
    with signed_in(service, "bob") as client:
        yield client


def needs_auth(service: Service) -> None:
    """Skip a test about signing in when the service has no auth scheme."""
    if service.auth == "none":
        pytest.skip("auth=none: every endpoint is open, nobody signs in")


def needs_scheme(service: Service, *schemes: str) -> None:
    """Skip a test about another auth scheme."""
    if service.auth not in schemes:
        pytest.skip(f"auth={service.auth}: the test is about {'/'.join(schemes)}")
