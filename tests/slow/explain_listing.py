"""Run inside a generated project: the plans of its list queries, as JSON on the last line.

    python explain_listing.py FRAMEWORK ORM DATABASE PACKAGE TABLE REQUESTS_JSON

``REQUESTS_JSON`` maps a name to a list URL (path and query) and the number of a page in
the middle of its listing (0: none). For each, the project answers
the GET in process (Django's or Flask's test client), the statement that chose the page (the
one ordered and limited) is recorded, and EXPLAIN is asked of it: on PostgreSQL with
sequential scans and sorts priced out of reach, as the template's own index tests do (at this
size the planner would read the table faster than any index), with index scans priced out
too for a search (reading the ids in order, filtered, is cheaper still). From the middle
page, reached by number, its ``next`` link (``<name> next``) and that page's ``previous``
link (``<name> previous``) are followed and explained likewise: cursors deep into the
listing, where reading the index from its start would show. Printed: the plans
(PostgreSQL's text, or MySQL's rows) and the table's indexes with their columns.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path.cwd()))  # the project's package

FRAMEWORK, ORM, DATABASE, PACKAGE, TABLE = sys.argv[1:6]
REQUESTS: dict[str, tuple[str, int]] = json.loads(sys.argv[6])

Statement = tuple[str, Any]
# Runs statements on one connection; the columns and rows of each.
Run = Callable[[list[Statement]], list[tuple[list[str], list[tuple[Any, ...]]]]]

INDEXES = {
    "postgresql": """
        SELECT i.relname, a.attname
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, position)
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE t.relname = %s
        ORDER BY i.relname, k.position
    """,
    "mysql": """
        SELECT index_name, column_name FROM information_schema.statistics
        WHERE table_schema = DATABASE() AND table_name = %s
        ORDER BY index_name, seq_in_index
    """,
}


def path_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


def page_statement(statements: list[Statement]) -> Statement:
    """The statement that chose the page: the one ordered and limited."""
    chosen = [s for s in statements if "ORDER BY" in s[0] and "LIMIT" in s[0]]
    if len(chosen) != 1:
        raise SystemExit(f"not one page statement: {statements}")
    return chosen[0]


def drf() -> Iterator[tuple[Callable[[str], tuple[Statement, Any]], Run]]:
    import django  # noqa: PLC0415

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{PACKAGE}.settings")
    django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    client = Client(HTTP_HOST="localhost")

    def get(url: str) -> tuple[Statement, Any]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code} {response.content[:300]!r}")
        # The SQL as sent, its values in it: run again without parameters.
        return page_statement([(q["sql"], None) for q in queries.captured_queries]), response.json()

    def run(statements: list[Statement]) -> list[tuple[list[str], list[tuple[Any, ...]]]]:
        results = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                names = [d[0] for d in cursor.description or ()]
                results.append((names, list(cursor.fetchall()) if names else []))
        return results

    yield get, run


def flask() -> Iterator[tuple[Callable[[str], tuple[Statement, Any]], Run]]:
    module = __import__(PACKAGE)
    app = module.create_app()
    client = app.test_client()
    recorded: list[Statement] = []
    with app.app_context():
        if ORM == "sqlalchemy":
            from sqlalchemy import event  # noqa: PLC0415

            engine = __import__(f"{PACKAGE}.store.database", fromlist=["db"]).db.engine

            def record(*args: Any) -> None:
                recorded.append((args[2], args[3]))

            event.listen(engine, "before_cursor_execute", record)

            def run(statements: list[Statement]) -> list[tuple[list[str], list[tuple[Any, ...]]]]:
                results = []
                with engine.connect() as connection:
                    for sql, params in statements:
                        result = connection.exec_driver_sql(sql, params or ())
                        rows = [tuple(row) for row in result] if result.returns_rows else []
                        results.append((list(result.keys()) if result.returns_rows else [], rows))
                    connection.rollback()
                return results
        else:
            database = app.extensions["peewee"]
            execute = database.execute_sql

            def execute_recorded(sql: str, params: Any = None, *args: Any) -> Any:
                recorded.append((sql, params))
                return execute(sql, params, *args)

            database.execute_sql = execute_recorded

            def run(statements: list[Statement]) -> list[tuple[list[str], list[tuple[Any, ...]]]]:
                results = []
                for sql, params in statements:
                    cursor = execute(sql, params)
                    names = [d[0] for d in cursor.description or ()]
                    results.append((names, list(cursor.fetchall()) if names else []))
                return results

    def get(url: str) -> tuple[Statement, Any]:
        recorded.clear()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code} {response.get_data()[:300]!r}")
        return page_statement(list(recorded)), response.get_json()

    yield get, run


def explain(run: Run, statement: Statement, *, search: bool) -> Any:
    sql, params = statement
    if DATABASE == "postgresql":
        off = (
            ("enable_seqscan", "enable_indexscan") if search else ("enable_seqscan", "enable_sort")
        )
        results = run(
            [
                *((f"SET {name} = off", None) for name in off),
                (f"EXPLAIN {sql}", params),
                *((f"RESET {name}", None) for name in off),
            ]
        )
        return "\n".join(row[0] for row in results[len(off)][1])
    names, rows = run([(f"EXPLAIN {sql}", params)])[0]
    return [
        {n: (None if v is None else str(v)) for n, v in zip(names, row, strict=True)}
        for row in rows
    ]


def main() -> None:
    with_project = drf() if FRAMEWORK == "drf" else flask()
    get, run = next(with_project)
    plans: dict[str, Any] = {}
    for name, (url, middle) in REQUESTS.items():
        search = "search=" in url
        statement, _ = get(url)
        plans[name] = explain(run, statement, search=search)
        if not middle:
            continue
        _, page = get(f"{url}{'&' if '?' in url else '?'}page={middle}")
        statement, second = get(path_of(page["next"]))
        plans[f"{name} next"] = explain(run, statement, search=False)
        statement, _ = get(path_of(second["previous"]))
        plans[f"{name} previous"] = explain(run, statement, search=False)
    indexes: dict[str, list[str | None]] = {}
    for index, column in run([(INDEXES[DATABASE], (TABLE,))])[0][1]:
        indexes.setdefault(str(index), []).append(None if column is None else str(column))
    print(json.dumps({"plans": plans, "indexes": indexes}))


if __name__ == "__main__":
    main()
