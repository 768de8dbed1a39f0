"""Bare Flask: plain views over Flask-SQLAlchemy, the baseline of the Flask-RESTful service.

gunicorn 'flask_baseline:create_app()'
flask --app flask_baseline seed ITEMS.json USER PASSWORD

Signed-in clients send ``Authorization: Token <key>`` (a key looked up in its table) or
``Bearer <access token>`` (Flask-JWT-Extended, as its documentation sets it up).
"""

import json
import math
import os
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import click
from flask import Flask, abort, jsonify, request, url_for
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    get_current_user,
    verify_jwt_in_request,
)
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Numeric, String, func, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash

PAGE_SIZE = 20


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
jwt = JWTManager()


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


class User(db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)


class Token(db.Model):  # type: ignore[name-defined]
    __tablename__ = "tokens"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


@jwt.user_lookup_loader
def _load_user(_header: dict[str, Any], data: dict[str, Any]) -> User | None:
    return db.session.get(User, int(data["sub"]))


def signed_in() -> bool | None:
    """Whose ``Authorization: Token`` or ``Bearer`` this is: True, None (none given), False."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Token":
        user = db.session.scalar(select(User).join(Token).where(Token.key == credential))
    elif scheme == "Bearer":
        try:
            verify_jwt_in_request()
        except Exception:
            return False
        user = get_current_user()
    else:
        return None
    return user is not None and user.is_active


ORDERINGS = {"name": Item.name, "price": Item.price, "created_at": Item.created_at}

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
    if signed_in() is False:
        return jsonify(detail="Invalid credentials."), 401
    if request.method == "POST":
        return item_create()
    page = request.args.get("page", 1, type=int)
    where = []
    if search := request.args.get("search"):
        where.append(or_(Item.name.icontains(search), Item.description.icontains(search)))
    ordering = request.args.get("ordering", "")
    order_by = [Item.id]
    if (column := ORDERINGS.get(ordering.lstrip("-"))) is not None:
        descending = ordering.startswith("-")
        order_by = [column.desc(), Item.id.desc()] if descending else [column, Item.id]
    count = db.session.scalar(select(func.count()).select_from(Item).where(*where)) or 0
    last = max(1, math.ceil(count / PAGE_SIZE))
    if not 1 <= page <= last:
        abort(404)
    rows = db.session.execute(
        select(*COLUMNS)
        .where(*where)
        .order_by(*order_by)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    args = request.args.to_dict()
    args.pop("page", None)

    def link(number: int) -> str:
        if number > 1:
            return url_for("item_list", _external=True, **args, page=number)
        return url_for("item_list", _external=True, **args)

    return jsonify(
        count=count,
        next=link(page + 1) if page < last else None,
        previous=link(page - 1) if page > 1 else None,
        results=[_item(row) for row in rows],
    )


def item_create() -> Any:
    data = request.get_json()
    try:
        item = Item(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            price=Decimal(str(data["price"])),
            in_stock=bool(data.get("in_stock", True)),
        )
    except (KeyError, TypeError, ArithmeticError):
        abort(400)
    if not 1 <= len(item.name) <= 100 or len(item.description) > 2000:
        abort(400)
    db.session.add(item)
    db.session.commit()
    return jsonify(_item(item)), 201


def item_detail(item_id: int) -> Any:
    row = db.session.execute(select(*COLUMNS).where(Item.id == item_id)).first()
    if row is None:
        abort(404)
    return jsonify(_item(row))


def sign_in(kind: str) -> Any:
    """``POST {"username", "password"}``: an opaque token (``token``) or a JWT (``jwt``)."""
    data = request.get_json()
    user = db.session.scalar(select(User).where(User.username == data.get("username")))
    if user is None or not check_password_hash(user.password_hash, data.get("password", "")):
        return jsonify(detail="Invalid credentials."), 401
    if kind == "token":
        token = db.session.scalar(select(Token).where(Token.user_id == user.id))
        if token is None:
            token = Token(key=secrets.token_hex(20), user_id=user.id)
            db.session.add(token)
            db.session.commit()
        return jsonify(token=token.key)
    return jsonify(access=create_access_token(identity=str(user.id)))


@click.command("seed")
@click.argument("items", type=click.File(encoding="utf-8"))
@click.argument("username")
@click.argument("password")
def seed(items: Any, username: str, password: str) -> None:
    """Create the tables, load the items from a JSON file and add the signed-in user."""
    db.create_all()
    db.session.execute(db.delete(Item))
    for item in json.load(items):
        db.session.add(Item(**{**item, "price": Decimal(item["price"])}))
        db.session.flush()
    db.session.execute(db.delete(Token))
    db.session.execute(db.delete(User))
    db.session.add(User(username=username, password_hash=generate_password_hash(password)))
    db.session.commit()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{os.environ['BASELINE_DATABASE']}"
    app.config["JWT_SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)  # type: ignore[method-assign]
    db.init_app(app)
    jwt.init_app(app)
    app.add_url_rule("/health", view_func=health)
    app.add_url_rule("/api/v1/items/", view_func=item_list, methods=["GET", "POST"])
    app.add_url_rule("/api/v1/auth/<kind>", view_func=sign_in, methods=["POST"])
    app.add_url_rule("/api/v1/items/<int:item_id>/", view_func=item_detail)
    app.cli.add_command(seed)
    return app
