from django.urls import include, path
from rest_framework import routers

from django_baseline import views
from django_baseline.drf import ItemViewSet

router = routers.DefaultRouter()
router.register("items", ItemViewSet)

urlpatterns = [
    path("health", views.health),
    path("api/v1/", include(router.urls)),
]
