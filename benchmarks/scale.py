"""List cost against table size: the same list requests at 1,000, 100,000 and 1,000,000 items.

    uv run python benchmarks/scale.py [--rows 1000 --rows 1000000] [--framework drf]
                                      [--orm peewee] [--database postgresql] [--repeat 5]
                                      [--resource books]

For each selected framework and ORM and each server database (PostgreSQL, MySQL/MariaDB), apigen
renders the service with JWT authentication and installs it as ``apigen smoke`` does (shared
environments). Each table size then gets a database of its own, migrated, with one user who
owns every item, filled through SQL (``generate_series`` on PostgreSQL, the sequence engine on
MariaDB) and analyzed, and a gunicorn of its own (2 workers, the project's
``gunicorn.conf.py``, production settings). The sizes are measured side by side, taking turns
request by request, so that the machine's other work weighs on each alike.

Timed, one client, best of ``--repeat`` (wall time of the whole HTTP request): page 1; a
search (``?search=item 123456``); each ordering; each ``in_stock`` filter; the page in the
middle by number (OFFSET: the one request whose cost grows with the table, by design); the
``next`` and the ``previous`` page of the middle page of ``?in_stock=false`` (cursors deep
into a filtered listing); each ``next`` from page 1 of ``?ordering=-price`` (``--hops``
pages) and each ``previous`` back.
The table prints milliseconds per size and each size's ratio to the smallest; the goal is
every request but the middle page within 3x of its time at the smallest size (on MySQL, the
search scans: see docs/performance.md). Databases are dropped at the end, servers stopped.

``--resource books`` measures a resource made by ``apigen add resource`` instead: the project
gets ``apigen smoke``'s authors and books (every field type, a reference to the authors), and
the books table grows, over a hundred authors, the same way. Timed likewise: page 1, a search
(``?search=book 123456``), each ordering, each filter (``in_print``, ``status``, ``author``),
the middle page by number, ``next`` and ``previous`` from the middle of ``?in_print=false``,
and each ``next`` and ``previous`` from page 1 of ``?ordering=-price``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apigen import options
from apigen.smoke import (
    _CREATE_USER,
    _MIGRATE,
    PASSWORD,
    Combination,
    Environments,
    Runner,
    StepFailedError,
    default_env_root,
    request,
    sign_in,
)

ORMS = {"drf": ("django",), "flask-restful": ("sqlalchemy", "peewee")}
USERS = {"django": "auth_user", "sqlalchemy": "users", "peewee": "users"}
DATABASES = ("postgresql", "mysql")
MIDDLE = "page rows/40 by number (OFFSET)"


@dataclass(frozen=True)
class Listing:
    """A collection measured: its tables and the requests of its list."""

    name: str
    tables: dict[str, str]  # its table, by ORM
    search: str
    orderings: tuple[str, ...]
    filters: tuple[str, ...]  # ``name=value``; ``{author}``: an author's id
    deep_filter: str  # the filter whose middle page's cursors are followed
    hops: str  # the ordering whose pages are walked from page 1
    targets: dict[str, str] | None = None  # the table of the authors, by ORM


ITEMS = Listing(
    "items",
    {"django": "api_item", "sqlalchemy": "items", "peewee": "items"},
    search="item 123456",
    orderings=("-price", "name", "-created_at"),
    filters=("in_stock=true", "in_stock=false"),
    deep_filter="in_stock=false",
    hops="-price",
)
# apigen smoke's added resource (smoke.ADDED_RESOURCES): every ordering and filter of it.
BOOKS = Listing(
    "books",
    {"django": "books_book", "sqlalchemy": "books", "peewee": "books"},
    search="book 123456",
    orderings=("title", "-pages", "price", "contact", "-status", "-created_at"),
    filters=(
        "in_print=true",
        "in_print=false",
        "status=published",
        "status=draft",
        "author={author}",
    ),
    deep_filter="in_print=false",
    hops="-price",
    targets={"django": "authors_author", "sqlalchemy": "authors", "peewee": "authors"},
)
LISTINGS = {listing.name: listing for listing in (ITEMS, BOOKS)}
AUTHORS = 100  # the books' authors, each with as many books as the others

# Rows numbered from 1: names and descriptions that a search finds, prices and stock spread
# out, creation times rising with the id (as a service that only appends would have them).
FILL = {
    "postgresql": """
        INSERT INTO {items} (name, description, price, in_stock, created_at, updated_at, owner_id)
        SELECT 'item ' || n, 'description of item ' || n, (n::bigint * 7919 % 10000000) / 100.0,
               n % 2 = 0, timestamp '2026-01-01' + n * interval '1 second',
               timestamp '2026-01-01' + n * interval '1 second', {owner}
        FROM generate_series({first}, {last}) AS n
    """,
    "mysql": """
        INSERT INTO {items} (name, description, price, in_stock, created_at, updated_at, owner_id)
        SELECT CONCAT('item ', seq), CONCAT('description of item ', seq),
               (seq * 7919 % 10000000) / 100.0, seq % 2 = 0,
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND,
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, {owner}
        FROM seq_{first}_to_{last}
    """,
}
# The books likewise, each of the hundred authors writing one in a hundred; one in five
# published, half in print. ``{owner_column}`` and ``{owner}`` are empty without auth.
FILL_BOOKS = {
    "postgresql": """
        INSERT INTO {items} (title, summary, pages, price, in_print, published, printed_at,
                             contact, isbn, status, author_id, created_at, updated_at{owner_column})
        SELECT 'book ' || n, 'summary of book ' || n, 1 + n % 10000,
               (n::bigint * 7919 % 10000000) / 100.0, n % 2 = 0, date '2000-01-01' + n % 9000,
               NULL, 'writer' || n % 50000 || '@example.com', md5(n::text)::uuid,
               CASE WHEN n % 5 = 1 THEN 'published' ELSE 'draft' END,
               {author} + n % {count}, timestamp '2026-01-01' + n * interval '1 second',
               timestamp '2026-01-01' + n * interval '1 second'{owner}
        FROM generate_series({first}, {last}) AS n
    """,
    "mysql": """
        INSERT INTO {items} (title, summary, pages, price, in_print, published, printed_at,
                             contact, isbn, status, author_id, created_at, updated_at{owner_column})
        SELECT CONCAT('book ', seq), CONCAT('summary of book ', seq), 1 + seq % 10000,
               (seq * 7919 % 10000000) / 100.0, seq % 2 = 0,
               DATE '2000-01-01' + INTERVAL (seq % 9000) DAY, NULL,
               CONCAT('writer', seq % 50000, '@example.com'), LPAD(HEX(seq), 32, '0'),
               IF(seq % 5 = 1, 'published', 'draft'), {author} + seq % {count},
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND,
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND{owner}
        FROM seq_{first}_to_{last}
    """,
}
FILL_AUTHORS = {
    "postgresql": """
        INSERT INTO {authors} (name, homepage, created_at, updated_at{owner_column})
        SELECT 'author ' || n, '', timestamp '2026-01-01', timestamp '2026-01-01'{owner}
        FROM generate_series(1, {count}) AS n
    """,
    "mysql": """
        INSERT INTO {authors} (name, homepage, created_at, updated_at{owner_column})
        SELECT CONCAT('author ', seq), '', TIMESTAMP '2026-01-01 00:00:00',
               TIMESTAMP '2026-01-01 00:00:00'{owner}
        FROM seq_1_to_{count}
    """,
}
ANALYZE = {"postgresql": "VACUUM ANALYZE {items}", "mysql": "ANALYZE TABLE {items}"}
# The project's own driver runs the SQL: no client library needed here.
RUN_SQL = {
    "postgresql": (
        "import psycopg, sys\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    for s in sys.argv[2:]:\n"
        "        k = c.execute(s)\n"
        "        rows = k.fetchall() if k.description else []\n"
        "    print(rows[0][0] if rows else '')\n"
    ),
    "mysql": (
        "import pymysql, sys, urllib.parse as u\n"
        "p = u.urlsplit(sys.argv[1])\n"
        "c = pymysql.connect(host=p.hostname, port=p.port or 3306, user=p.username,\n"
        "                    database=p.path[1:], autocommit=True)\n"
        "k = c.cursor()\n"
        "for s in sys.argv[2:]:\n"
        "    k.execute(s)\n"
        "    rows = k.fetchall()\n"
        "print(rows[0][0] if rows else '')\n"
    ),
}


def sql(runner: Runner, database: str, *statements: str) -> str:
    """Run ``statements`` on the combination's database; the first value of the last one."""
    try:
        output = runner.run(
            ("python", "-c", RUN_SQL[database], runner.env["DATABASE_URL"], *statements),
            timeout=3600,
        )
    except StepFailedError as error:
        raise SystemExit(f"{error}\n{error.output[-3000:]}") from None
    return output.strip().splitlines()[-1]


def owned(runner: Runner, owner: str) -> dict[str, str]:
    """The owner's column and value in an insert (none without auth), and the authors' count."""
    auth = runner.combination.answers["auth"] != "none"
    return {
        "owner_column": ", owner_id" if auth else "",
        "owner": f", {owner}" if auth else "",
        "count": str(AUTHORS),
    }


def add_authors(runner: Runner, orm: str, database: str, owner: str = "") -> str:
    """Add the authors the books refer to (``apigen smoke``'s resources); the first one's id."""
    authors = BOOKS.targets[orm] if BOOKS.targets else ""
    fill = FILL_AUTHORS[database].format(authors=authors, **owned(runner, owner))
    analyze = ANALYZE[database].format(items=authors)
    return sql(runner, database, fill, analyze, f"SELECT min(id) FROM {authors}")


def add_books(
    runner: Runner, orm: str, database: str, first: int, last: int, author: str, owner: str = ""
) -> int:
    """Add books ``first`` to ``last``, written by the authors from ``author`` on; how many."""
    books = BOOKS.tables[orm]
    fill = FILL_BOOKS[database].format(
        items=books, first=first, last=last, author=author, **owned(runner, owner)
    )
    analyze = ANALYZE[database].format(items=books)
    return int(sql(runner, database, fill, analyze, f"SELECT count(*) FROM {books}"))


class Service:
    """One rendered, migrated and served combination, growing its table on demand."""

    def __init__(
        self, runner: Runner, orm: str, database: str, base_url: str, listing: Listing
    ) -> None:
        self.runner = runner
        self.orm = orm
        self.database = database
        self.base_url = base_url
        self.listing = listing
        self.rows = 0
        self.items = listing.tables[orm]
        self.owner = sql(runner, database, f"SELECT min(id) FROM {USERS[orm]}")
        self.headers: dict[str, str] = {}
        self.author = ""
        if listing is BOOKS:
            self.author = add_authors(runner, orm, database, self.owner)

    def grow(self, rows: int) -> None:
        """Insert rows up to ``rows`` and refresh the planner's statistics."""
        if rows > self.rows:
            if self.listing is BOOKS:
                counted = add_books(
                    self.runner,
                    self.orm,
                    self.database,
                    self.rows + 1,
                    rows,
                    self.author,
                    self.owner,
                )
            else:
                fill = FILL[self.database].format(
                    items=self.items, owner=self.owner, first=self.rows + 1, last=rows
                )
                analyze = ANALYZE[self.database].format(items=self.items)
                counted = int(
                    sql(
                        self.runner,
                        self.database,
                        fill,
                        analyze,
                        f"SELECT count(*) FROM {self.items}",
                    )
                )
            if counted != rows:
                raise SystemExit(f"{self.items} holds {counted} rows, not {rows}")
            self.rows = rows

    def get(self, path: str) -> tuple[float, dict[str, Any]]:
        """Milliseconds for one GET of ``path``, and its body."""
        started = time.perf_counter()
        answer = request(self.base_url, "GET", path, headers=self.headers)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise SystemExit(f"GET {path}: {answer.status} {answer.body[:300]!r}")
        return elapsed, answer.json()


def path_of(url: object) -> str:
    parts = urllib.parse.urlsplit(str(url))
    return f"{parts.path}?{parts.query}"


def best(services: dict[int, Service], paths: dict[int, str], repeat: int) -> dict[int, float]:
    """Per size, the fastest of ``repeat`` GETs, the sizes taking turns (noise hits all alike)."""
    timings: dict[int, list[float]] = {rows: [] for rows in services}
    for _ in range(repeat):
        for rows, service in services.items():
            timings[rows].append(service.get(paths[rows])[0])
    return {rows: min(values) for rows, values in timings.items()}


def measure(services: dict[int, Service], args: argparse.Namespace) -> dict[int, dict[str, float]]:
    """Every request at every size: milliseconds, best of ``--repeat``."""
    listing = next(iter(services.values())).listing
    items = f"/api/v1/{listing.name}/"
    search = listing.search
    requests: dict[str, str | dict[int, str]] = {
        "page 1": items,
        f"?search={search}": f"{items}?{urllib.parse.urlencode({'search': search})}",
        **{f"?ordering={o}": f"{items}?ordering={o}" for o in listing.orderings},
    }
    for condition in listing.filters:
        # The author's id may differ from size to size: named as the first author's.
        requests[f"?{condition.format(author='1')}"] = {
            rows: f"{items}?{condition.format(author=service.author)}"
            for rows, service in services.items()
        }
    requests[MIDDLE] = {rows: f"{items}?page={max(1, rows // 40)}" for rows in services}
    result: dict[int, dict[str, float]] = {rows: {} for rows in services}
    for name, path in requests.items():
        paths = path if isinstance(path, dict) else dict.fromkeys(services, path)
        for rows, elapsed in best(services, paths, args.repeat).items():
            result[rows][name] = elapsed
    # From the middle page of a filter, reached by number, one step each way by its cursors:
    # a cursor deep into a filtered listing (MariaDB's plan for these once grew with depth).
    deep = listing.deep_filter
    middles = {
        rows: service.get(f"{items}?{deep}&page={max(3, rows // 80)}")[1]
        for rows, service in services.items()
    }
    for link in ("next", "previous"):
        paths = {rows: path_of(page[link]) for rows, page in middles.items()}
        for rows, elapsed in best(services, paths, args.repeat).items():
            result[rows][f"{link} from the middle of {deep}"] = elapsed
    # Each size walks its own chain of links; a step of every chain is timed in turn.
    hops = listing.hops
    pages = {rows: service.get(f"{items}?ordering={hops}")[1] for rows, service in services.items()}
    for link, name in (
        ("next", f"each next ({hops}), worst"),
        ("previous", "each previous, worst"),
    ):
        for _ in range(args.hops):
            if not all(page[link] for page in pages.values()):
                break
            paths = {rows: path_of(page[link]) for rows, page in pages.items()}
            for rows, elapsed in best(services, paths, args.repeat).items():
                result[rows][name] = max(result[rows].get(name, 0.0), elapsed)
            pages = {rows: services[rows].get(paths[rows])[1] for rows in services}
    return result


@contextlib.contextmanager
def serve(
    framework: str,
    orm: str,
    database: str,
    sizes: list[int],
    work: Path,
    environments: Environments,
    listing: Listing = ITEMS,
) -> Iterator[dict[int, Service]]:
    """The combination's servers by table size, each over a database of its own.

    Rendered and installed once (and given smoke's added resources, to measure the books);
    per size, a database migrated, with a user and that many rows, and a gunicorn. Databases
    are dropped and servers stopped on the way out.
    """
    answers = options.complete(
        {"framework": framework, "orm": orm, "auth": "jwt", "database": database}
    )
    combination = Combination(answers)
    print(f"[{framework}/{orm}/{database}] rendering and installing", flush=True)
    env = {"ENVIRONMENT": "production", "SECRET_KEY": secrets.token_urlsafe(50)}
    env |= {"API_THROTTLE_ANON": "1000000/second", "API_THROTTLE_USER": "1000000/second"}
    services: dict[int, Service] = {}
    with contextlib.ExitStack() as stack:
        for rows in sizes:
            runner = Runner(combination, work, environments)
            if not services:
                runner.render()
            runner.install()
            stack.enter_context(runner.database())
            if not services and listing is not ITEMS:
                runner.add()
            runner.run([a.format(package=runner.package) for a in _MIGRATE[framework]], env=env)
            runner.run(
                [a.format(package=runner.package) for a in _CREATE_USER[framework]],
                env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            )
            base_url = stack.enter_context(runner.server(env))
            services[rows] = Service(runner, orm, database, base_url, listing)
            print(f"[{framework}/{orm}/{database}] filling {rows:,} rows", flush=True)
            services[rows].grow(rows)
        # Signed in once every table is full: access tokens live only a few minutes.
        for service in services.values():
            service.headers = sign_in(service.base_url, "jwt")
        yield services


def report(title: str, sizes: list[int], table: dict[int, dict[str, float]]) -> list[str]:
    """A Markdown table: milliseconds per size, then each size's ratio to the smallest."""
    smallest = sizes[0]
    head = ["request", *(f"{n:,} rows, ms" for n in sizes)]
    head += [f"{n:,} / {smallest:,}" for n in sizes[1:]]
    lines = [
        f"### {title}",
        "",
        f"| {' | '.join(head)} |",
        "|---" + "|---:" * (len(head) - 1) + "|",
    ]
    for name in table[smallest]:
        values = [table[n][name] for n in sizes]
        cells = [f"`{name}`" if name.startswith("?") else name, *(f"{v:.1f}" for v in values)]
        cells += [f"{v / values[0]:.1f}x" for v in values[1:]]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="table sizes (repeatable)")
    parser.add_argument("--framework", action="append", choices=list(ORMS))
    parser.add_argument("--orm", action="append", choices=[o for v in ORMS.values() for o in v])
    parser.add_argument("--database", action="append", choices=DATABASES)
    parser.add_argument("--repeat", type=int, default=5, help="best of N per request")
    parser.add_argument("--hops", type=int, default=5, help="next links followed from page 1")
    parser.add_argument("--workdir", type=Path, help="projects and logs (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the measurements as JSON")
    parser.add_argument(
        "--resource",
        choices=list(LISTINGS),
        default="items",
        help="the collection measured: the template's items, or an added resource",
    )
    args = parser.parse_args()
    sizes = sorted(set(args.rows or [1_000, 100_000, 1_000_000]))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="apigen-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    environments = Environments(default_env_root())
    output: list[str] = []
    results: dict[str, dict[int, dict[str, float]]] = {}
    for database in args.database or DATABASES:
        for framework in args.framework or list(ORMS):
            for orm in ORMS[framework]:
                if args.orm and orm not in args.orm:
                    continue
                listing = LISTINGS[args.resource]
                title = f"{framework} / {orm} / {database}"
                if listing is not ITEMS:
                    title = f"{listing.name}: {title}"
                with serve(
                    framework, orm, database, sizes, work, environments, listing
                ) as services:
                    print(f"[{title}] measuring", flush=True)
                    table = measure(services, args)
                print(json.dumps(table), flush=True)
                results[title] = table
                lines = report(title, sizes, table)
                print("\n".join(["", *lines, ""]), flush=True)
                output += [*lines, ""]
    print("\n".join(output))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
