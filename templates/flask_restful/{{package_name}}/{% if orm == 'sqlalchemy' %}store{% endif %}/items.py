"""Queries and writes of items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, or_, select

from .database import db
from .models import Item


class ItemListing:
    """The items a listing asks for, counted and fetched one slice at a time."""

    def __init__(self, statement: Select[Item]) -> None:
        self.statement = statement

    def count(self) -> int:
        """How many items the listing holds."""
        counting = select(func.count()).select_from(self.statement.order_by(None).subquery())
        return db.session.scalar(counting) or 0

    def fetch(self, offset: int, limit: int) -> list[Item]:
        """Up to ``limit`` items, skipping the first ``offset``."""
        return list(db.session.scalars(self.statement.limit(limit).offset(offset)))


def find_items(
    *, search: str = "", in_stock: bool | None = None, ordering: str | None = None
) -> ItemListing:
    """The items a listing asks for.

    Every word of ``search`` is in the name or the description (case-insensitive, taken
    literally); ``in_stock`` filters when given; ``ordering`` names a column (``-`` first:
    descending), and the id breaks ties.
    """
    statement = select(Item)
    for term in search.replace(",", " ").split():
        statement = statement.where(
            or_(
                Item.name.icontains(term, autoescape=True),
                Item.description.icontains(term, autoescape=True),
            )
        )
    if in_stock is not None:
        statement = statement.where(Item.in_stock.is_(in_stock))
    if ordering:
        column = getattr(Item, ordering.lstrip("-"))
        statement = statement.order_by(column.desc() if ordering.startswith("-") else column.asc())
    return ItemListing(statement.order_by(Item.id))


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


def delete_item(item: Item) -> None:
    """Delete the item."""
    db.session.delete(item)
    db.session.commit()
