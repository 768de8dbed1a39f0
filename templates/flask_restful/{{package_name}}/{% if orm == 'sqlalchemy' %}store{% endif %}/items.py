"""Queries and writes of items."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Select, String, and_, bindparam, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from .database import db
from .models import Item


def _price(text: str) -> Decimal:
    price = Decimal(text)
    if not price.is_finite():
        raise ValueError(text)
    return price


# A cursor's ordering value, as text, back into the column's type.
_VALUES: dict[str, Callable[[str], Any]] = {
    "name": str,
    "price": _price,
    "created_at": datetime.fromisoformat,
}


class ItemListing:
    """The items a listing asks for, in one ordering (``-`` first: descending) and then by id.

    Its statements come from ``_statements``, built once per shape of listing with the values
    as bound parameters: SQLAlchemy then neither builds a statement nor computes its cache key
    on each request, which was about a quarter of a listing's time.
    """

    def __init__(self, shape: _Shape, parameters: dict[str, Any]) -> None:
        self.shape = shape
        self.ordering = shape.ordering
        self.parameters = parameters

    def count(self, limit: int) -> int:
        """How many items match, counting no further than ``limit``."""
        statement = _statements(self.shape).matching
        return db.session.scalar(statement, {**self.parameters, "limit": limit}) or 0

    def fetch(self, offset: int, limit: int) -> list[Item]:
        """Up to ``limit`` items, skipping the first ``offset``."""
        statement = _statements(self.shape).rows
        parameters = {**self.parameters, "offset": offset, "limit": limit}
        return list(db.session.scalars(statement, parameters))

    def fetch_beyond(
        self, value: str | None, row_id: int, *, reverse: bool, limit: int
    ) -> list[Item]:
        """Up to ``limit`` items after this position (before it, nearest first, if reversed)."""
        name = self.ordering.lstrip("-")
        parameters = {**self.parameters, "row_id": row_id, "limit": limit}
        if name != "id":
            if value is None:
                raise ValueError("a cursor of this ordering holds a value")
            parameters["value"] = _VALUES[name](value)
        # The ids first, a range of one index whatever the filter, then the rows by id: asked
        # for whole rows of ``in_stock = 1 AND id > 500000``, MariaDB reads the stock index
        # from the first item in stock instead, skipping every entry before the cursor.
        ids_query, rows_query = _beyond_statements(self.shape, reverse)
        ids = list(db.session.scalars(ids_query, parameters))
        return list(db.session.scalars(rows_query, {**self.parameters, "ids": ids}))


class _Shape(NamedTuple):
    """What a listing's statements depend on; the values they compare with are parameters."""

    terms: int
    in_stock: bool
    ordering: str
    empty: bool = False


class _Statements(NamedTuple):
    """Which items match (how many, or the ids past a cursor), and the rows to answer with."""

    matching: Select[int]
    rows: Select[Item]


@functools.lru_cache(maxsize=256)
def _statements(shape: _Shape) -> _Statements:
    """A listing's count (bound by ``:limit``) and page (``:offset``, ``:limit``) statements."""
    matching = _matching(shape)
    bounded = matching.with_only_columns(Item.id).limit(bindparam("limit")).subquery()
    ordered = _ordered(matching, shape.ordering)
    return _Statements(
        matching=select(func.count()).select_from(bounded),
        rows=ordered.limit(bindparam("limit")).offset(bindparam("offset")),
    )


@functools.lru_cache(maxsize=256)
def _beyond_statements(shape: _Shape, reverse: bool) -> _Statements:
    """The ids (``:limit`` of them) past ``:value`` and ``:row_id``, then their rows (``:ids``).

    Reversed, the ids before the position, nearest first.
    """
    name = shape.ordering.lstrip("-")
    descending = shape.ordering.startswith("-") != reverse
    past, reached = (operator.lt, operator.le) if descending else (operator.gt, operator.ge)
    condition = past(Item.id, bindparam("row_id"))
    if name != "id":
        column = getattr(Item, name)
        value: BindParameter[Any] = bindparam("value")
        # The first condition alone is the index's range; the second skips the ties before.
        condition = and_(
            reached(column, value), or_(past(column, value), and_(column == value, condition))
        )
    ordered = _ordered(_matching(shape), shape.ordering, reverse=reverse)
    beyond = ordered.where(condition).with_only_columns(Item.id).limit(bindparam("limit"))
    return _Statements(beyond, ordered.where(Item.id.in_(bindparam("ids", expanding=True))))


def _matching(shape: _Shape) -> Select[Item]:
    statement = select(Item)
    if shape.empty:
        return statement.where(false())
    for index in range(shape.terms):
        # ILIKE on PostgreSQL, which its trigram indexes serve; LOWER() LIKE LOWER() elsewhere.
        pattern = bindparam(f"term_{index}", type_=String())
        statement = statement.where(
            or_(Item.name.ilike(pattern, escape="/"), Item.description.ilike(pattern, escape="/"))
        )
    if shape.in_stock:
        # Sargable on MySQL, unlike IS.
        statement = statement.where(Item.in_stock == bindparam("in_stock"))
    return statement


def _ordered(statement: Select[Item], ordering: str, *, reverse: bool = False) -> Select[Item]:
    name = ordering.lstrip("-")
    descending = ordering.startswith("-") != reverse
    keys = [Item.id] if name == "id" else [getattr(Item, name), Item.id]
    return statement.order_by(*(key.desc() if descending else key.asc() for key in keys))


def find_items(
    *, search: str = "", in_stock: bool | None = None, ordering: str | None = None
) -> ItemListing:
    """The items a listing asks for.

    Every word of ``search`` is in the name or the description (case-insensitive, taken
    literally); ``in_stock`` filters when given; ``ordering`` names a column (``-`` first:
    descending), and the id breaks ties in the same direction.
    """
    if "\x00" in search:
        # No stored text holds a NUL character (writes refuse it), and PostgreSQL refuses one
        # in a query: such a search matches nothing, and is not sent.
        return ItemListing(_Shape(0, False, ordering or "id", empty=True), {})
    terms = search.replace(",", " ").split()
    parameters: dict[str, Any] = {
        f"term_{index}": "%{}%".format(
            term.replace("/", "//").replace("%", "/%").replace("_", "/_")
        )
        for index, term in enumerate(terms)
    }
    if in_stock is not None:
        parameters["in_stock"] = in_stock
    return ItemListing(_Shape(len(terms), in_stock is not None, ordering or "id"), parameters)


# Built once: ``session.get`` builds its query, and computes the query's cache key, each time.
_ITEM = select(Item).where(Item.id == bindparam("item_id"))


def get_item(item_id: int) -> Item | None:
    """The item with this id, if there is one."""
    return db.session.scalars(_ITEM, {"item_id": item_id}).one_or_none()


def create_item(values: Mapping[str, Any]) -> Item:
    """Store a new item."""
    item = Item(**values)
    db.session.add(item)
    db.session.commit()
    return item


def update_item(item: Item, changes: Mapping[str, Any]) -> Item:
    """Set the members given and store the item."""
    for name, value in changes.items():
        setattr(item, name, value)
    db.session.commit()
    return item


def delete_item(item: Item) -> bool:
    """Delete the item; False, deleting nothing, while other objects refer to it."""
    db.session.delete(item)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
