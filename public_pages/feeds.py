"""Feeds for anyone: RSS and Atom (django.contrib.syndication) per kommune and per politiråd of new published
minutes and signed agreements, and an iCalendar feed of open meetings (samarbeid.meetings.meeting_ical). Every
entry is what the public pages show: signed agreements (agreements_public) and meetings through the anonymous
`meeting_readings` (outbound: what leaves the app)."""

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agreements.access import agreements_public
from agreements.models import Agreement
from councils.models import Council
from public_pages import pages
from samarbeid.meetings import ANONYMOUS, meeting_ical, meeting_readings
from samarbeid.models import Forum, Kommune, Meeting

FEED_ITEMS = 30
CALENDAR_DAYS = 365


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    description: str
    date: datetime.datetime


def _minutes_entries(forums) -> list[Entry]:
    meetings = Meeting.objects.public().filter(forum__in=forums).select_related("forum").order_by("-starts_at")
    entries = []
    for reading in meeting_readings(ANONYMOUS, meetings[:FEED_ITEMS], outbound=True):
        meeting = reading.meeting
        titles = [f"{item.case_number} {item.title}" for item in reading.items]
        entries.append(
            Entry(
                title=_("Referat: %(forum)s %(date)s")
                % {"forum": meeting.forum.name, "date": f"{timezone.localtime(meeting.starts_at):%d.%m.%Y}"},
                link=reverse("public:meeting", args=[meeting.pk]),
                description="\n".join(titles),
                date=meeting.minutes_approved_at or meeting.updated_at,
            )
        )
    return entries


def _agreement_entries(agreements) -> list[Entry]:
    agreements = (
        agreements_public(agreements)
        .annotate(signed_at=Max("signing_rounds__completed_at"))
        .select_related("police_party")
        .prefetch_related("kommuner")
        .order_by("-pk")[:FEED_ITEMS]
    )
    return [
        Entry(
            title=_("Signert: %(title)s") % {"title": agreement.title},
            link=reverse("public:agreement", args=[agreement.pk]),
            description=_("Samarbeidsavtale for %(period)s.") % {"period": agreement.period_label},
            date=agreement.signed_at or agreement.updated_at,
        )
        for agreement in agreements
    ]


class _EntryFeed(Feed):
    def items(self, obj):
        return sorted(self.entries(obj), key=lambda entry: entry.date, reverse=True)[:FEED_ITEMS]

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_pubdate(self, item: Entry):
        return item.date


class KommuneRss(_EntryFeed):
    def get_object(self, request, number: str, slug: str) -> Kommune:
        return get_object_or_404(Kommune, number=number)

    def title(self, obj: Kommune) -> str:
        return _("%(kommune)s: samarbeid med politiet") % {"kommune": obj.name}

    def link(self, obj: Kommune) -> str:
        return pages.kommune_url(obj)

    def description(self, obj: Kommune) -> str:
        return _("Nye publiserte referater fra politirådet og signerte samarbeidsavtaler.")

    def entries(self, obj: Kommune) -> list[Entry]:
        forums = Forum.objects.filter(kind=Forum.Kind.POLITIRAD, kommuner=obj)
        return _minutes_entries(forums) + _agreement_entries(Agreement.objects.filter(kommuner=obj))


class KommuneAtom(KommuneRss):
    feed_type = Atom1Feed
    subtitle = KommuneRss.description


class CouncilRss(_EntryFeed):
    def get_object(self, request, pk: int) -> Council:
        return pages.public_council_for(pk)

    def title(self, obj: Council) -> str:
        return obj.forum.name

    def link(self, obj: Council) -> str:
        return reverse("public:council", args=[obj.pk])

    def description(self, obj: Council) -> str:
        return _("Nye publiserte referater og signerte samarbeidsavtaler.")

    def entries(self, obj: Council) -> list[Entry]:
        agreements = Agreement.objects.filter(kommuner__in=obj.forum.kommuner.all()).distinct()
        return _minutes_entries([obj.forum]) + _agreement_entries(agreements)


class CouncilAtom(CouncilRss):
    feed_type = Atom1Feed
    subtitle = CouncilRss.description


def _open_meetings_calendar(forums, name: str) -> HttpResponse:
    since = timezone.now() - datetime.timedelta(days=CALENDAR_DAYS)
    meetings = Meeting.objects.filter(forum__in=forums, is_closed=False, starts_at__gte=since).select_related("forum")
    payload = meeting_ical(meeting_readings(ANONYMOUS, meetings.order_by("starts_at"), outbound=True), name)
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="moter.ics"'
    return response


@require_GET
def kommune_ics(request: HttpRequest, number: str, slug: str) -> HttpResponse:
    """The open meetings of the kommune's politiråd (closed ones are not in a public calendar)."""
    kommune = get_object_or_404(Kommune, number=number)
    forums = Forum.objects.filter(kind=Forum.Kind.POLITIRAD, kommuner=kommune)
    return _open_meetings_calendar(forums, _("Politiråd i %(kommune)s") % {"kommune": kommune.name})


@require_GET
def council_ics(request: HttpRequest, pk: int) -> HttpResponse:
    council = pages.public_council_for(pk)
    return _open_meetings_calendar([council.forum], council.forum.name)
