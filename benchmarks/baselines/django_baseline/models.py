from django.conf import settings
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


class ApiToken(models.Model):
    """Bare Django's opaque token (``Authorization: Token <key>``): no framework to provide one."""

    key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
