"""Bare Flask: plain views over Flask-SQLAlchemy, the baseline of the Flask-RESTful service.

gunicorn 'flask_baseline:create_app()'
flask --app flask_baseline seed ITEMS.json
"""

import json
import math
import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import click
from flask import Flask, abort, jsonify, request, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Numeric, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.middleware.proxy_fix import ProxyFix

PAGE_SIZE = 20


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Item(db.Model):  # type: ignore[name-defined]
    """The same fields as the generated service's ``Item``."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(2000), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    in_stock: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)


COLUMNS = (
    Item.id,
    Item.name,
    Item.description,
    Item.price,
    Item.in_stock,
    Item.created_at,
    Item.updated_at,
)


def _timestamp(value: datetime) -> str:
    """RFC 3339 in UTC (SQLite hands back naive UTC datetimes)."""
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": url_for("item_detail", item_id=row.id, _external=True),
        "name": row.name,
        "description": row.description,
        "price": str(row.price),
        "in_stock": row.in_stock,
        "created_at": _timestamp(row.created_at),
        "updated_at": _timestamp(row.updated_at),
    }


def health() -> Any:
    return jsonify(status="ok")


def item_list() -> Any:
    page = request.args.get("page", 1, type=int)
    count = db.session.scalar(select(func.count()).select_from(Item)) or 0
    last = max(1, math.ceil(count / PAGE_SIZE))
    if not 1 <= page <= last:
        abort(404)
    rows = db.session.execute(
        select(*COLUMNS).order_by(Item.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    base = url_for("item_list", _external=True)
    previous = None
    if page > 1:
        previous = base if page == 2 else f"{base}?page={page - 1}"
    return jsonify(
        count=count,
        next=f"{base}?page={page + 1}" if page < last else None,
        previous=previous,
        results=[_item(row) for row in rows],
    )


def item_detail(item_id: int) -> Any:
    row = db.session.execute(select(*COLUMNS).where(Item.id == item_id)).first()
    if row is None:
        abort(404)
    return jsonify(_item(row))


@click.command("seed")
@click.argument("items", type=click.File(encoding="utf-8"))
def seed(items: Any) -> None:
    """Create the table and load the items from a JSON file."""
    db.create_all()
    db.session.execute(db.delete(Item))
    for item in json.load(items):
        db.session.add(Item(**{**item, "price": Decimal(item["price"])}))
        db.session.flush()
    db.session.commit()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{os.environ['BASELINE_DATABASE']}"
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)  # type: ignore[method-assign]
    db.init_app(app)
    app.add_url_rule("/health", view_func=health)
    app.add_url_rule("/api/v1/items/", view_func=item_list)
    app.add_url_rule("/api/v1/items/<int:item_id>/", view_func=item_detail)
    app.cli.add_command(seed)
    return app
