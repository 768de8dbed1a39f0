"""Lookups by one unique value, their SQL compiled by the ORM once rather than on every request.

Django builds a query and compiles it to SQL each time it runs it. Reading one row by its key,
that is most of the work: an item's page spent a third of its time in `get()`, a signed-in
page of items a fifth to a quarter in finding its user. A `Lookup` keeps the SQL the ORM
writes for its queryset and runs it with each new value through `raw()`, which still gives
full model instances, annotations included, every field converted as the ORM converts it.
"""

from functools import cached_property
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


class Lookup(Generic[M]):
    """`queryset.filter(<field>=value).first()`, for a `field` whose values are unique."""

    def __init__(self, queryset: QuerySet[M], field: str) -> None:
        self.queryset = queryset
        self.field = field

    @cached_property
    def sql(self) -> str:
        """The queryset's SQL, with one placeholder for the value (compiled on first use)."""
        # Any value of the field's type compiles to the same SQL; "0" is one for numbers and text.
        sql, _params = self.queryset.filter(**{self.field: "0"}).query.sql_with_params()
        return str(sql)

    def __call__(self, value: object) -> M | None:
        return next(iter(self.queryset.raw(self.sql, [value])), None)
