"""Plain DRF, as its tutorial builds an API: a ModelViewSet behind a router."""

from django_baseline.settings import *  # noqa: F403
from django_baseline.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework"]
ROOT_URLCONF = "django_baseline.urls_drf"
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
