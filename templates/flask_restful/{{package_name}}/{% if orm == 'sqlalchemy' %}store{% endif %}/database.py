"""The database: Flask-SQLAlchemy's session per request, Flask-Migrate's ``flask db`` commands."""

from __future__ import annotations

import sqlite3
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, exists, or_, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase

from ..settings import BASE_DIR

MIGRATIONS_DIR = BASE_DIR / "migrations"

# Named constraints, so that migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# What a query raises when the database cannot be reached or the connection was lost: the
# request is refused with 503 (``problems``), and the session's connection is discarded.
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

# Plain URLs name no driver: point them at the ones this project installs.
_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def configure_sqlite(connection: Any, record: Any) -> None:
    """SQLite: check foreign keys, as the other databases do, and write ahead to a log.

    With write-ahead logging, requests go on reading while another one writes, and a commit
    appends to the log instead of syncing the database file (``synchronous = NORMAL``, as
    Rails sets SQLite up for production): a power cut can lose the last commits, never the
    database.
    """
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")


# Objects stay readable after commit: the API marshals what it just saved.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def database_uri(url: str) -> str:
    """Pick the installed driver and anchor a relative SQLite path at the project root."""
    parsed = make_url(url)
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        parsed = parsed.set(database=str(BASE_DIR / database))
    return parsed.render_as_string(hide_password=False)


def engine_options(uri: str, connect_timeout: int | None) -> dict[str, Any]:
    """Connections are tested before use; a server has ``connect_timeout`` s to accept one."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if connect_timeout is not None and make_url(uri).get_backend_name() != "sqlite":
        options["connect_args"] = {"connect_timeout": connect_timeout}
    return options


def init_app(app: Flask) -> None:
    """Bind the session to ``DATABASE_URL`` and add the ``flask db`` commands."""
    uri = database_uri(app.config["DATABASE_URL"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        engine_options(uri, app.config.get("DATABASE_CONNECT_TIMEOUT")),
    )
    db.init_app(app)
    app.cli.add_command(migration_commands)


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate, which imports Alembic: only where migrations run, never in a server.

    Alembic is about 12 MB in every gunicorn worker that imports it, for commands a worker
    never runs.
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS_DIR))


def flask_migrate_commands(ctx: click.Context) -> click.Group:
    """Flask-Migrate's ``flask db`` group, bound to the command line's application."""
    init_migrations(ctx.ensure_object(ScriptInfo).load_app())
    from flask_migrate.cli import db  # type: ignore[import-not-found]  # not in the stubs

    commands: click.Group = db
    return commands


class MigrationCommands(click.Group):
    """``flask db``: Flask-Migrate's commands, loaded when the command line names them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return flask_migrate_commands(ctx).list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return flask_migrate_commands(ctx).get_command(ctx, cmd_name)


@click.group("db", cls=MigrationCommands)
@click.option("-d", "--directory", help='Migration script directory (default is "migrations")')
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments for env.py scripts")
@with_appcontext
def migration_commands(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Perform database migrations (Flask-Migrate)."""
    ctx = click.get_current_context()
    group = flask_migrate_commands(ctx)
    assert group.callback is not None  # noqa: S101 - Flask-Migrate's group sets its options
    ctx.invoke(group.callback, directory=directory, x_arg=x_arg)


def ping() -> None:
    """Raise unless the database answers a trivial query."""
    db.session.execute(text("SELECT 1"))


def referrers(row: Base) -> list[str]:
    """The tables whose rows refer to ``row`` without cascading: why its delete was refused."""
    table = row.__table__
    (key,) = row.__mapper__.primary_key_from_instance(row)
    names = []
    for other in db.metadata.sorted_tables:
        columns = [
            reference.parent
            for reference in other.foreign_keys
            if reference.column.table is table and (reference.ondelete or "").upper() != "CASCADE"
        ]
        refers = or_(*(column == key for column in columns))
        if columns and db.session.scalar(select(exists().where(refers))):
            names.append(other.name)
    return sorted(names)


def upgrade() -> None:
    """Apply the migrations not applied yet (``flask db upgrade``), in an application context."""
    init_migrations(current_app)
    from flask_migrate import upgrade as apply

    apply(directory=str(MIGRATIONS_DIR))
