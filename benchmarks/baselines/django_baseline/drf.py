"""The DRF tutorial's way: a ModelSerializer and a ModelViewSet, with search and ordering."""

from rest_framework import filters, serializers, viewsets

from django_baseline.models import Item


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = (
            "id",
            "url",
            "name",
            "description",
            "price",
            "in_stock",
            "created_at",
            "updated_at",
        )


class ItemViewSet(viewsets.ModelViewSet):
    queryset = Item.objects.all().order_by("id")
    serializer_class = ItemSerializer
    filter_backends = (filters.SearchFilter, filters.OrderingFilter)
    search_fields = ("name", "description")
    ordering_fields = ("name", "price", "created_at")
