"""Plain DRF, as its tutorial builds an API: a ModelViewSet behind a router.

Authentication: DRF's defaults (session, basic) and, as its guide adds them, its own token
authentication and simplejwt's bearer tokens.
"""

from django_baseline.settings import *  # noqa: F403
from django_baseline.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework", "rest_framework.authtoken"]
ROOT_URLCONF = "django_baseline.urls_drf"
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
}
