"""The DRF tutorial's way: a ModelSerializer and a ModelViewSet."""

from rest_framework import serializers, viewsets

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
