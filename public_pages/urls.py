"""The public pages, feeds and search: anyone may read them, and they show only what the access functions say is
public (samarbeid.meetings.meeting_reading for an anonymous reader, agreements.access.agreements_public, ...)."""

from django.urls import path, register_converter
from django.views.decorators.http import require_GET

from public_pages import feeds, views
from public_pages.converters import KommunenummerConverter

register_converter(KommunenummerConverter, "kommunenummer")

app_name = "public"
urlpatterns = [
    path("kommune/", views.kommune_list, name="kommuner"),
    path("kommune/<kommunenummer:number>/", views.kommune_by_number, name="kommune_number"),
    path("kommune/<kommunenummer:number>-<slug:slug>/", views.kommune_page, name="kommune"),
    path("kommune/<kommunenummer:number>-<slug:slug>/rss/", require_GET(feeds.KommuneRss()), name="kommune_rss"),
    path("kommune/<kommunenummer:number>-<slug:slug>/atom/", require_GET(feeds.KommuneAtom()), name="kommune_atom"),
    path("kommune/<kommunenummer:number>-<slug:slug>/moter.ics", feeds.kommune_ics, name="kommune_ics"),
    path("politidistrikt/", views.district_list, name="districts"),
    path("politidistrikt/<slug:code>/", views.district_page, name="district"),
    path("offentlig/avtaler/<int:pk>/", views.agreement_page, name="agreement"),
    path("offentlig/avtaler/<int:pk>/avtale.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("offentlig/politirad/<int:pk>/", views.council_page, name="council"),
    path("offentlig/politirad/<int:pk>/rss/", require_GET(feeds.CouncilRss()), name="council_rss"),
    path("offentlig/politirad/<int:pk>/atom/", require_GET(feeds.CouncilAtom()), name="council_atom"),
    path("offentlig/politirad/<int:pk>/moter.ics", feeds.council_ics, name="council_ics"),
    path("offentlig/moter/<int:pk>/", views.meeting_page, name="meeting"),
    path("offentlig/moter/<int:pk>/referat.pdf", views.meeting_pdf, name="meeting_pdf"),
    path("sok/", views.search_page, name="search"),
]
