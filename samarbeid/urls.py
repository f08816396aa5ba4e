from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from samarbeid import mfa_views, notification_views, views

# The admin has no login of its own: /admin/login/ sends to allauth's login (its rate limits and second
# factor), and a signed-in user who is not active staff is refused (403) rather than offered another login.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's way

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("min-side/", views.min_side, name="min_side"),
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility"),
    path("personvern/", views.privacy, name="privacy"),
    path("min-side/varsler/", notification_views.notification_settings, name="notification_settings"),
    path("invitasjoner/<int:pk>/godta/", views.invitation_answer, {"accept": True}, name="invitation_accept"),
    path("invitasjoner/<int:pk>/avsla/", views.invitation_answer, {"accept": False}, name="invitation_decline"),
    path("avtaler/", include("agreements.urls")),
    path("politirad/", include("councils.urls")),
    path("slt/", include("slt.urls")),
    path("moter/", include("samarbeid.meeting_urls")),
    path("oversikt/", include("oversight.urls")),
    path("offentlighet/", include("public_pages.urls_publishing")),
    path("", include("public_pages.urls")),
    path("konto/2fa/totp/activate/", mfa_views.activate_totp, name="mfa_activate_totp"),  # before allauth's
    path("konto/", include("allauth.urls")),
    path("i18n/setlang/", views.language_choose, name="set_language"),
    path("admin/", admin.site.urls),
]
