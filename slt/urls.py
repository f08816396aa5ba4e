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
    path("handlingsplaner/<int:pk>/handlingsplan.pdf", views.plan_pdf, name="plan_pdf"),
    path("handlingsplaner/<int:pk>/fokusomrader/", views.focus_area_add, name="focus_area_add"),
    path("handlingsplaner/<int:pk>/tiltak/ny/", views.tiltak_create, name="tiltak_create"),
    path("tiltak/<int:pk>/", views.tiltak_detail, name="tiltak"),
    path("tiltak/<int:pk>/endre/", views.tiltak_edit, name="tiltak_edit"),
    path("tiltak/<int:pk>/fremdrift/", views.tiltak_progress, name="tiltak_progress"),
    path("<int:pk>/grupper/ny/", views.group_create, name="group_create"),
    path("grupper/<int:pk>/", views.group_detail, name="group"),
    path("grupper/<int:pk>/endre/", views.group_edit, name="group_edit"),
    path("grupper/<int:pk>/medlemmer/ny/", views.member_add, name="member_add"),
    path("grupper/<int:pk>/medlemmer/<int:membership_pk>/avslutt/", views.member_end, name="member_end"),
]
