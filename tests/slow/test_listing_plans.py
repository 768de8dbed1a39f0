"""The generated projects' listing queries read their indexes on the real database servers.

Each project generated for PostgreSQL or MySQL carries ``tests/test_indexes.py``: the
migrations make an index per ordering and filter, and EXPLAIN shows every first page, filter
and cursor page read by its index, without a sort (on MySQL over ten thousand items, the size
at which MariaDB walks an index rather than sorting). Here they run for each framework and ORM
on both servers, each combination in a database of its own, dropped afterwards. Outside CI, a
server that is not running skips its cases, saying so; under ``CI=true`` its absence fails them.

The resources ``apigen add resource`` makes are held to the same: each framework and ORM on
both servers gets ``apigen smoke``'s authors and books (every field type, a reference), ten
thousand books filled through SQL as ``benchmarks/scale.py --resource books`` fills them, and
the plans of the books' list queries are asked for in the project (``explain_listing.py``):
page 1, each ordering both ways and each filter must be read by the index of their ordering
or filter (the id's for page 1) without a sort, and so must the ``next`` and ``previous``
pages from the middle of each listing (on MySQL, as a ``range`` of that index; on PostgreSQL,
as its ``Index Cond``); on PostgreSQL a search reads the trigram indexes. On PostgreSQL the
filtered values are made rare first (one book in a hundred, as an author's): at one in five,
the planner rightly reads the books by id and filters them, as cheap at any size.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apigen import smoke
from benchmarks import scale
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
            options = ("-p", "no:cacheprovider", runner.pytest_basetemp, "--no-cov", "-q")
            output = runner.run(("pytest", *options, "tests/test_indexes.py"))
    except smoke.StepFailedError as error:
        pytest.fail(f"{error}\n{error.output[-6000:]}")
    assert " passed" in output, output
    assert "skipped" not in output, output


ADDED_CASES = smoke.select(
    {"auth": ("none",), "database": ("postgresql", "mysql"), "redis": ("false",)}
)
BOOKS = "/api/v1/books/"
ROWS = 10_000  # as the items' MySQL test: MariaDB sorts a smaller table rather than walk an index
# The books' orderings and filters (smoke.ADDED_RESOURCES), by the first column of their index.
ORDERED = ("title", "pages", "price", "contact", "status", "created_at")
# By the first column of their index, and the share of the books they keep (MySQL's fill).
FILTERS = {
    "in_print=false": ("in_print", 1 / 2),
    "status=published": ("status", 1 / 5),
    "author={author}": ("author_id", 1 / 100),
}
# Most books: PostgreSQL's planner rightly reads these by id, filtering (as cheap).
COMMON = {"in_print=true": ("in_print", 1 / 2), "status=draft": ("status", 4 / 5)}
# On PostgreSQL the filtered values are made as rare as an author's books: one in a hundred
# (at one in five, reading the books by id and filtering costs less than by their index).
RARE = """
    UPDATE {books} SET in_print = id % 100 <> 0,
                       status = CASE WHEN id % 100 = 1 THEN 'published' ELSE 'draft' END
"""
SEARCHED = ("title", "summary", "contact")


def book_requests(author: str, database: str) -> dict[str, tuple[str, str, int]]:
    """Name: the list URL, the first column of the index that must serve it, a middle page."""
    pages = ROWS // 20  # of 20 books
    requests = {"page 1": (BOOKS, "id", pages // 2)}
    for name in ORDERED:
        for way in ("", "-"):
            requests[f"ordering={way}{name}"] = (f"{BOOKS}?ordering={way}{name}", name, pages // 2)
    filters = FILTERS if database == "postgresql" else {**FILTERS, **COMMON}
    for query, (column, share) in filters.items():
        # On PostgreSQL each filtered value is as rare as an author's books (RARE).
        middle = max(2, int(pages * (share if database == "mysql" else 1 / 100) / 2))
        requests[query] = (f"{BOOKS}?{query.format(author=author)}", column, middle)
    return requests


def postgresql_reads_by(page: str, plan: str, indexes: set[str]) -> None:
    assert any(f" using {index} on " in plan for index in indexes), (page, plan)
    assert "Sort" not in plan, (page, plan)


def mysql_reads_by(page: str, rows: list[dict[str, Any]], table: str, indexes: set[str]) -> None:
    """The books are read first, by one of ``indexes``, and nothing is sorted afterwards."""
    assert rows[0]["table"] in (table, "t1"), (page, rows)
    assert rows[0]["key"] in indexes, (page, rows)
    extras = " ".join(row["Extra"] or "" for row in rows)
    assert "filesort" not in extras, (page, rows)
    assert "temporary" not in extras, (page, rows)


@pytest.mark.parametrize("combination", ADDED_CASES, ids=[c.id for c in ADDED_CASES])
def test_added_resources_listing_queries_read_the_indexes(
    combination: smoke.Combination, environments: smoke.Environments, workdir: Path
) -> None:
    require_servers(combination)
    framework, orm, database = (
        str(combination.answers[k]) for k in ("framework", "orm", "database")
    )
    runner = smoke.Runner(combination, workdir, environments)
    env = {"ENVIRONMENT": "development", "API_THROTTLE_ANON": "1000000/second"}
    table = scale.BOOKS.tables[orm]
    try:
        runner.render()
        runner.install()
        with runner.database():
            runner.add()
            runner.run(
                [a.format(package=runner.package) for a in smoke._MIGRATE[framework]], env=env
            )
            author = scale.add_authors(runner, orm, database)
            assert scale.add_books(runner, orm, database, 1, ROWS, author) == ROWS
            if database == "postgresql":
                scale.sql(runner, database, RARE.format(books=table), f"VACUUM ANALYZE {table}")
            requests = book_requests(author, database)
            urls = {name: (url, middle) for name, (url, _, middle) in requests.items()}
            if database == "postgresql":
                urls["search"] = (f"{BOOKS}?search=book 1234", 0)
            script = Path(__file__).with_name("explain_listing.py")
            arguments = (framework, orm, database, runner.package, table, json.dumps(urls))
            output = runner.run(("python", str(script), *arguments), env=env)
    except smoke.StepFailedError as error:
        pytest.fail(f"{error}\n{error.output[-6000:]}")
    (line,) = [line for line in output.splitlines() if line.startswith('{"plans": ')]
    found = json.loads(line)
    plans, indexes = found["plans"], found["indexes"]
    by_column: dict[str, set[str]] = {}
    for index, columns in indexes.items():
        if columns[1:] in ([], ["id"]):  # InnoDB's secondary indexes end with the id anyway
            by_column.setdefault(columns[0], set()).add(index)
    # The migrations make an index per ordering and filter, the id second.
    for _, column, _ in requests.values():
        wanted = ["id"] if column == "id" else [column, "id"]
        assert any(indexes[i] == wanted for i in by_column.get(column, ())), indexes
    for name, (_, column, _) in requests.items():
        index = by_column[column]
        pages = [name, f"{name} next", f"{name} previous"]
        assert all(page in plans for page in pages), sorted(plans)
        for page in pages:
            if database == "postgresql":
                postgresql_reads_by(page, plans[page], index)
                if page != name:
                    assert "Index Cond" in plans[page], (page, plans[page])
            else:
                mysql_reads_by(page, plans[page], table, index)
                if page != name:
                    assert plans[page][0]["type"] == "range", (page, plans[page])
    if database == "postgresql":
        trigram = [name for name in indexes if name.endswith("_trgm")]
        for column in SEARCHED:
            (index,) = [name for name in trigram if name.endswith(f"{column}_trgm")]
            assert f"Bitmap Index Scan on {index}" in plans["search"], plans["search"]
