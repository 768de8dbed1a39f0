"""The database: Peewee over ``DATABASE_URL``, a connection per request, and ``flask db``.

The models are bound to a proxy that points at the database of the application whose
context is active. A request opens a connection with its first query (the liveness probe
opens none) and gives it back to a pool when its context ends.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import click
from flask import Flask, appcontext_pushed
from flask.cli import AppGroup
from peewee import (
    Database,
    DatabaseProxy,
    InterfaceError,
    Model,
    ModelSelect,
    OperationalError,
    Value,
)
from peewee_migrate import Router
from playhouse.db_url import connect

from ..settings import BASE_DIR

MIGRATIONS_DIR = BASE_DIR / "migrations"

# What ``flask db migrate`` writes: peewee-migrate's changes in a typed module.
MIGRATION = '''"""{title}.

Written by ``flask db migrate``; ``flask db upgrade`` applies it, ``flask db downgrade``
undoes it.
"""

from __future__ import annotations
{imports}
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    """Apply the change."""
    {migrate}


def rollback(migrator: Migrator, database: pw.Database, *, fake: bool = False) -> None:
    """Undo the change."""
    {rollback}
'''
# peewee-migrate writes a DecimalField's rounding as a bare name from ``decimal``.
_ROUNDING = re.compile(r"\bROUND_[A-Z0-9_]+\b")
# ... and a frozen model's indexes as a list, a mutable class attribute (Ruff's RUF012).
_INDEXES = re.compile(r"^(\s*indexes = )\[(.*)\]$", re.MULTILINE)
# ``?search=`` is ``column ILIKE '%term%'`` on PostgreSQL, which trigram indexes serve, and
# which Peewee's models cannot describe: a model names its searched fields in its Meta's
# ``trigram_indexes``, and the migration that creates its table creates them, on PostgreSQL.
_TRIGRAM = """

if isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase):
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    migrator.sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        migrator.sql(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
"""

# Plain PostgreSQL (psycopg 3), MySQL (PyMySQL) and SQLite file URLs get a pool of
# connections. Opening an SQLite file and setting its pragmas on every request cost a
# fifth of a listing.
_POOLED = {
    "postgres": "postgresql+pool",
    "postgresql": "postgresql+pool",
    "mysql": "mysql+pool",
    "sqlite": "sqlite+pool",
}
_POOL = {"max_connections": 20, "stale_timeout": 300, "timeout": 10}
# Foreign keys checked, as the other databases do. With write-ahead logging, requests go on
# reading while another one writes, and a commit appends to the log instead of syncing the
# database file (synchronous=NORMAL, as Rails sets SQLite up for production): a power cut can
# lose the last commits, never the database.
_SQLITE = {"pragmas": {"foreign_keys": 1, "journal_mode": "wal", "synchronous": "normal"}}
_OPTIONS: dict[str, dict[str, Any]] = {
    "sqlite": _SQLITE,  # in memory: a pool would give each connection a database of its own
    "sqlite+pool": {**_SQLITE, **_POOL},
    "postgresql+pool": _POOL,
    # MySQL's DATETIME drops fractions of a second unless asked to keep them.
    "mysql+pool": {**_POOL, "charset": "utf8mb4", "field_types": {"DATETIME": "DATETIME(6)"}},
}

# What a query raises when the database cannot be reached or the connection was lost: the
# request is refused with 503 (``problems``), and the connection is not given back to the pool.
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

database = DatabaseProxy()
db_cli = AppGroup("db", help="Apply and write database migrations (peewee-migrate).")


def database_url(url: str) -> str:
    """Pool plain URLs but SQLite's in memory; anchor a relative SQLite path at the project root."""
    parts = urlsplit(url)
    name = parts.path[1:]
    if parts.scheme == "sqlite":
        if not name or name == ":memory:":
            return url
        if not Path(name).is_absolute():
            url = url.replace(parts.path, f"/{BASE_DIR / name}", 1)
    if parts.scheme in _POOLED:
        return _POOLED[parts.scheme] + url[len(parts.scheme) :]
    return url


def open_database(url: str, connect_timeout: int | None = None) -> Database:
    """The database of ``url`` (not connected yet), with this project's options.

    A server has ``connect_timeout`` seconds to accept a connection (not SQLite's concern).
    """
    url = database_url(url)
    scheme = urlsplit(url).scheme
    options = _OPTIONS.get(scheme, {})
    if connect_timeout is not None and scheme != "sqlite":
        options = {**options, "connect_timeout": connect_timeout}
    opened: Database = connect(url, **options)
    return opened


def init_app(app: Flask) -> None:
    """Give ``app`` its database, close connections after each request, add ``flask db``."""
    app.extensions["peewee"] = open_database(
        app.config["DATABASE_URL"], app.config.get("DATABASE_CONNECT_TIMEOUT")
    )
    appcontext_pushed.connect(_bind, app)
    app.teardown_appcontext(close_connection)
    app.cli.add_command(db_cli)


def _bind(app: Flask, **extra: Any) -> None:
    """Point the models at the database of the application whose context was pushed."""
    database.initialize(app.extensions["peewee"])


def close_connection(exception: BaseException | None = None) -> None:
    """Give the context's connection back (to the pool, if there is one)."""
    if not database.is_closed():
        database.close()


def ping() -> None:
    """Raise unless the database answers a trivial query."""
    database.execute_sql("SELECT 1")


R = TypeVar("R")


class _Parameter:
    """Where a value goes in a prepared query's SQL."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def parameter(name: str) -> Value:
    """A named value of a ``Prepared`` query: a parameter of its SQL, unconverted."""
    return Value(_Parameter(name), converter=False)


class Prepared(Generic[R]):
    """A query whose SQL is generated once per kind of database, then run with its values.

    Peewee generates a query's SQL each time it runs it: for reading one row by its key, more
    than half the work. The query names its values with ``parameter()``; ``rows`` binds them
    and reads the rows back with the query's own cursor wrapper, as iterating the query
    would (joined models included, or the query's ``objects()`` constructor). ``R`` is
    what a row is read as. It uses one private Peewee method,
    ``_get_cursor_wrapper`` (``pyproject.toml`` bounds Peewee to 4.x); the project's
    ``tests/test_database.py`` holds what it reads equal to Peewee's own queries.
    """

    def __init__(self, query: ModelSelect[Any]) -> None:
        self.query = query
        self._sql: dict[type[Database], tuple[str, list[Any]]] = {}

    def rows(self, **values: Any) -> Iterator[R]:
        """The query's rows, with ``values`` in place of its parameters."""
        return iter(self.query._get_cursor_wrapper(self._execute(values)))  # type: ignore[attr-defined]

    def first(self, **values: Any) -> R | None:
        """The query's first row, if it has one."""
        return next(self.rows(**values), None)

    def scalar(self, **values: Any) -> Any:
        """The first column of the query's first row."""
        return self._execute(values).fetchone()[0]

    def _execute(self, values: dict[str, Any]) -> Any:
        kind = type(database.obj)
        if kind not in self._sql:
            self._sql[kind] = self.query.sql()
        sql, params = self._sql[kind]
        return database.execute_sql(
            sql, [values[p.name] if isinstance(p, _Parameter) else p for p in params]
        )


def referrers(row: Model) -> list[str]:
    """The tables whose rows refer to ``row`` without cascading: why its delete was refused."""
    return sorted(
        {
            model._meta.table_name
            for key, model in type(row)._meta.backrefs.items()
            if (key.on_delete or "").upper() != "CASCADE"
            and model.select().where(key == row).exists()
        }
    )


class Migrations(Router):
    """peewee-migrate's router, writing typed migrations that Ruff has fixed and formatted."""

    models: tuple[type[Model], ...] = ()

    def create(self, name: str = "auto", *, auto: Any = False) -> str | None:
        """Write a migration from the changes of the models ``auto`` lists since the last one."""
        self.models = tuple(auto) if isinstance(auto, list) else ()
        written: str | None = super().create(name, auto=auto)
        return written

    def trigram_indexes(self) -> list[tuple[str, str, str]]:
        """Name, table and column of the trigram indexes of the tables new in this migration."""
        known = {model._meta.table_name for model in self.migrator.orm}
        return [
            (f"{meta.table_name}_{column}_trgm", meta.table_name, column)
            for meta in (model._meta for model in self.models)
            if meta.table_name not in known
            for column in (
                meta.fields[name].column_name for name in getattr(meta, "trigram_indexes", ())
            )
        ]

    def compile(
        self, name: str, migrate: str = "", rollback: str = "", num: int | None = None
    ) -> str:
        """Write migration ``name``, numbered after the last one; returns its module name."""
        name = f"{(len(self.todo) if num is None else num) + 1:03}_{name}"
        rounding = sorted(set(_ROUNDING.findall(migrate + rollback)))
        trigram = self.trigram_indexes()
        if trigram:
            block = _TRIGRAM.replace("INDEXES", repr(tuple(trigram)))
            migrate = migrate.rstrip() + block.replace("\n", "\n    ").rstrip()
        code = MIGRATION.format(
            title=name.split("_", 1)[1].replace("_", " ").capitalize(),
            imports=f"\nfrom decimal import {', '.join(rounding)}\n" if rounding else "",
            migrate=_INDEXES.sub(r"\1(\2,)", migrate.strip()) or "pass",
            rollback=rollback.strip() or "pass",
        )
        path = self.migrate_dir / f"{name}.py"
        path.write_text("\n".join(line.rstrip() for line in code.splitlines()) + "\n")
        format_with_ruff(path)
        return name


def format_with_ruff(path: Path) -> None:
    """Fix and format ``path`` with Ruff and the project's settings, when Ruff is installed."""
    if find_spec("ruff") is None:  # a development dependency
        return
    config = str(BASE_DIR / "pyproject.toml")
    for command in (("check", "--fix-only"), ("format",)):
        subprocess.run(  # noqa: S603 - Ruff, on the file just written
            [sys.executable, "-m", "ruff", *command, "--quiet", "--config", config, str(path)],
            check=False,
        )


def router() -> Router:
    """peewee-migrate's router over the migrations directory."""
    return Migrations(database, migrate_dir=MIGRATIONS_DIR)


def upgrade() -> list[str]:
    """Apply the migrations not applied yet, in an application context; returns their names."""
    return router().run()


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Apply the migrations not applied yet."""
    applied = upgrade()
    click.echo(f"Applied {', '.join(applied)}." if applied else "Nothing to apply.")


@db_cli.command("migrate")
@click.option("-m", "--message", default="auto", help="What the migration does.")
def migrate_command(message: str) -> None:
    """Write a migration for what changed in the models since the last one."""
    from .models import MODELS  # here: the models import this module
    from .resources import ADDED_MODELS

    name = re.sub(r"\W+", "_", message.lower()).strip("_") or "auto"
    written = router().create(name, auto=[*MODELS, *ADDED_MODELS])
    click.echo(f"Wrote {written}.py." if written else "No changes found.")


@db_cli.command("downgrade")
def downgrade_command() -> None:
    """Roll back the last migration applied."""
    router().rollback()
    click.echo("Rolled back the last migration.")
