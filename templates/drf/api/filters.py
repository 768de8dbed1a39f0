from django_filters import rest_framework as filters

from .models import Item


class ItemFilter(filters.FilterSet):
    """`?in_stock=true|false`; any other value is ignored."""

    class Meta:
        model = Item
        fields = ["in_stock"]
