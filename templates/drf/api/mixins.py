"""What every viewset shares, the items' and each added resource's, whoever may sign in.

Apart from `api/lookups.py`, which the authentication classes import: DRF's views, imported
here, import the authentication classes that the settings name.
"""

from typing import TypeVar

from django.db.models import Model
from django.http import Http404
from rest_framework.generics import GenericAPIView

from .lookups import Lookup

M = TypeVar("M", bound=Model)


class LookupObjectMixin(GenericAPIView[M]):
    """`get_object()` by `object_lookup`, a `Lookup` of the viewset's objects by their id.

    DRF's own `get_object()` builds and compiles its query on every request, and runs the
    listing's filter backends (search, filters, ordering) on it first; the URL names one object
    by its id alone. It reads `object_lookup`'s queryset, not `get_queryset()`: a viewset that
    narrows one narrows the other too.
    """

    object_lookup: Lookup[M]

    def get_object(self) -> M:
        """The URL's object, or 404; its object permissions checked, as DRF's would be."""
        object_id: str = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        # An id is digits, at most 18 of them (the column's range); any other text names none.
        valid = object_id.isascii() and object_id.isdigit() and len(object_id) <= 18
        found = self.object_lookup(int(object_id)) if valid else None
        if found is None:
            name = self.object_lookup.queryset.model._meta.object_name
            raise Http404(f"No {name} matches the given query.")
        self.check_object_permissions(self.request, found)
        return found
