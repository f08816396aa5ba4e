"""What the public pages show, read only through the access functions: signed agreements
(agreements.access.agreements_public), meetings through `meeting_reading` for an anonymous reader, published
handlingsplaner (slt.access.plans_public). Every public page renders the same for everyone, logged in or not.

Personal data: the names and roles of office holders (politiråd members who represent a party, the politikontakt),
never an e-mail address or a phone number; a member without a party is shown by role and organisation only.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from agreements.access import agreements_public
from agreements.models import Agreement, Signature
from councils.models import Council
from samarbeid.meetings import ANONYMOUS, MeetingReading, meeting_readings
from samarbeid.models import (
    Forum,
    ForumMembership,
    Kommune,
    Meeting,
    OpeningHours,
    PoliceUnit,
    Role,
    RoleAssignment,
    Tjenestested,
)
from slt.access import plans_public
from slt.models import Handlingsplan, Tiltak

PAST_DAYS = 400  # meetings on a public page: the coming ones and those of about the last year
POLICE_PHONE = "02800"
EMERGENCY_PHONE = "112"
_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def kommune_slug(kommune: Kommune) -> str:
    """ "Bærum" → "baerum", "Guovdageaidnu - Kautokeino" → "guovdageaidnu-kautokeino"."""
    name = re.sub(r"\s+kommune$", "", kommune.name.strip(), flags=re.IGNORECASE)
    return slugify(name.translate(_LETTERS)) or "kommune"


def kommune_url(kommune: Kommune) -> str:
    return reverse("public:kommune", kwargs={"number": kommune.number, "slug": kommune_slug(kommune)})


def kommuner_matching(query: str) -> QuerySet[Kommune]:
    """Kommuner whose name (bokmål or nynorsk) contains the query, or whose number starts with it."""
    kommuner = Kommune.objects.select_related("district").order_by("name")
    query = query.strip()
    if query:
        kommuner = kommuner.filter(Q(name__icontains=query) | Q(name_nn__icontains=query) | Q(number__startswith=query))
    return kommuner


# --- agreements ----------------------------------------------------------------------------------------------------


def public_agreements_of(kommune: Kommune) -> list[Agreement]:
    """The kommune's signed agreements, newest first, each with `replaced_by` (the agreement that replaced it)."""
    agreements = list(
        agreements_public(Agreement.objects.filter(kommuner=kommune))
        .select_related("police_party", "replaces")
        .prefetch_related("kommuner")
        .order_by("-period_start", "-pk")
    )
    replacing = {
        a.replaces_id: a for a in agreements_public().filter(replaces__in=agreements).prefetch_related("kommuner")
    }
    for agreement in agreements:
        agreement.replaced_by_public = replacing.get(agreement.pk)
    return agreements


def current_agreement(agreements: list[Agreement]) -> Agreement | None:
    return next((a for a in agreements if a.status == Agreement.Status.SIGNED), None)


def signatures_of(agreement: Agreement) -> list[Signature]:
    """Who signed, as printed on the agreement (name, title, place, date) in the completed round."""
    return list(
        Signature.objects.filter(agreement=agreement, round__completed_at__isnull=False).order_by("signed_at", "pk")
    )


# --- councils and meetings -----------------------------------------------------------------------------------------


@dataclass
class PublicMember:
    kind: str
    role: str
    name: str  # "" for a member who does not represent a party (shown by role and organisation only)
    party: str
    organisation: str


def members_by_role(forum: Forum, on: datetime.date | None = None) -> list[PublicMember]:
    memberships = (
        forum.memberships.active(on).filter(kind__in=ForumMembership.MEMBER_KINDS).select_related("person", "party")
    )
    order = {kind: n for n, kind in enumerate(ForumMembership.MEMBER_KINDS)}
    members = [
        PublicMember(
            kind=m.get_kind_display(),
            role=m.role_title,
            name=m.person.name if m.party_id else "",
            party=m.party.name if m.party_id else "",
            organisation=m.organisation,
        )
        for m in sorted(memberships, key=lambda m: (order[m.kind], m.person.name))
    ]
    return members


def public_councils_of(kommune: Kommune) -> list[Council]:
    return list(
        Council.objects.filter(forum__kommuner=kommune)
        .select_related("forum", "host_kommune", "police_unit")
        .prefetch_related("forum__kommuner")
        .order_by("forum__name")
    )


def public_council_for(pk: int) -> Council:
    return get_object_or_404(Council.objects.select_related("forum", "host_kommune", "police_unit"), pk=pk)


@dataclass
class CouncilMeetings:
    upcoming: list[MeetingReading]
    past: list[MeetingReading]


def council_meetings(forums: list[Forum], now: datetime.datetime | None = None) -> CouncilMeetings:
    """The councils' meetings as the public reads them: coming ones, and those of the last year (newest first)."""
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(forum__in=forums, starts_at__gte=now - datetime.timedelta(days=PAST_DAYS))
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("forum")
        .order_by("starts_at")
    )
    readings = meeting_readings(ANONYMOUS, meetings)
    return CouncilMeetings(
        upcoming=[r for r in readings if r.meeting.starts_at >= now],
        past=[r for r in reversed(readings) if r.meeting.starts_at < now],
    )


def public_meeting_for(pk: int) -> MeetingReading:
    """An anonymous reading of a politiråd meeting (a closed one gives only its date); 404 for other forums'."""
    meeting = get_object_or_404(Meeting.objects.select_related("forum"), pk=pk, forum__kind=Forum.Kind.POLITIRAD)
    [reading] = meeting_readings(ANONYMOUS, [meeting])
    return reading


# --- SLT and the police --------------------------------------------------------------------------------------------


def public_plans_of(kommune: Kommune) -> list[Handlingsplan]:
    tiltak = Tiltak.objects.select_related("focus_area", "responsible_party").order_by("focus_area__order", "pk")
    return list(
        plans_public(Handlingsplan.objects.filter(slt_model__kommuner=kommune).distinct())
        .select_related("slt_model")
        .prefetch_related("focus_areas", Prefetch("tiltak", tiltak))
    )


def police_units_of(kommune: Kommune) -> list[PoliceUnit]:
    hours = OpeningHours.objects.order_by("weekday", "opens")
    places = Tjenestested.objects.prefetch_related(Prefetch("opening_hours", hours)).order_by("name")
    return list(
        PoliceUnit.objects.filter(kommuner=kommune)
        .prefetch_related(Prefetch("tjenestesteder", places))
        .order_by("name")
    )


def politikontakter_of(kommune: Kommune, units: list[PoliceUnit], councils: list[Council]) -> list[RoleAssignment]:
    """The politikontakt: who holds the role in the police units serving the kommune (or its councils' unit)."""
    unit_ids = {u.pk for u in units} | {c.police_unit_id for c in councils}
    return list(
        RoleAssignment.objects.active()
        .filter(role=Role.POLITIKONTAKT, party_id__in=unit_ids)
        .select_related("person", "party")
        .order_by("person__name")
    )


def kommune_overview(kommune: Kommune) -> dict:
    agreements = public_agreements_of(kommune)
    councils = public_councils_of(kommune)
    units = police_units_of(kommune)
    current = current_agreement(agreements)
    return {
        "kommune": kommune,
        "kommune_slug": kommune_slug(kommune),
        "current": current,
        "earlier": [a for a in agreements if a is not current],
        "councils": [
            {"council": c, "members": members_by_role(c.forum), "meetings": council_meetings([c.forum])}
            for c in councils
        ],
        "plans": public_plans_of(kommune),
        "units": units,
        "politikontakter": politikontakter_of(kommune, units, councils),
        "police_phone": POLICE_PHONE,
        "emergency_phone": EMERGENCY_PHONE,
    }
