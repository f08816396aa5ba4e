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
4. Render a meeting only from `meeting_reading(user, meeting)` (or `meeting_readings` for many, and
   `readable_meetings` to scope a list such as follow-ups): it says what the person may see and carries that
   content itself, so a template or PDF cannot show more.
Rules kept here for every forum: a closed meeting's case descriptions, minutes, decisions, follow-up actions
and attachments (also as referatsaker of the next meeting) only for members, everyone else who sees the
meeting reads the agenda titles; open minutes with approved status are public (`Meeting.objects.public()`);
opening a closed meeting is a recorded decision (MeetingClosedChange) for the leader or a member; minutes keep
their history (MinutesVersion); reading closed minutes or attachments is logged (MeetingRead); case numbers
"Sak N/YYYY" per forum and year under a row lock.
"""

import datetime
import hashlib
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from functools import cached_property, partial, reduce
from typing import Any

import icalendar
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum, TextChoices, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samarbeid.concurrency import claim_version
from samarbeid.exemptions import (
    MeetingExemptions,
    basis_label,
    forum_exemptions,
    meeting_exemptions,
    publication_record,
)
from samarbeid.invitations import parties_nearest, people_nearest
from samarbeid.models import (
    AgendaItem,
    Attendance,
    Decision,
    FollowUpAction,
    FollowUpActionQuerySet,
    FollowUpChange,
    Forum,
    ForumMembership,
    Kommune,
    Malform,
    Meeting,
    MeetingAttachment,
    MeetingClosedChange,
    MeetingExemption,
    MeetingRead,
    MinutesVersion,
    NotificationKind,
    Party,
    Person,
    Publication,
    User,
    published_ids,
)
from samarbeid.models import forum_innkalling_days as forum_innkalling_days  # the rule lives beside Meeting
from samarbeid.models import innkalling_days as innkalling_days
from samarbeid.models import innkalling_deadline as innkalling_deadline
from samarbeid.models import innkalling_was_late as innkalling_was_late
from samarbeid.models import register_innkalling_rule as register_innkalling_rule
from samarbeid.notifications import notify, role_holders
from samarbeid.permissions import (
    Policy,
    assign_many,
    get_for_user,
    grant,
    has_perm,
    prefetch_perms,
    visible_to,
)
from samarbeid.roles import person_create, person_resync
from samarbeid.uploads import validate_attachment

VIEW = "samarbeid.view_forum"
MANAGE = "samarbeid.manage_meetings"
CLOSED = "samarbeid.view_closed_minutes"

MEMBER_PERMS = (VIEW, CLOSED)
ORGANISER_PERMS = (VIEW, CLOSED, MANAGE)

REFERATSAKER = "Referatsaker"
# The fixed agenda point a planned meeting's theme is written into ("Tema fra årshjul: Rus og ungdom").
YEAR_THEME_POINTS = ("tema fra årshjul", "tema frå årshjul")
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


# The theme of a planned meeting where it gives none: a politiråd's årshjul gives each month one.
_year_themes: dict[str, Callable[[Forum, datetime.date], str]] = {}


def register_year_theme(kind: str, theme_for: Callable[[Forum, datetime.date], str]) -> None:
    _year_themes[kind] = theme_for


def _with_theme(title: str, theme: str) -> str:
    """A fixed agenda point with the meeting's theme written into it, if it is the "tema fra årshjul" point."""
    if theme and title.strip().lower().rstrip(":").startswith(YEAR_THEME_POINTS):
        return f"{title.strip().rstrip(':')}: {theme}"
    return title


# --- access ------------------------------------------------------------------------------------------------------


def forums_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    return visible_to(user, VIEW, Forum.objects.all() if queryset is None else queryset)


def forums_managed_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """The forums whose meetings the user plans, summons and minutes (organisers, secretaries)."""
    return visible_to(user, MANAGE, Forum.objects.all() if queryset is None else queryset)


def forum_for(user, pk: int, *, manage: bool = False) -> Forum:
    return get_for_user(user, Forum.objects.all(), view=VIEW, change=MANAGE if manage else None, pk=pk)


def meetings_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Meeting.objects.all() if queryset is None else queryset
    return queryset.filter(forum__in=forums_visible_to(user))


def forum_action_people(forum: Forum) -> QuerySet[Person]:
    """Who may be made responsible for a follow-up action of `forum`: its active members (the form's choices)."""
    return Person.objects.filter(forum_memberships__in=forum.memberships.active()).distinct()


def people_first(user) -> QuerySet[Person]:
    """Of the people a meeting form offers, those its picker shows first: people of the parties the user acts for."""
    return people_nearest(user)


def parties_first(user) -> QuerySet:
    """Of the parties a meeting form offers (its forum's), those its picker shows first: the user's own."""
    return parties_nearest(user)


def forum_parties_choosable(forum: Forum) -> QuerySet[Party]:
    """The parties a case is proposed by or a follow-up answered by: the forum's kommuner and its police."""
    return forum.party_rows()


def forum_representatives_choosable(forum: Forum) -> QuerySet[Person]:
    """Who may stand in for a member at a meeting: the forum's members, deputies included, past or present."""
    return Person.objects.filter(forum_memberships__forum=forum).distinct()


# What a meeting's pages show beside the meeting: its forum with the app's object of it (the council or
# coordination group, for the link back and the innkalling rule), and who summoned, approved or cancelled it.
MEETING_PAGE_RELATED = (
    "forum",
    *(f"forum__{relation.name}" for relation in Forum._meta.related_objects if relation.one_to_one),
    *(f"{name}__person" for name in ("summoned_by", "minutes_approved_by", "cancelled_by")),
)


def meeting_for(user, pk: int, *, manage: bool = False, minutes: bool = False) -> Meeting:
    """The meeting, if the user may see its forum (or its minutes are public); 403 when managing is denied.
    With minutes=True, 404 also for who may not read its minutes (a closed meeting's non-members)."""
    meeting = get_for_user(
        user,
        Meeting.objects.select_related(*MEETING_PAGE_RELATED),
        view=VIEW,
        change=MANAGE if manage else None,
        public=lambda meeting: meeting.is_public,
        via="forum",
        pk=pk,
    )
    if minutes and not meeting_reading(user, meeting).minutes:
        raise Http404
    return meeting


@dataclass(frozen=True, eq=False)
class ReadDecision:
    """A decision as a reader sees it: its case, its text and its follow-up actions."""

    pk: int
    case_number: str
    text: str
    actions: tuple[FollowUpAction, ...]


@dataclass(frozen=True, eq=False)
class ReadItem:
    """An agenda item as a reader sees it; what they may not read is empty."""

    pk: int
    case_number: str
    title: str
    proposed_by: Party | None
    is_referatsaker: bool
    description: str = ""
    minutes: str = ""
    minutes_updated_at: datetime.datetime | None = None
    minutes_updated_by: User | None = None
    decisions: tuple[ReadDecision, ...] = ()
    withheld: str = ""  # the legal basis when the item's content is exempt from public access for this reader
    history: tuple[MinutesVersion, ...] = ()  # the earlier texts of the minutes, newest first
    version: int = 0  # the minutes' version a writer starts from (samarbeid/concurrency.py)


@dataclass(frozen=True, eq=False)
class MeetingReading:
    """What one person may see of one meeting, and that content itself.

    The one place that decides it: the meeting page, both PDFs, the innkalling e-mail, every .ics and feed,
    the follow-up lists and the referatsaker of the next meeting render only what a reading gives them.
    """

    meeting: Meeting
    user: User | AnonymousUser
    titles: bool  # time, place, theme, status and the agenda titles
    descriptions: bool  # the case descriptions
    minutes: bool  # the minutes text and its history
    decisions: bool
    actions: bool  # follow-up actions (also in follow-up lists and referatsaker)
    attachments: bool
    attendees: bool
    read_log: bool  # who read the closed minutes (the forum's organisers)
    # What is exempt from public access (samarbeid/exemptions.py) and so withheld from this reader; None for the
    # forum's members in the app, who read it all.
    exemptions: MeetingExemptions | None = None
    # Only the agenda (titles, case descriptions): for calendars, which show no minutes, decisions or follow-up,
    # so that a feed of hundreds of meetings loads none of them.
    outline: bool = False

    @property
    def minutes_withheld(self) -> str:
        """The legal basis when the minutes as a whole are exempt for this reader, else ""."""
        return basis_label(self.exemptions.minutes) if self.exemptions and self.minutes else ""

    @property
    def is_logged(self) -> bool:
        """Whether this person's reading of the minutes or attachments goes to the read log."""
        return self.meeting.is_closed and self.minutes and getattr(self.user, "is_authenticated", False)

    @cached_property
    def items(self) -> tuple[ReadItem, ...]:
        if not self.titles:
            return ()
        if "agenda_items" not in getattr(self.meeting, "_prefetched_objects_cache", {}):
            prefetch_related_objects([self.meeting], _agenda_prefetch(outline=self.outline))
        return tuple(self._read_item(item) for item in self.meeting.agenda_items.all())

    def _read_item(self, item: AgendaItem) -> ReadItem:
        shown: dict[str, Any] = {
            "pk": item.pk,
            "case_number": item.case_number,
            "title": item.title,
            "proposed_by": item.proposed_by,
            "is_referatsaker": item.is_referatsaker,
        }
        withheld = basis_label(self.exemptions.items.get(item.pk)) if self.exemptions else ""
        if withheld and (self.descriptions or self.minutes):
            return ReadItem(**shown, withheld=withheld)
        if self.minutes_withheld:  # the case papers stay, the minutes, decisions and follow-up go
            return ReadItem(**shown, description=item.description if self.descriptions else "")
        if self.descriptions:
            shown["description"] = item.description
        if self.outline:
            return ReadItem(**shown)
        if self.minutes:
            shown.update(
                minutes=item.minutes,
                minutes_updated_at=item.minutes_updated_at,
                version=item.version,
                minutes_updated_by=item.minutes_updated_by,
                history=tuple(item.minutes_versions.all())[1:],
            )
        if self.decisions:
            shown["decisions"] = tuple(self._read_decision(decision, item) for decision in item.decisions.all())
        return ReadItem(**shown)

    def _read_decision(self, decision: Decision, item: AgendaItem) -> ReadDecision:
        actions = tuple(decision.actions.all()) if self.actions else ()
        return ReadDecision(pk=decision.pk, case_number=item.case_number, text=decision.text, actions=actions)

    @cached_property
    def previous(self) -> "MeetingReading | None":
        """This person's reading of the previous meeting, whose decisions are this meeting's referatsaker."""
        previous = previous_meeting(self.meeting) if self.titles else None
        if previous is None:
            return None
        previous.forum = self.meeting.forum
        return meeting_reading(self.user, previous)

    def with_referatsaker(self) -> "MeetingReading":
        """This reading with its agenda and the previous meeting's (whose decisions are the referatsaker) loaded
        together, in the queries of one agenda: for the page and the PDFs, which show both."""
        previous = [self.previous.meeting] if self.previous is not None else []
        prefetch_related_objects([self.meeting, *previous], _agenda_prefetch())
        return self

    @property
    def referatsaker(self) -> tuple[ReadDecision, ...]:
        """What the previous meeting decided, as far as this person may read it there."""
        if self.previous is None:
            return ()
        return tuple(decision for item in self.previous.items for decision in item.decisions)

    @cached_property
    def attachment_list(self) -> tuple[MeetingAttachment, ...]:
        if not self.attachments:
            return ()
        withheld = self.exemptions.attachments if self.exemptions else {}
        return tuple(a for a in self.meeting.attachments.all() if a.pk not in withheld)

    @cached_property
    def withheld_attachments(self) -> tuple[tuple[str, str], ...]:
        """(title, legal basis) of each attachment exempt from public access for this reader."""
        if not self.attachments or not self.exemptions:
            return ()
        return tuple((record.attachment_title, basis_label(record)) for record in self.exemptions.attachments.values())

    @cached_property
    def attendance(self) -> list[tuple[ForumMembership, Attendance | None]]:
        return meeting_attendance(self.meeting) if self.attendees else []

    @cached_property
    def closed_history(self) -> tuple[MeetingClosedChange, ...]:
        if not self.titles:
            return ()
        return tuple(self.meeting.closed_changes.select_related("changed_by__person"))

    @cached_property
    def readers(self) -> list[dict]:
        """The read log in short: each reader with how many reads and the last one (one query)."""
        if not self.read_log:
            return []
        return [
            dict(row)
            for row in self.meeting.reads.values("user_id", "user__email", "user__person__name")
            .annotate(count=Count("pk"), last=Max("read_at"))
            .order_by("-last")
        ]


ANONYMOUS = AnonymousUser()


def reading_parts(
    *, reader: bool, member: bool, manage: bool, closed: bool, public: Callable[[], bool], outbound: bool
) -> dict[str, bool]:
    """The rule of what a person may see of a meeting, from who they are in its forum (`reader`: view_forum,
    `member`: view_closed_minutes, `manage`: manage_meetings) and what the meeting is (`closed`; `public()`,
    asked only when it matters: open, its minutes approved and published). Closed meetings: the agenda titles for
    everyone who may see the meeting, everything else only for the forum's members.

    `outbound` is for what leaves the app (e-mail, .ics files and calendar feeds, which calendar services fetch
    and keep on their own servers): a closed meeting's case papers never go there, members get the titles and
    read the rest here after logging in. `exempt`: what is exempt from public access is withheld (everyone but
    the forum's members in the app). meeting_reading applies it to one meeting, readable_meetings to lists."""
    # Everyone sees an open meeting's time, place, theme and agenda titles; its content once its minutes are
    # published (or as a reader of the forum); a closed meeting only its date and that it is closed.
    content = (reader or public()) and (not closed or (not outbound and member))
    return {
        "titles": reader or not closed,
        "descriptions": content,
        "minutes": content,
        "decisions": content,
        "actions": content and reader,
        "attachments": content,
        "attendees": (content and reader) or manage,
        "read_log": manage and closed,
        "exempt": content and not (member and not outbound),
    }


def meeting_reading(
    user, meeting: Meeting, *, summoned: bool = False, outbound: bool = False, outline: bool = False
) -> MeetingReading:
    """What `user` may see of `meeting` (reading_parts). `summoned` is for the people the innkalling goes to, who
    see the titles even without a login; `outline` reads only the agenda (MeetingReading.outline)."""
    forum = meeting.forum
    parts = reading_parts(
        reader=summoned or has_perm(user, VIEW, forum),
        member=has_perm(user, CLOSED, forum),
        manage=has_perm(user, MANAGE, forum),
        closed=meeting.is_closed,
        public=lambda: meeting.is_public,
        outbound=outbound,
    )
    exemptions = None
    if parts.pop("exempt"):
        exemptions = meeting.__dict__.get("_exemptions")
        if exemptions is None:  # kept on the instance: the page's abilities read the meeting again
            exemptions = meeting.__dict__["_exemptions"] = meeting_exemptions([meeting.pk])[meeting.pk]
    return MeetingReading(meeting=meeting, user=user, exemptions=exemptions, outline=outline, **parts)


def meeting_readings(
    user, meetings: Iterable[Meeting], *, outbound: bool = False, outline: bool = False
) -> list[MeetingReading]:
    """Readings of many meetings (feeds, lists) in a fixed number of queries."""
    meetings = list(meetings)
    prefetch_perms(user, list({meeting.forum_id: meeting.forum for meeting in meetings}.values()))
    prefetch_related_objects(meetings, _agenda_prefetch(outline=outline))
    prefetch_public_state(meetings)
    return [meeting_reading(user, meeting, outbound=outbound, outline=outline) for meeting in meetings]


def prefetch_public_state(meetings: list[Meeting]) -> None:
    """Whether each meeting is published, and its exemptions, for many meetings in two queries."""
    published = published_ids(Meeting, [m.pk for m in meetings if not m.is_closed])
    exemptions = meeting_exemptions([m.pk for m in meetings])
    for meeting in meetings:
        meeting.__dict__["_published"] = meeting.pk in published
        meeting.__dict__["_exemptions"] = exemptions[meeting.pk]


@dataclass(frozen=True)
class ReadableMeetings:
    """The meetings of some forums of which a person may read a part, as a query, and what is withheld there."""

    meetings: QuerySet
    forums: frozenset[int]  # the forums with any of them (for a list's query to start from)
    withheld_items: frozenset[int]  # agenda items exempt from public access for this person
    withheld_minutes: frozenset[int]  # meetings whose minutes as a whole are exempt for this person


# The kinds of meeting the rule tells apart: (closed, public).
_MEETING_CASES = ((False, False), (False, True), (True, False))


def readable_meetings(user, forums: QuerySet | Iterable[Forum], part: str = "actions") -> ReadableMeetings:
    """The meetings of `forums` of which `user` may read `part` (a MeetingReading field), for lists such as the
    follow-ups. The rule (reading_parts) is asked for each forum and kind of meeting (open, open and public,
    closed), not for every meeting: the forums' meetings are never read into Python, whatever their number."""
    forums = list(forums)
    prefetch_perms(user, forums)
    cases: dict[tuple[bool, bool], list[int]] = {case: [] for case in _MEETING_CASES}
    exempt_forums = []
    for forum in forums:
        holder = {"reader": has_perm(user, VIEW, forum), "member": has_perm(user, CLOSED, forum)}
        holder["manage"] = has_perm(user, MANAGE, forum)
        for closed, public in _MEETING_CASES:
            parts = reading_parts(**holder, closed=closed, public=partial(bool, public), outbound=False)
            if parts[part]:
                cases[closed, public].append(forum.pk)
                if parts["exempt"]:
                    exempt_forums.append(forum.pk)
    published = Meeting.objects.public().values("pk")
    both = set(cases[False, False]) & set(cases[False, True])
    scope = [
        Q(forum_id__in=both, is_closed=False),
        Q(forum_id__in=set(cases[False, True]) - both, is_closed=False, pk__in=published),
        Q(forum_id__in=set(cases[False, False]) - both, is_closed=False) & ~Q(pk__in=published),
        Q(forum_id__in=cases[True, False], is_closed=True),
    ]
    meetings = Meeting.objects.filter(reduce(operator.or_, scope))
    exemptions = forum_exemptions(set(exempt_forums))
    return ReadableMeetings(
        meetings=meetings,
        forums=frozenset(pk for forum_ids in cases.values() for pk in forum_ids),
        withheld_items=frozenset(pk for state in exemptions.values() for pk in state.items),
        withheld_minutes=frozenset(pk for pk, state in exemptions.items() if state.minutes),
    )


def may_open_closed(user, meeting: Meeting) -> bool:
    """Opening a closed meeting is for the forum's leader or an active member (not an outside organiser)."""
    if not getattr(user, "person_id", None):
        return False
    members = meeting.forum.memberships.active().filter(kind__in=ForumMembership.MEMBER_KINDS)
    return members.filter(person_id=user.person_id).exists()


def meeting_abilities(user, meeting: Meeting) -> dict[str, bool]:
    """What the user may do with the meeting; writing minutes and decisions needs reading them."""
    manage = has_perm(user, MANAGE, meeting.forum)
    editable = manage and meeting.is_editable
    reads = meeting_reading(user, meeting).minutes
    may_open = meeting.is_closed and meeting.forum.kind not in ALWAYS_CLOSED_KINDS and may_open_closed(user, meeting)
    status = Meeting.Status
    return {
        "manage": manage,
        "edit": editable,
        "write_decisions": editable and reads,
        "open_closed": may_open,
        "summon": manage and meeting.status in (status.PLANNED, status.SUMMONED),
        "mark_held": manage and meeting.status in (status.PLANNED, status.SUMMONED) and meeting.has_started(),
        "approve": manage and meeting.status == status.HELD,
        "cancel": manage and meeting.status in (status.PLANNED, status.SUMMONED),
        "write_minutes": reads and manage and meeting.status in (status.SUMMONED, status.HELD, status.PLANNED),
    }


def forum_abilities(user, forum: Forum) -> dict[str, bool]:
    """What the user may do on the forum's pages beyond reading: close follow-up actions (its organisers)."""
    return {"close": has_perm(user, MANAGE, forum)}


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
    forum = Forum(kind=kind, name=name, police_party=police_party, standard_agenda=standard_agenda, created_by=by)
    forum.full_clean(exclude=["member_group", "organiser_group", "created_by"])
    forum.save()
    forum_groups_create(forum)
    forum.kommuner.set(kommuner)
    forum_grant(forum, policy)
    return forum


def forum_groups_create(forum: Forum) -> None:
    """The forum's own two groups (its members, its organisers), which its grants and memberships use."""
    forum.member_group = Group.objects.create(name=f"forum:{forum.pk}:members")
    forum.organiser_group = Group.objects.create(name=f"forum:{forum.pk}:organisers")
    forum.save(update_fields=["member_group", "organiser_group"])


def forum_grant(forum: Forum, policy: Policy) -> None:
    """Give the forum's own groups and its parties' role groups their permissions on the forum."""
    members, organisers = forum.member_group, forum.organiser_group
    if members is None or organisers is None:
        raise ValueError(f"forum {forum.pk} has no groups yet")
    assign_many(
        [
            *((perm, members, forum) for perm in MEMBER_PERMS),
            *((perm, organisers, forum) for perm in ORGANISER_PERMS),
        ]
    )
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
        forum=forum,
        person=person,
        kind=kind,
        party=party,
        role_title=role_title,
        organisation=organisation,
        deputy_for=deputy_for if kind == ForumMembership.Kind.DEPUTY else None,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
        created_by=by,
    )
    membership.full_clean(exclude=["forum", "person", "created_by"])
    membership.save()
    person_resync(person.pk)  # the forum's groups, at once
    return membership


@transaction.atomic
def forum_member_add(
    forum: Forum,
    *,
    kind: str,
    by: User | None,
    person: Person | None = None,
    name: str = "",
    email: str = "",
    organisation: str = "",
    **membership: Any,
) -> ForumMembership:
    """Add a member: an existing person, or a new one (people without a login are welcome)."""
    if person is None:
        person = person_create(name=name, email=email, organisation=organisation)
    return membership_add(forum, person, kind, organisation=organisation, by=by, **membership)


def membership_end(membership: ForumMembership, *, on: datetime.date | None = None, by: User | None = None) -> None:
    """End a membership (history is kept); the person loses the forum's rights from the day after."""
    on = on or timezone.localdate()
    if on < membership.starts_on:
        raise ValidationError(_("Et medlemskap kan ikke slutte før det har begynt."))
    membership.ends_on = on
    membership.ended_by = by
    membership.save(update_fields=["ends_on", "ended_by"])
    person_resync(membership.person_id)  # its rights end with it


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
    """Plan a meeting with its agenda pre-filled with the forum's fixed points (or `agenda`).

    Without a theme of its own the meeting takes the one its forum's year plan gives its month (register_year_theme);
    the theme is written into the fixed "tema fra årshjul" point."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Møtet må slutte etter at det begynner.")})
    is_closed = is_closed or forum.kind in ALWAYS_CLOSED_KINDS
    year_theme = _year_themes.get(forum.kind)
    theme = theme or (year_theme(forum, timezone.localdate(starts_at)) if year_theme else "")
    meeting = Meeting.objects.create(
        forum=forum,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        theme=theme,
        is_closed=is_closed,
        created_by=by,
        updated_by=by,
    )
    titles = [_with_theme(title, theme) for title in (forum.standard_agenda_points() if agenda is None else agenda)]
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
        )
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
        forum=meeting.forum,
        meeting=meeting,
        year=year,
        number=number,
        position=position,
        title=title,
        description=description,
        proposed_by=proposed_by,
        created_by=by,
    )


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
def meeting_update(
    meeting: Meeting, *, by: User | None, reason: str = "", expected_version: int | None = None, **changes
) -> Meeting:
    """Change time, place, theme or openness; calendar subscribers see a new SEQUENCE when the time or place moves.

    Closing or opening is recorded (MeetingClosedChange); opening a closed meeting needs a legal basis or
    reason and is only for the forum's leader or a member. StaleEdit (samarbeid/concurrency.py) if someone
    saved the meeting since `expected_version`.
    """
    _require_editable(meeting)
    claim_version(meeting, expected_version)
    if meeting.forum.kind in ALWAYS_CLOSED_KINDS:
        changes.pop("is_closed", None)
    allowed = {"starts_at", "ends_at", "place", "theme", "is_closed"}
    changed = [field for field, value in changes.items() if field in allowed and getattr(meeting, field) != value]
    if "is_closed" in changed:
        _record_closed_change(meeting, is_closed=changes["is_closed"], reason=reason, by=by)
    for field in changed:
        setattr(meeting, field, changes[field])
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("Møtet må slutte etter at det begynner.")})
    if changed:
        moved = bool({"starts_at", "ends_at", "place"} & set(changed))
        _touch(meeting, by, *changed, bump=moved)
        if moved and meeting.status == Meeting.Status.SUMMONED:
            innkalling_notify(meeting, change=InnkallingChange.UPDATE)
    return meeting


def _record_closed_change(meeting: Meeting, *, is_closed: bool, reason: str, by: User | None) -> None:
    reason = reason.strip()
    if not is_closed:
        if by is None or not may_open_closed(by, meeting):
            raise ValidationError({"is_closed": _("Bare lederen eller et medlem av forumet kan åpne et lukket møte.")})
        if not reason:
            raise ValidationError({"reason": _("Oppgi hjemmel eller grunn for å åpne møtet.")})
    MeetingClosedChange.objects.create(
        meeting=meeting, was_closed=meeting.is_closed, is_closed=is_closed, reason=reason, changed_by=by
    )


def innkalling_recipients(meeting: Meeting) -> list[Person]:
    """Every member and invited guest on the meeting day who has an e-mail address, with or without a login."""
    on = timezone.localtime(meeting.starts_at).date()
    memberships = meeting.forum.memberships.active(on).exclude(person__email="").select_related("person__user")
    return list({m.person_id: m.person for m in memberships}.values())


def one_line(text: str) -> str:
    """Text for a header or an iCalendar name: line breaks and runs of white space become one space."""
    return " ".join(text.split())


@transaction.atomic
def meeting_send_innkalling(meeting: Meeting, *, by: User | None) -> tuple[list[Person], bool]:
    """Mark the meeting innkalt and e-mail every member and guest the agenda with a calendar invitation.

    Each recipient's e-mail and .ics hold what their own reading of the meeting gives (see meeting_reading).
    Returns the recipients and whether the notice is late (after the forum's deadline, see innkalling_deadline).
    """
    meeting = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.SUMMONED):
        raise ValidationError(_("Innkalling kan bare sendes for planlagte møter."))
    now = timezone.now()
    meeting.status = Meeting.Status.SUMMONED
    meeting.summoned_at = now
    meeting.summoned_by = by
    _touch(meeting, by, "status", "summoned_at", "summoned_by", bump=True)
    recipients = innkalling_notify(meeting, change=InnkallingChange.NEW)
    return recipients, meeting.notice_was_late


class InnkallingChange(TextChoices):
    """Which innkalling an e-mail is (the label is its subject); templates compare `change` with `Change.*`."""

    NEW = "new", gettext_lazy("Innkalling: %(forum)s %(date)s")
    UPDATE = "update", gettext_lazy("Endret innkalling: %(forum)s %(date)s")
    CANCEL = "cancel", gettext_lazy("Avlyst: %(forum)s %(date)s")


class MeetingDocument(TextChoices):
    """The two PDFs of a meeting (their path segment); the template compares `document` with `Document.*`."""

    INNKALLING = "innkalling", gettext_lazy("Innkalling")
    REFERAT = "referat", gettext_lazy("Referat")


def meeting_document_context(reading: MeetingReading, document: MeetingDocument) -> dict:
    """What meetings/pdf/meeting.html reads, for every PDF of a meeting (the page's, the public one, the archive's):
    the meeting, what this reader may see of it, and which document it is."""
    reading.with_referatsaker()
    return {"meeting": reading.meeting, "reading": reading, "document": document, "Document": MeetingDocument}


def _meeting_notice(meeting: Meeting) -> dict:
    """What every notice of a meeting needs: its forum and date for the subject, the page, the forum's målform."""
    kommune = meeting.forum.kommuner.first()
    return {
        "context": {
            "meeting": meeting,
            "forum": one_line(meeting.forum.name),
            "date": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y"),
        },
        "url": reverse("meetings:detail", kwargs={"pk": meeting.pk}),
        "default_malform": kommune.default_malform if kommune else Malform.BOKMAL,
    }


def _email_reading_for(person: Person, meeting: Meeting, *, summoned: bool = True) -> MeetingReading:
    return meeting_reading(getattr(person, "user", None) or ANONYMOUS, meeting, summoned=summoned, outbound=True)


def innkalling_notify(meeting: Meeting, *, change: InnkallingChange) -> list[Person]:
    """E-mail every member and guest the innkalling ("new"), its update when the meeting moves ("update") or the
    cancellation ("cancel"), each with a calendar REQUEST or CANCEL of the same UID and the meeting's SEQUENCE.
    Each message holds what the recipient's own reading of the meeting gives (titles only for a closed one)."""
    recipients = innkalling_recipients(meeting)
    notice = _meeting_notice(meeting)
    method = "CANCEL" if change == InnkallingChange.CANCEL else "REQUEST"
    for person in recipients:
        reading = _email_reading_for(person, meeting)

        def calendar(reading=reading):
            return method, meeting_ical([reading], meeting.forum.name, method=method, attendees=recipients)

        notify(
            person=person,
            kind=NotificationKind.INNKALLING,
            subject=change.label,
            template="innkalling",
            context={**notice["context"], "reading": reading, "change": change, "Change": InnkallingChange},
            url=notice["url"],
            calendar=calendar,
            default_malform=notice["default_malform"],
        )
    return recipients


def minutes_notify(meeting: Meeting) -> None:
    """Tell every member and guest that the minutes are approved, with the agenda titles and a link."""
    notice = _meeting_notice(meeting)
    for person in innkalling_recipients(meeting):
        notify(
            person=person,
            kind=NotificationKind.MINUTES_APPROVED,
            template="minutes_approved",
            subject=gettext_lazy("Referat godkjent: %(forum)s %(date)s"),
            context={**notice["context"], "reading": _email_reading_for(person, meeting)},
            url=notice["url"],
            default_malform=notice["default_malform"],
        )


def action_notify(action: FollowUpAction) -> None:
    """Tell the responsible person (or, without one, the responsible party's role holders) of a new follow-up;
    its text only where their reading of the meeting gives the actions (never for a closed meeting)."""
    meeting = action.decision.agenda_item.meeting
    person = action.responsible_person
    people = [person] if person is not None and person.email else role_holders([action.responsible_party])
    notice = _meeting_notice(meeting)
    for person in people:
        reading = _email_reading_for(person, meeting, summoned=False)
        notify(
            person=person,
            kind=NotificationKind.ACTION_ASSIGNED,
            template="action_assigned",
            subject=gettext_lazy("Nytt oppfølgingspunkt: %(forum)s %(date)s"),
            context={**notice["context"], "action": action if reading.actions else None},
            url=notice["url"],
            default_malform=notice["default_malform"],
        )


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
    """Mark the meeting held; not before it has started (a meeting marked held ahead counts for a year it may
    never reach)."""
    if not meeting.has_started():
        raise ValidationError(
            _("Møtet kan ikke markeres som avholdt før det har begynt (%(starts)s).")
            % {"starts": formats.date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT")}
        )
    return _set_status(
        meeting, Meeting.Status.HELD, by, (Meeting.Status.PLANNED, Meeting.Status.SUMMONED), "held_marked"
    )


@transaction.atomic
def meeting_approve_minutes(meeting: Meeting, *, by: User | None) -> Meeting:
    """Approve the minutes; an open meeting's approved minutes are published at once, by the approver (recorded,
    and withdrawn with `meeting_withdraw` in samarbeid/exemptions.py)."""
    meeting = _set_status(meeting, Meeting.Status.MINUTES_APPROVED, by, (Meeting.Status.HELD,), "minutes_approved")
    if not meeting.is_closed:
        publication_record(meeting, published=True, by=by)
    minutes_notify(meeting)
    return meeting


@transaction.atomic
def meeting_cancel(meeting: Meeting, *, by: User | None) -> Meeting:
    meeting = _set_status(
        meeting, Meeting.Status.CANCELLED, by, (Meeting.Status.PLANNED, Meeting.Status.SUMMONED), "cancelled"
    )
    if meeting.summoned_at:  # only who got the innkalling is told it is off
        innkalling_notify(meeting, change=InnkallingChange.CANCEL)
    return meeting


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
    """Save the minutes of an item; every changed text is kept in its history (MinutesVersion).
    StaleEdit if someone saved them since `expected_version`."""
    _require_editable(item.meeting)
    if text == item.minutes:
        return item
    claim_version(item, expected_version)
    now = timezone.now()
    item.minutes = text
    item.minutes_updated_at = now
    item.minutes_updated_by = by
    item.save(update_fields=["minutes", "minutes_updated_at", "minutes_updated_by"])
    MinutesVersion.objects.create(agenda_item=item, text=text, written_at=now, written_by=by)
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
    action = FollowUpAction.objects.create(
        decision=decision,
        description=description,
        responsible_person=responsible_person,
        responsible_party=responsible_party,
        due_on=due_on,
        created_by=by,
    )
    action_notify(action)
    return action


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


def action_for(user, action_pk: int) -> FollowUpAction:
    """A follow-up the user may change (edit, reassign, reopen): of a meeting they organise, and one they may read.

    404 for who may not know the meeting, or may not read its follow-up (a closed meeting's non-members, an exempt
    case); 403 for its other readers."""
    found = get_object_or_404(FollowUpAction.objects.select_related("decision__agenda_item"), pk=action_pk)
    meeting = meeting_for(user, found.decision.agenda_item.meeting_id, manage=True)
    action = actions_for_forums(user, [meeting.forum]).filter(pk=found.pk).first()
    if action is None:
        raise Http404
    return action


def _action_record(action: FollowUpAction, kind: str, by: User, reason: str = "") -> None:
    """Keep what the follow-up said before it changes (FollowUpChange, append-only)."""
    before = {
        "description": action.description,
        "responsible": action.responsible,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "status": action.status,
        "closing_comment": action.closing_comment,
    }
    FollowUpChange.objects.create(follow_up=action, kind=kind, before=before, reason=reason, changed_by=by)


@transaction.atomic
def action_update(
    action: FollowUpAction,
    *,
    expected_version: int | None,
    description: str,
    responsible_person: Person | None = None,
    responsible_party: Party | None = None,
    due_on: datetime.date | None = None,
    by: User,
) -> FollowUpAction:
    """Edit or reassign a follow-up (open or done); the history keeps what it said, and a new responsible is told."""
    if responsible_person is None and responsible_party is None:
        raise ValidationError(_("Oppgi ansvarlig person eller part."))
    stored = FollowUpAction.objects.select_related("responsible_person", "responsible_party").get(pk=action.pk)
    claim_version(stored, expected_version)
    reassigned = (stored.responsible_person, stored.responsible_party) != (responsible_person, responsible_party)
    _action_record(stored, FollowUpChange.Kind.REASSIGNED if reassigned else FollowUpChange.Kind.CHANGED, by)
    stored.description, stored.due_on = description.strip(), due_on
    stored.responsible_person, stored.responsible_party = responsible_person, responsible_party
    stored.updated_at, stored.updated_by = timezone.now(), by
    stored.save()
    if reassigned:
        action_notify(stored)
    return stored


@transaction.atomic
def action_reopen(action: FollowUpAction, *, reason: str, by: User) -> FollowUpAction:
    """Open a done follow-up again, with why; its closing comment is kept in the history."""
    stored = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    if stored.status != FollowUpAction.Status.DONE:
        raise ValidationError(_("Oppfølgingspunktet er allerede åpent."))
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor oppfølgingspunktet åpnes igjen.")})
    _action_record(stored, FollowUpChange.Kind.REOPENED, by, reason=reason.strip())
    stored.status, stored.closing_comment, stored.closed_at, stored.closed_by = (
        FollowUpAction.Status.OPEN,
        "",
        None,
        None,
    )
    stored.updated_at, stored.updated_by = timezone.now(), by
    stored.version += 1
    stored.save()
    return stored


@transaction.atomic
def meeting_attach(meeting: Meeting, *, upload, title: str, by: User | None) -> MeetingAttachment:
    """Attach a PDF/DOCX/ODT (checked by extension and content, size-limited) to a meeting."""
    _require_editable(meeting)
    content_type = validate_attachment(upload)
    return MeetingAttachment.objects.create(
        meeting=meeting,
        title=title.strip() or upload.name,
        file=upload,
        original_name=upload.name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )


def meeting_read_record(reading: MeetingReading, *, what: str, attachment: MeetingAttachment | None = None) -> None:
    """Log that the reading's person read a closed meeting's minutes or downloaded one of its attachments."""
    if reading.is_logged and isinstance(reading.user, User):  # is_logged: a signed-in user
        MeetingRead.objects.create(
            meeting=reading.meeting,
            user=reading.user,
            what=what,
            attachment=attachment,
            attachment_title=attachment.title if attachment else "",
        )


def attachment_delete(attachment: MeetingAttachment) -> None:
    _require_editable(attachment.meeting)
    attachment.file.delete(save=False)
    attachment.delete()


# --- reading -----------------------------------------------------------------------------------------------------


def actions_for_forums(user, forums: QuerySet | Iterable[Forum]) -> FollowUpActionQuerySet:
    """Follow-up actions across the forums' meetings that the user may read, with what a list shows loaded."""
    readable = readable_meetings(user, forums, "actions")
    # From the forums' agenda items (AgendaItem.forum is its meeting's), not from every follow-up of the country
    actions = FollowUpAction.objects.filter(
        decision__agenda_item__forum_id__in=readable.forums, decision__agenda_item__meeting__in=readable.meetings
    )
    actions = actions.exclude(decision__agenda_item__in=readable.withheld_items)
    return actions.exclude(decision__agenda_item__meeting__in=readable.withheld_minutes).select_related(
        "responsible_person",
        "responsible_party",
        "closed_by__person",
        "decision__agenda_item__meeting__forum",
    )


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(forum_id=meeting.forum_id, starts_at__lt=meeting.starts_at)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-starts_at")
        .first()
    )


def _agenda_prefetch(*, outline: bool = False) -> Prefetch:
    """The agenda with minutes history, decisions and their actions, in a fixed number of queries (with `outline`
    the agenda alone: MeetingReading.outline).

    Each level is ordered within its parent on its own columns: the models' orderings begin with the parent
    ("agenda_item", "meeting"), which orders by the parent's ordering through a join of the parent's table, and
    that join made each query scan the whole table at national scale (an action's ordering has no parent)."""
    agenda = AgendaItem.objects.select_related("proposed_by").order_by("position", "number")
    if outline:
        return Prefetch("agenda_items", agenda)
    actions = FollowUpAction.objects.select_related("responsible_person", "responsible_party")
    versions = MinutesVersion.objects.select_related("written_by__person").order_by("-written_at", "-pk")
    decisions = Decision.objects.prefetch_related(Prefetch("actions", actions)).order_by("created_at", "pk")
    return Prefetch(
        "agenda_items",
        agenda.select_related("minutes_updated_by__person").prefetch_related(
            Prefetch("minutes_versions", versions), Prefetch("decisions", decisions)
        ),
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


def _ical_description(reading: MeetingReading) -> str:
    lines = [_("Saksliste") + ":"]
    for item in reading.items:
        lines.append(f"{item.case_number} {item.title}")
        if item.description:
            lines.append(item.description)
    if reading.meeting.is_closed:
        lines.append(_("Møtet er lukket (unntatt offentlighet)."))
    return "\n".join(lines)


# The calendar feeds cover the past year and everything planned (a calendar app keeps what it fetched before).
FEED_WINDOW = datetime.timedelta(days=365)


def feed_window_start() -> datetime.datetime:
    return timezone.now() - FEED_WINDOW


@dataclass(frozen=True)
class FeedVersion:
    """What a calendar feed's content depends on, in a handful of aggregate queries and without building it."""

    etag: str
    last_modified: datetime.datetime | None


def meeting_feed_version(forums, meetings: QuerySet, *, calendar_name: str) -> FeedVersion:
    """The version of the feed of `meetings` (already filtered to the reader's forums and the window) in
    `forums`: the forums' ids and names (what the reader may see), the meetings' count, ids, latest change and
    sequences, their agenda items' count, latest id and minutes' versions, the exemptions and publications
    (append-only: their count and latest id), the calendar's name and the language. Any change to what the
    feed shows changes one of these (`meeting_update`, `_touch` and the minutes bump the meeting or item)."""
    forum_ids = [forum.pk for forum in forums] if isinstance(forums, list | tuple) else None
    forum_rows = list(
        Forum.objects.filter(pk__in=forum_ids if forum_ids is not None else forums.values("pk"))
        .order_by("pk")
        .values_list("pk", "name")
    )
    meeting_ids = meetings.values("pk")
    meeting_agg = meetings.aggregate(
        n=Count("pk"), latest=Max("updated_at"), ids=Sum("pk"), seq=Sum("sequence"), version=Sum("version")
    )
    item_agg = AgendaItem.objects.filter(meeting__in=meeting_ids).aggregate(
        n=Count("pk"), last=Max("pk"), version=Sum("version"), minutes=Max("minutes_updated_at")
    )
    exemption_agg = MeetingExemption.objects.filter(meeting__in=meeting_ids).aggregate(n=Count("pk"), last=Max("pk"))
    published = Publication.objects.filter(target_type__model="meeting").aggregate(last=Max("pk"))["last"]
    parts = [forum_rows, meeting_agg, item_agg, exemption_agg, published, calendar_name, translation.get_language()]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return FeedVersion(etag=f'"{digest}"', last_modified=meeting_agg["latest"])


def meeting_ical(
    readings: Iterable[MeetingReading], calendar_name: str, *, method: str = "", attendees: Iterable[Person] = ()
) -> bytes:
    """An iCalendar (RFC 5545) calendar of what each reading gives: stable UIDs, SEQUENCE bumped on changes,
    STATUS:CANCELLED for avlyst, the agenda as DESCRIPTION (case descriptions only for who may read them).
    With a `method` (REQUEST, CANCEL) it is an invitation (iTIP): ORGANIZER and an ATTENDEE per person."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Samarbeid//Politiråd og SLT//NO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", icalendar.vText(one_line(calendar_name)))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for reading in readings:
        meeting = reading.meeting
        event = icalendar.Event()
        event.add("uid", f"{meeting.uid}@samarbeid")
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", meeting.updated_at)
        event.add("last-modified", meeting.updated_at)
        event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))  # UTC: no VTIMEZONE needed anywhere
        event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
        summary = meeting.forum.name + (f": {meeting.theme}" if meeting.theme else "")
        event.add("summary", one_line(summary))
        if meeting.place:
            event.add("location", one_line(meeting.place))
        if reading.items:
            event.add("description", _ical_description(reading))
        event.add("status", _ical_status(meeting))
        if method:
            _ical_invitation(event, meeting, attendees)
        calendar.add_component(event)
    return calendar.to_ical()


def _ical_invitation(event: icalendar.Event, meeting: Meeting, attendees: Iterable[Person]) -> None:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = icalendar.vText(one_line(meeting.forum.name))
    event.add("organizer", organizer)
    for person in attendees:
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params.update(
            cn=icalendar.vText(one_line(person.name)), role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE"
        )
        event.add("attendee", attendee)
