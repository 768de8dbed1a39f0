"""The database: Flask-SQLAlchemy's session per request, Flask-Migrate's ``flask db`` commands."""

from __future__ import annotations

import flask_migrate
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
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

# Plain URLs name no driver: point them at the ones this project installs.
_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit: the API marshals what it just saved.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = flask_migrate.Migrate()


def database_uri(url: str) -> str:
    """Pick the installed driver and anchor a relative SQLite path at the project root."""
    parsed = make_url(url)
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        parsed = parsed.set(database=str(BASE_DIR / database))
    return parsed.render_as_string(hide_password=False)


def init_app(app: Flask) -> None:
    """Bind the session to ``DATABASE_URL`` and add the ``flask db`` commands."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))


def ping() -> None:
    """Raise unless the database answers a trivial query."""
    db.session.execute(text("SELECT 1"))


def upgrade() -> None:
    """Apply the migrations not applied yet (``flask db upgrade``), in an application context."""
    flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
