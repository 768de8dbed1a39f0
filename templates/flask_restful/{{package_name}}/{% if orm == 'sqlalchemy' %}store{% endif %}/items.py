"""Queries and writes of items."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
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
    """The items a listing asks for, in one ordering (``-`` first: descending) and then by id."""

    def __init__(self, statement: Select[Item], ordering: str) -> None:
        self.statement = statement
        self.ordering = ordering

    def count(self, limit: int) -> int:
        """How many items match, counting no further than ``limit``."""
        matching = self.statement.with_only_columns(Item.id).limit(limit).subquery()
        return db.session.scalar(select(func.count()).select_from(matching)) or 0

    def fetch(self, offset: int, limit: int) -> list[Item]:
        """Up to ``limit`` items, skipping the first ``offset``."""
        return list(db.session.scalars(self._ordered().limit(limit).offset(offset)))

    def fetch_beyond(
        self, value: str | None, row_id: int, *, reverse: bool, limit: int
    ) -> list[Item]:
        """Up to ``limit`` items after this position (before it, nearest first, if reversed)."""
        name = self.ordering.lstrip("-")
        descending = self.ordering.startswith("-") != reverse
        past, reached = (operator.lt, operator.le) if descending else (operator.gt, operator.ge)
        condition = past(Item.id, row_id)
        if name != "id":
            if value is None:
                raise ValueError("a cursor of this ordering holds a value")
            column = getattr(Item, name)
            key = _VALUES[name](value)
            # The first condition alone is the index's range; the second skips the ties before.
            condition = and_(
                reached(column, key), or_(past(column, key), and_(column == key, condition))
            )
        # The ids first, a range of one index whatever the filter, then the rows by id: asked
        # for whole rows of ``in_stock = 1 AND id > 500000``, MariaDB reads the stock index
        # from the first item in stock instead, skipping every entry before the cursor.
        beyond = self._ordered(reverse=reverse).where(condition).limit(limit)
        ids = list(db.session.scalars(beyond.with_only_columns(Item.id)))
        return list(db.session.scalars(self._ordered(reverse=reverse).where(Item.id.in_(ids))))

    def _ordered(self, *, reverse: bool = False) -> Select[Item]:
        name = self.ordering.lstrip("-")
        descending = self.ordering.startswith("-") != reverse
        keys = [Item.id] if name == "id" else [getattr(Item, name), Item.id]
        return self.statement.order_by(*(key.desc() if descending else key.asc() for key in keys))


def find_items(
    *, search: str = "", in_stock: bool | None = None, ordering: str | None = None
) -> ItemListing:
    """The items a listing asks for.

    Every word of ``search`` is in the name or the description (case-insensitive, taken
    literally); ``in_stock`` filters when given; ``ordering`` names a column (``-`` first:
    descending), and the id breaks ties in the same direction.
    """
    statement = select(Item)
    if "\x00" in search:
        # No stored text holds a NUL character (writes refuse it), and PostgreSQL refuses one
        # in a query: such a term matches nothing, and is not sent.
        statement, search = statement.where(false()), ""
    for term in search.replace(",", " ").split():
        # ILIKE on PostgreSQL, which its trigram indexes serve; LOWER() LIKE LOWER() elsewhere.
        pattern = "%{}%".format(term.replace("/", "//").replace("%", "/%").replace("_", "/_"))
        statement = statement.where(
            or_(Item.name.ilike(pattern, escape="/"), Item.description.ilike(pattern, escape="/"))
        )
    if in_stock is not None:
        statement = statement.where(Item.in_stock == in_stock)  # sargable on MySQL, unlike IS
    return ItemListing(statement, ordering or "id")


def get_item(item_id: int) -> Item | None:
    """The item with this id, if there is one."""
    return db.session.get(Item, item_id)


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
