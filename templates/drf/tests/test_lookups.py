"""A `Lookup` reads what the ORM's own query reads, annotations included."""

from typing import Any

import pytest
from django.db.models import Model

from api.lookups import Lookup
from api.models import Item
from api.views import ITEMS

pytestmark = pytest.mark.django_db


def test_a_lookup_reads_what_the_orm_reads(item: Item) -> None:
    lookup = Lookup(ITEMS, "pk")

    found = lookup(item.pk)

    assert found is not None
    assert _read(found) == _read(ITEMS.get(pk=item.pk))
    assert lookup(item.pk + 1) is None


def _read(instance: Model) -> dict[str, Any]:
    """Every value the instance was read with."""
    return {name: value for name, value in vars(instance).items() if name != "_state"}
