"""The meeting machinery shared by politiråd (councils) and SLT coordination groups (slt).

Models (samarbeid/models.py, "Meetings" section): Forum → ForumMembership, Meeting → AgendaItem →
Decision → FollowUpAction, Attendance and MeetingAttachment; CalendarFeedToken for personal feeds.
Apps link to a Forum ONE-TO-ONE (not multi-table inheritance): the forum stays a plain core row that the
meeting views, feeds and permissions handle alike, and each app keeps its own fields on its own table.

This module holds the services (`<entity>_<action>`, each in
one transaction, e-mail sent on commit), the access functions and the iCalendar rendering. The views
for a single meeting (agenda, attendance, minutes, decisions, follow-up, .ics, PDF) are generic and live
in samarbeid/meeting_views.py under the `meetings:` URL namespace; their templates in templates/meetings/.

How to reuse it in an app (councils.Council and slt.CoordinationGroup do this):
1. Link your model to a Forum one-to-one: `forum = models.OneToOneField(Forum, on_delete=models.PROTECT,
   related_name="council")`, and create both with `forum_create(kind=..., name=..., kommuner=...,
   police_party=..., policy=YOUR_POLICY, by=user)`. The policy (Role → permissions on the Forum) says which
   role holders of the forum's parties may read (`samarbeid.view_forum`), plan meetings and write minutes
   (`samarbeid.manage_meetings`) or read closed minutes (`samarbeid.view_closed_minutes`).
   Members are added with `membership_add`; active members get view + closed minutes, leaders and
   secretaries also manage (through the forum's own groups, kept in sync by `sync_user_roles`).
2. Register the page that shows your forum: `register_forum_page(Forum.Kind.X, lambda forum: url)` in your
   AppConfig.ready(), so the meeting pages can link back to it.
3. Fetch with `forum_for` / `meeting_for`, scope lists with `forums_visible_to` / `meetings_visible_to`, and
   link to `meetings:create` (forum pk), `meetings:detail` (meeting pk) and `meetings:actions` (forum pk).
   Include "meetings/_meeting_list.html" with `meetings` in context for a list of meetings.
Rules kept here for every forum: closed minutes, their attachments and their decisions (also as
referatsaker of the next meeting) only for members; open minutes with approved status are public
(`Meeting.objects.public()`); case numbers "Sak N/YYYY" per forum and year under a row lock.
"""

import datetime
from collections.abc import Callable, Iterable

import icalendar
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from samarbeid.concurrency import claim_version
from samarbeid.models import (
    AgendaItem,
    Attendance,
    Decision,
    FollowUpAction,
    Forum,
    ForumMembership,
    Kommune,
    Meeting,
    MeetingAttachment,
    Party,
    Person,
    User,
)
from samarbeid.permissions import Policy, get_for_user, grant, has_perm, visible_to
from samarbeid.uploads import validate_attachment

VIEW = "samarbeid.view_forum"
MANAGE = "samarbeid.manage_meetings"
CLOSED = "samarbeid.view_closed_minutes"

MEMBER_PERMS = (VIEW, CLOSED)
ORGANISER_PERMS = (VIEW, CLOSED, MANAGE)

REFERATSAKER = "Referatsaker"
# Taushetsplikt: an SLT coordination group's minutes are only for its members and the SLT-koordinator.
ALWAYS_CLOSED_KINDS = (Forum.Kind.COORDINATION_GROUP,)

_forum_pages: dict[str, Callable[[Forum], str]] = {}


def register_forum_page(kind: str, url_for: Callable[[Forum], str]) -> None:
    _forum_pages[kind] = url_for


def forum_page_url(forum: Forum) -> str | None:
    url_for = _forum_pages.get(forum.kind)
    try:
        return url_for(forum) if url_for else None
    except ObjectDoesNotExist:  # a bare forum without its app's object
        return None


# --- access ------------------------------------------------------------------------------------------------------


def forums_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    return visible_to(user, VIEW, Forum.objects.all() if queryset is None else queryset)


def forum_for(user, pk: int, *, manage: bool = False) -> Forum:
    return get_for_user(user, Forum.objects.all(), view=VIEW, change=MANAGE if manage else None, pk=pk)


def meetings_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Meeting.objects.all() if queryset is None else queryset
    return queryset.filter(forum__in=forums_visible_to(user))


def meeting_for(user, pk: int, *, manage: bool = False, minutes: bool = False) -> Meeting:
    """The meeting, if the user may see its forum (or its minutes are public); 403 when managing is denied.
    With minutes=True, 404 also for who may not read its minutes (a closed meeting's non-members)."""
    meeting = get_for_user(
        user,
        Meeting.objects.select_related("forum"),
        view=VIEW,
        change=MANAGE if manage else None,
        public=lambda meeting: meeting.is_public,
        via="forum",
        pk=pk,
    )
    if minutes and not can_read_minutes(user, meeting):
        raise Http404
    return meeting


def can_read_minutes(user, meeting: Meeting) -> bool:
    """Open minutes are read by everyone who may see the meeting; closed minutes only by the forum's members."""
    return not meeting.is_closed or has_perm(user, CLOSED, meeting.forum)


def meeting_abilities(user, meeting: Meeting) -> dict[str, bool]:
    manage = has_perm(user, MANAGE, meeting.forum)
    editable = manage and meeting.is_editable
    status = Meeting.Status
    return {
        "manage": manage,
        "edit": editable,
        "read_minutes": can_read_minutes(user, meeting),
        "summon": manage and meeting.status in (status.PLANNED, status.SUMMONED),
        "mark_held": manage and meeting.status in (status.PLANNED, status.SUMMONED),
        "approve": manage and meeting.status == status.HELD,
        "cancel": manage and meeting.status in (status.PLANNED, status.SUMMONED),
        "write_minutes": manage and meeting.status in (status.SUMMONED, status.HELD, status.PLANNED),
    }


# --- forums and members ------------------------------------------------------------------------------------------


@transaction.atomic
def forum_create(
    *,
    kind: str,
    name: str,
    kommuner: Iterable[Kommune],
    police_party: Party | None,
    policy: Policy,
    standard_agenda: str = "",
    by: User | None = None,
) -> Forum:
    forum = Forum.objects.create(
        kind=kind, name=name, police_party=police_party, standard_agenda=standard_agenda, created_by=by
    )
    forum.kommuner.set(kommuner)
    forum_grant(forum, policy)
    return forum


def forum_grant(forum: Forum, policy: Policy) -> None:
    """Give the forum's own groups and its parties' role groups their permissions on the forum."""
    for perm in MEMBER_PERMS:
        assign_perm(perm, forum.member_group, forum)
    for perm in ORGANISER_PERMS:
        assign_perm(perm, forum.organiser_group, forum)
    grant(forum, forum.parties(), policy)


def membership_add(
    forum: Forum,
    person: Person,
    kind: str,
    *,
    party: Party | None = None,
    role_title: str = "",
    organisation: str = "",
    deputy_for: ForumMembership | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    by: User | None = None,
) -> ForumMembership:
    if kind == ForumMembership.Kind.DEPUTY and deputy_for is None:
        raise ValidationError({"deputy_for": _("Velg hvem stedfortrederen er stedfortreder for.")})
    membership = ForumMembership(
        forum=forum, person=person, kind=kind, party=party, role_title=role_title, organisation=organisation,
        deputy_for=deputy_for if kind == ForumMembership.Kind.DEPUTY else None,
        starts_on=starts_on or timezone.localdate(), ends_on=ends_on, created_by=by,
    )  # fmt: skip
    membership.full_clean(exclude=["forum", "person", "created_by"])
    membership.save()
    return membership


def membership_end(membership: ForumMembership, *, on: datetime.date | None = None, by: User | None = None) -> None:
    """End a membership (history is kept); the person loses the forum's rights from the day after."""
    on = on or timezone.localdate()
    if on < membership.starts_on:
        raise ValidationError(_("Et medlemskap kan ikke slutte før det har begynt."))
    membership.ends_on = on
    membership.ended_by = by
    membership.save(update_fields=["ends_on", "ended_by"])


# --- meetings ----------------------------------------------------------------------------------------------------


def _next_numbers(forum: Forum, year: int, count: int) -> list[int]:
    """Reserve `count` case numbers for a forum and year; the forum row lock serialises racing secretaries."""
    Forum.objects.select_for_update().filter(pk=forum.pk).first()
    last = AgendaItem.objects.filter(forum=forum, year=year).aggregate(last=Max("number"))["last"] or 0
    return list(range(last + 1, last + 1 + count))


@transaction.atomic
def meeting_plan(
    forum: Forum,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str = "",
    theme: str = "",
    is_closed: bool = False,
    agenda: list[str] | None = None,
    by: User | None = None,
) -> Meeting:
    """Plan a meeting with its agenda pre-filled with the forum's fixed points (or `agenda`)."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Møtet må slutte etter at det begynner.")})
    is_closed = is_closed or forum.kind in ALWAYS_CLOSED_KINDS
    meeting = Meeting.objects.create(
        forum=forum, starts_at=starts_at, ends_at=ends_at, place=place, theme=theme, is_closed=is_closed,
        created_by=by, updated_by=by,
    )  # fmt: skip
    titles = forum.standard_agenda_points() if agenda is None else agenda
    year = timezone.localtime(starts_at).year
    numbers = _next_numbers(forum, year, len(titles))
    AgendaItem.objects.bulk_create(
        AgendaItem(
            forum=forum,
            meeting=meeting,
            year=year,
            number=number,
            position=position,
            title=title,
            is_referatsaker=title.strip().lower() == REFERATSAKER.lower(),
            created_by=by,
        )  # fmt: skip
        for position, (number, title) in enumerate(zip(numbers, titles, strict=True), start=1)
    )
    return meeting


@transaction.atomic
def agenda_item_add(
    meeting: Meeting, *, title: str, description: str = "", proposed_by: Party | None = None, by: User | None = None
) -> AgendaItem:
    _require_editable(meeting)
    year = timezone.localtime(meeting.starts_at).year
    [number] = _next_numbers(meeting.forum, year, 1)
    position = (meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0) + 1
    return AgendaItem.objects.create(
        forum=meeting.forum, meeting=meeting, year=year, number=number, position=position, title=title,
        description=description, proposed_by=proposed_by, created_by=by,
    )  # fmt: skip


def _require_editable(meeting: Meeting) -> None:
    if not meeting.is_editable:
        raise ValidationError(_("Møtet er avlyst eller referatet er godkjent, og kan ikke endres."))


def _touch(meeting: Meeting, by: User | None, *fields: str, bump: bool = False) -> None:
    meeting.updated_at = timezone.now()
    meeting.updated_by = by
    if bump:
        meeting.sequence += 1
    meeting.save(update_fields=[*fields, "updated_at", "updated_by", *(["sequence"] if bump else [])])


@transaction.atomic
def meeting_update(meeting: Meeting, *, by: User | None, expected_version: int | None = None, **changes) -> Meeting:
    """Change time, place, theme or openness; calendar subscribers see a new SEQUENCE when the time or place moves.
    StaleEdit (samarbeid/concurrency.py) if someone saved the meeting since `expected_version`."""
    _require_editable(meeting)
    claim_version(meeting, expected_version)
    if meeting.forum.kind in ALWAYS_CLOSED_KINDS:
        changes.pop("is_closed", None)
    allowed = {"starts_at", "ends_at", "place", "theme", "is_closed"}
    changed = [field for field, value in changes.items() if field in allowed and getattr(meeting, field) != value]
    for field in changed:
        setattr(meeting, field, changes[field])
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("Møtet må slutte etter at det begynner.")})
    if changed:
        _touch(meeting, by, *changed, bump=bool({"starts_at", "ends_at", "place"} & set(changed)))
    return meeting


def innkalling_recipients(meeting: Meeting) -> list[Person]:
    on = timezone.localtime(meeting.starts_at).date()
    memberships = (
        meeting.forum.memberships.active(on)
        .filter(kind__in=ForumMembership.MEMBER_KINDS)
        .exclude(person__email="")
        .select_related("person")
    )
    return list({m.person_id: m.person for m in memberships}.values())


@transaction.atomic
def meeting_send_innkalling(meeting: Meeting, *, by: User | None) -> tuple[list[Person], bool]:
    """Mark the meeting innkalt and e-mail every member the agenda with an .ics attachment (after commit).

    Returns the recipients and whether the notice is late (less than seven days before the meeting).
    """
    meeting = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.SUMMONED):
        raise ValidationError(_("Innkalling kan bare sendes for planlagte møter."))
    now = timezone.now()
    meeting.status = Meeting.Status.SUMMONED
    meeting.summoned_at = now
    meeting.summoned_by = by
    _touch(meeting, by, "status", "summoned_at", "summoned_by", bump=True)
    recipients = innkalling_recipients(meeting)
    items = list(meeting.agenda_items.select_related("proposed_by"))
    subject = _("Innkalling: %(forum)s %(date)s") % {
        "forum": meeting.forum.name,
        "date": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y"),
    }
    body = render_to_string("meetings/email/innkalling.txt", {"meeting": meeting, "items": items})
    ics = meeting_ical([meeting], meeting.forum.name)
    messages = []
    for person in recipients:
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        message.attach("mote.ics", ics, "text/calendar")
        messages.append(message)
    transaction.on_commit(lambda: [m.send() for m in messages])
    return recipients, meeting.notice_was_late


def _set_status(meeting: Meeting, status: str, by: User | None, allowed_from: Iterable[str], stamp: str) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    if meeting.status not in allowed_from:
        raise ValidationError(
            _("Møtet kan ikke gå fra «%(from)s» til «%(to)s».")
            % {"from": meeting.get_status_display(), "to": Meeting.Status(status).label}
        )
    meeting.status = status
    setattr(meeting, f"{stamp}_at", timezone.now())
    setattr(meeting, f"{stamp}_by", by)
    _touch(meeting, by, "status", f"{stamp}_at", f"{stamp}_by", bump=True)
    return meeting


@transaction.atomic
def meeting_mark_held(meeting: Meeting, *, by: User | None) -> Meeting:
    return _set_status(
        meeting, Meeting.Status.HELD, by, (Meeting.Status.PLANNED, Meeting.Status.SUMMONED), "held_marked"
    )


@transaction.atomic
def meeting_approve_minutes(meeting: Meeting, *, by: User | None) -> Meeting:
    return _set_status(meeting, Meeting.Status.MINUTES_APPROVED, by, (Meeting.Status.HELD,), "minutes_approved")


@transaction.atomic
def meeting_cancel(meeting: Meeting, *, by: User | None) -> Meeting:
    return _set_status(
        meeting, Meeting.Status.CANCELLED, by, (Meeting.Status.PLANNED, Meeting.Status.SUMMONED), "cancelled"
    )


@transaction.atomic
def attendance_record(
    meeting: Meeting,
    membership: ForumMembership,
    *,
    status: str,
    represented_by: Person | None = None,
    by: User | None = None,
) -> Attendance:
    _require_editable(meeting)
    if membership.forum_id != meeting.forum_id:
        raise ValidationError(_("Personen er ikke medlem av dette forumet."))
    if status == Attendance.Status.REPRESENTED and represented_by is None:
        raise ValidationError({"represented_by": _("Velg stedfortrederen som møtte.")})
    attendance, _created = Attendance.objects.update_or_create(
        meeting=meeting,
        membership=membership,
        defaults={
            "status": status,
            "represented_by": represented_by if status == Attendance.Status.REPRESENTED else None,
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    return attendance


@transaction.atomic
def agenda_item_write_minutes(
    item: AgendaItem, *, text: str, by: User | None, expected_version: int | None = None
) -> AgendaItem:
    """Save an item's minutes; StaleEdit if someone saved them since `expected_version`."""
    _require_editable(item.meeting)
    claim_version(item, expected_version)
    item.minutes = text
    item.minutes_updated_at = timezone.now()
    item.minutes_updated_by = by
    item.save(update_fields=["minutes", "minutes_updated_at", "minutes_updated_by"])
    return item


def decision_add(item: AgendaItem, *, text: str, by: User | None) -> Decision:
    _require_editable(item.meeting)
    if not text.strip():
        raise ValidationError({"text": _("Skriv vedtaket.")})
    return Decision.objects.create(agenda_item=item, text=text.strip(), created_by=by)


def action_add(
    decision: Decision,
    *,
    description: str,
    responsible_person: Person | None = None,
    responsible_party: Party | None = None,
    due_on: datetime.date | None = None,
    by: User | None = None,
) -> FollowUpAction:
    if responsible_person is None and responsible_party is None:
        raise ValidationError(_("Oppgi ansvarlig person eller part."))
    return FollowUpAction.objects.create(
        decision=decision, description=description, responsible_person=responsible_person,
        responsible_party=responsible_party, due_on=due_on, created_by=by,
    )  # fmt: skip


@transaction.atomic
def action_close(action: FollowUpAction, *, comment: str, by: User | None) -> FollowUpAction:
    action = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    if action.status == FollowUpAction.Status.DONE:
        raise ValidationError(_("Oppfølgingspunktet er allerede lukket."))
    if not comment.strip():
        raise ValidationError({"closing_comment": _("Skriv en kort kommentar om hva som ble gjort.")})
    action.status = FollowUpAction.Status.DONE
    action.closing_comment = comment.strip()
    action.closed_at = timezone.now()
    action.closed_by = by
    action.save(update_fields=["status", "closing_comment", "closed_at", "closed_by"])
    return action


@transaction.atomic
def meeting_attach(meeting: Meeting, *, upload, title: str, by: User | None) -> MeetingAttachment:
    """Attach a PDF/DOCX/ODT (checked by extension and content, size-limited) to a meeting."""
    _require_editable(meeting)
    content_type = validate_attachment(upload)
    return MeetingAttachment.objects.create(
        meeting=meeting, title=title.strip() or upload.name, file=upload, original_name=upload.name,
        content_type=content_type, size=upload.size, uploaded_by=by,
    )  # fmt: skip


def attachment_delete(attachment: MeetingAttachment) -> None:
    _require_editable(attachment.meeting)
    attachment.file.delete(save=False)
    attachment.delete()


# --- reading -----------------------------------------------------------------------------------------------------


def actions_for_forums(forums: QuerySet | Iterable[Forum]) -> QuerySet:
    """Follow-up actions across all meetings of the forums, with what a list shows loaded up front."""
    return FollowUpAction.objects.filter(decision__agenda_item__meeting__forum__in=forums).select_related(
        "responsible_person", "responsible_party", "closed_by__person",
        "decision__agenda_item__meeting__forum",
    )  # fmt: skip


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(forum_id=meeting.forum_id, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )


def referatsaker(meeting: Meeting, user=None) -> list[Decision]:
    """What the previous meeting decided, each decision with its follow-up actions and their status.

    Given a user, a closed previous meeting's decisions are left out unless they may read its minutes.
    """
    previous = previous_meeting(meeting)
    if previous is None or (user is not None and not can_read_minutes(user, previous)):
        return []
    return list(
        Decision.objects.filter(agenda_item__meeting=previous)
        .select_related("agenda_item")
        .prefetch_related(Prefetch("actions", FollowUpAction.objects.select_related("responsible_person")))
    )


def _actions_with_responsible() -> QuerySet:
    return FollowUpAction.objects.select_related("responsible_person", "responsible_party")


def meeting_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The agenda with minutes, decisions and their actions, in a fixed number of queries."""
    return list(
        meeting.agenda_items.select_related("proposed_by").prefetch_related(
            Prefetch(
                "decisions",
                Decision.objects.prefetch_related(Prefetch("actions", _actions_with_responsible())),
            )
        )
    )


def meeting_attendance(meeting: Meeting) -> list[tuple[ForumMembership, Attendance | None]]:
    """Every member on the meeting day with their recorded attendance (None when not yet recorded)."""
    on = timezone.localtime(meeting.starts_at).date()
    recorded = {a.membership_id: a for a in meeting.attendances.select_related("represented_by")}
    memberships = meeting.forum.memberships.active(on).select_related("person", "party", "deputy_for__person")
    return [(m, recorded.get(m.pk)) for m in memberships]


# --- iCalendar ---------------------------------------------------------------------------------------------------


def _ical_status(meeting: Meeting) -> str:
    if meeting.status == Meeting.Status.CANCELLED:
        return "CANCELLED"
    return "TENTATIVE" if meeting.status == Meeting.Status.PLANNED else "CONFIRMED"


def meeting_ical(meetings: Iterable[Meeting], calendar_name: str) -> bytes:
    """An iCalendar (RFC 5545) calendar: stable UIDs, SEQUENCE bumped on changes, STATUS:CANCELLED for avlyst."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Samarbeid//Politiråd og SLT//NO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for meeting in meetings:
        event = icalendar.Event()
        event.add("uid", f"{meeting.uid}@samarbeid")
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", meeting.updated_at)
        event.add("last-modified", meeting.updated_at)
        event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))  # UTC: no VTIMEZONE needed anywhere
        event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
        summary = meeting.forum.name + (f": {meeting.theme}" if meeting.theme else "")
        event.add("summary", summary)
        if meeting.place:
            event.add("location", meeting.place)
        event.add("status", _ical_status(meeting))
        calendar.add_component(event)
    return calendar.to_ical()
