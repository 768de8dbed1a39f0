from django.db import models


class Item(models.Model):
    """The same fields as the generated service's ``Item``."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=2000, blank=True, default="")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    in_stock = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
