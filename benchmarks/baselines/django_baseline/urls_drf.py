from django.urls import include, path
from rest_framework import routers
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework_simplejwt.views import TokenObtainPairView

from django_baseline import views
from django_baseline.drf import ItemViewSet

router = routers.DefaultRouter()
router.register("items", ItemViewSet)

urlpatterns = [
    path("health", views.health),
    path("api/v1/", include(router.urls)),
    path("api/v1/auth/token", obtain_auth_token),
    path("api/v1/auth/jwt", TokenObtainPairView.as_view()),
]
