"""The generated projects' listing queries read their indexes on the real database servers.

Each project generated for PostgreSQL or MySQL carries ``tests/test_indexes.py``: the
migrations make an index per ordering and filter, and EXPLAIN shows every first page, filter
and cursor page read by its index, without a sort (on MySQL over ten thousand items, the size
at which MariaDB walks an index rather than sorting). Here they run for each framework and ORM
on both servers, each combination in a database of its own, dropped afterwards. Outside CI, a
server that is not running skips its cases, saying so; under ``CI=true`` its absence fails them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen import smoke
from tests.slow.conftest import require_servers

pytestmark = pytest.mark.slow

CASES = smoke.select({"auth": ("jwt",), "database": ("postgresql", "mysql"), "redis": ("false",)})


@pytest.mark.parametrize("combination", CASES, ids=[c.id for c in CASES])
def test_listing_queries_read_the_indexes(
    combination: smoke.Combination, environments: smoke.Environments, workdir: Path
) -> None:
    require_servers(combination)
    runner = smoke.Runner(combination, workdir, environments)
    try:
        runner.render()
        runner.install()
        with runner.database():
            output = runner.run(
                ("pytest", "-p", "no:cacheprovider", "--no-cov", "-q", "tests/test_indexes.py")
            )
    except smoke.StepFailedError as error:
        pytest.fail(f"{error}\n{error.output[-6000:]}")
    assert " passed" in output, output
    assert "skipped" not in output, output
