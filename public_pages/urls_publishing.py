"""Exemptions from public access and publishing, for who manages the meeting, edits the agreement or the plan."""

from django.urls import path

from public_pages import views_publishing as views

app_name = "publishing"
urlpatterns = [
    path("mote/<int:pk>/", views.meeting_publicity, name="meeting"),
    path("avtale/<int:pk>/", views.agreement_publicity, name="agreement"),
    path("handlingsplan/<int:pk>/", views.plan_publicity, name="plan"),
]
