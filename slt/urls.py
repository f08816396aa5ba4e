from django.urls import path

from slt import views

app_name = "slt"
urlpatterns = [
    path("", views.index, name="index"),
    path("ny/", views.create, name="create"),
    path("kommune/<str:number>/", views.kommune, name="kommune"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/endre/", views.edit, name="edit"),
    path("<int:pk>/handlingsplaner/ny/", views.plan_create, name="plan_create"),
    path("handlingsplaner/<int:pk>/", views.plan_detail, name="plan"),
    path("handlingsplaner/<int:pk>/endre/", views.plan_edit, name="plan_edit"),
    path("handlingsplaner/<int:pk>/fokusomrader/", views.focus_area_add, name="focus_area_add"),
    path("handlingsplaner/<int:pk>/tiltak/ny/", views.tiltak_create, name="tiltak_create"),
    path("tiltak/<int:pk>/", views.tiltak_detail, name="tiltak"),
    path("tiltak/<int:pk>/endre/", views.tiltak_edit, name="tiltak_edit"),
    path("tiltak/<int:pk>/fremdrift/", views.tiltak_progress, name="tiltak_progress"),
]
