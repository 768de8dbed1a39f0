from django.urls import path

from django_baseline import views

urlpatterns = [
    path("health", views.health),
    path("api/v1/items/", views.item_list, name="item-list"),
    path("api/v1/items/<int:pk>/", views.item_detail, name="item-detail"),
    path("api/v1/auth/<str:kind>", views.sign_in),
]
