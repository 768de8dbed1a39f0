"""The routes of the added resources, registered on the API's router by `api/urls.py`."""

from rest_framework.viewsets import ViewSetMixin

ROUTES: list[tuple[str, type[ViewSetMixin], str]] = []
