"""Bare Django: plain views, ``.values()`` and ``JsonResponse``."""

from django_baseline.settings import *  # noqa: F403

ROOT_URLCONF = "django_baseline.urls_bare"
