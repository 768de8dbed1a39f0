"""Extension objects, created unbound and attached in ``create_app`` with ``init_app``."""

from __future__ import annotations

from flask_caching import Cache
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every model."""


# Objects stay readable after commit: the API marshals what it just saved.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
cache = Cache()
cors = CORS()
limiter = Limiter(get_remote_address)
