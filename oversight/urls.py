from django.urls import path

from oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.index, name="index"),
    path("distrikt/<int:pk>/", views.district, name="district"),
    path("distrikt/<int:pk>/eksport.<str:fmt>", views.district_export, name="district_export"),
]
