from django.contrib import admin
from django.urls import include, path

from samarbeid import views

urlpatterns = [
    path("", views.home, name="home"),
    path("min-side/", views.min_side, name="min_side"),
    path("invitasjoner/<int:pk>/godta/", views.invitation_answer, {"accept": True}, name="invitation_accept"),
    path("invitasjoner/<int:pk>/avsla/", views.invitation_answer, {"accept": False}, name="invitation_decline"),
    path("avtaler/", include("agreements.urls")),
    path("politirad/", include("councils.urls")),
    path("slt/", include("slt.urls")),
    path("moter/", include("samarbeid.meeting_urls")),
    path("konto/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
