"""A `Lookup` reads what the ORM's own query reads, annotations included."""

import pytest

from api.lookups import Lookup
from api.models import Item
from api.views import ITEMS

from .conftest import values_read

pytestmark = pytest.mark.django_db


def test_a_lookup_reads_what_the_orm_reads(item: Item) -> None:
    lookup = Lookup(ITEMS, "pk")

    found = lookup(item.pk)

    assert found is not None
    assert values_read(found) == values_read(ITEMS.get(pk=item.pk))
    assert lookup(item.pk + 1) is None
