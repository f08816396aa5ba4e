"""My tasks from politiråd and their meetings: innkalling, minutes, follow-ups, year-end evaluation, årshjul.

Registered in CouncilsConfig.ready(). The meeting tasks cover every forum the user organises (a politiråd or an
SLT group): the innkalling deadline is samarbeid.meetings.innkalling_deadline — for a politiråd its agreement's rule
(councils.rules.council_innkalling_days), else the veileder's seven days.
"""

import datetime

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements.rules import agreement_terms, prefetch_for_terms
from councils.access import councils_in_care_of
from councils.rules import evaluation_due_on, minutes_due_on, year_plan_due_on
from samarbeid.meetings import (
    actions_for_forums,
    forums_managed_by,
    forums_visible_to,
    innkalling_deadline,
    meeting_reading,
    prefetch_public_state,
)
from samarbeid.models import FollowUpAction, Forum, Meeting
from samarbeid.mytasks import Task, my_party_ids

KIND_INNKALLING = "innkalling"
KIND_MINUTES_WRITE = "minutes_write"
KIND_MINUTES_APPROVE = "minutes_approve"
KIND_FOLLOW_UP = "follow_up"
KIND_EVALUATION = "evaluation"
KIND_YEAR_PLAN = "year_plan"

INNKALLING_LEAD = datetime.timedelta(days=14)  # the task appears two weeks before the innkalling is due
YEAR_END_LEAD = datetime.timedelta(days=60)  # the evaluation and next year's årshjul appear two months ahead


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _agreement(meeting: Meeting):
    council = getattr(meeting.forum, "council", None)
    return council.agreement if council else None


def meeting_tasks(user, today: datetime.date) -> list[Task]:
    """Meetings I organise: the innkalling to send, minutes to write, minutes to approve."""
    open_statuses = [Meeting.Status.PLANNED, Meeting.Status.SUMMONED, Meeting.Status.HELD]
    meetings = list(
        Meeting.objects.filter(forum__in=forums_managed_by(user), status__in=open_statuses)
        .select_related("forum__council__agreement")
        .order_by("starts_at")
    )
    prefetch_for_terms(_agreement(meeting) for meeting in meetings)  # the innkalling rule reads their text
    next_meeting: dict[int, datetime.date] = {}
    for meeting in meetings:
        if timezone.localdate(meeting.starts_at) >= today and meeting.status != Meeting.Status.HELD:
            next_meeting.setdefault(meeting.forum_id, timezone.localdate(meeting.starts_at))
    tasks = []
    for meeting in meetings:
        day = timezone.localdate(meeting.starts_at)
        url = reverse("meetings:detail", args=[meeting.pk])
        what = {"meeting": str(meeting), "date": _date(day)}
        if meeting.status == Meeting.Status.PLANNED and day >= today:
            deadline = innkalling_deadline(meeting)
            if deadline <= today + INNKALLING_LEAD:
                days = (day - deadline).days
                said = agreement_terms(_agreement(meeting)).innkalling_days
                reason = (
                    _("Avtalen sier at innkallingen sendes senest %(days)d dager før møtet %(date)s.")
                    if said
                    else _("Innkallingen sendes senest %(days)d dager før møtet %(date)s (veilederen).")
                )
                tasks.append(
                    Task(
                        kind=KIND_INNKALLING,
                        key=f"meeting:{meeting.pk}:innkalling",
                        title=_("Send innkalling til %(meeting)s") % what,
                        url=url,
                        due_on=deadline,
                        reason=reason % {**what, "days": days},
                    )
                )
        elif meeting.status in (Meeting.Status.PLANNED, Meeting.Status.SUMMONED) and day < today:
            tasks.append(
                Task(
                    kind=KIND_MINUTES_WRITE,
                    key=f"meeting:{meeting.pk}:minutes",
                    url=url,
                    due_on=minutes_due_on(meeting),
                    title=_("Skriv referat fra %(meeting)s") % what,
                    reason=_("Møtet var %(date)s. Skriv referatet og merk møtet som avholdt.") % what,
                )
            )
        elif meeting.status == Meeting.Status.HELD:
            due = next_meeting.get(meeting.forum_id, minutes_due_on(meeting))
            tasks.append(
                Task(
                    kind=KIND_MINUTES_APPROVE,
                    key=f"meeting:{meeting.pk}:approve",
                    url=url,
                    due_on=due,
                    title=_("Godkjenn referatet fra %(meeting)s") % what,
                    reason=_("Møtet er avholdt %(date)s, og referatet venter på godkjenning.") % what,
                )
            )
    return tasks


def follow_up_tasks(user, today: datetime.date) -> list[Task]:
    """Open follow-ups assigned to me or to a party I hold a role in, in meetings whose follow-ups I may read."""
    mine = Q(responsible_party_id__in=my_party_ids(user, today))
    if user.person_id:
        mine |= Q(responsible_person_id=user.person_id)
    # Only the forums with such an action are asked about: actions_for_forums reads the meetings of every forum given.
    with_mine = FollowUpAction.objects.open().filter(mine).values("decision__agenda_item__meeting__forum")
    forums = forums_visible_to(user, Forum.objects.filter(pk__in=with_mine))
    actions = list(actions_for_forums(user, forums).open().filter(mine))
    prefetch_public_state([action.decision.agenda_item.meeting for action in actions])  # for meeting_reading below
    tasks = []
    for action in actions:
        meeting = action.decision.agenda_item.meeting
        reason = _("Vedtatt i %(meeting)s. Ansvarlig: %(responsible)s.") % {
            "meeting": str(meeting),
            "responsible": action.responsible,
        }
        if action.is_overdue:
            reason = _("Fristen %(date)s er passert.") % {"date": _date(action.due_on)} + " " + reason
        tasks.append(
            Task(
                kind=KIND_FOLLOW_UP,
                key=f"follow_up:{action.pk}",
                title=action.description,
                url=reverse("meetings:detail", args=[meeting.pk]) + f"#sak-{action.decision.agenda_item_id}",
                due_on=action.due_on,
                reason=reason,
                party=action.responsible_party,
                confidential=not meeting_reading(user, meeting, outbound=True).actions,  # may it leave the app?
            )
        )
    return tasks


def year_end_tasks(user, today: datetime.date) -> list[Task]:
    """The year-end evaluation (this year's and a missing one of last year) and the årshjul (this year's and the
    next), for the councils I lead or am secretary of, from two months before they are due."""
    councils = list(
        councils_in_care_of(user)
        .select_related("agreement")
        .prefetch_related(
            "evaluations",
            "year_plans",
            Prefetch("forum__meetings", Meeting.objects.order_by("starts_at")),
        )
    )
    prefetch_for_terms(council.agreement for council in councils)  # the rules read the agreement's text
    tasks = []
    for council in councils:
        since = timezone.localdate(council.created_at)
        evaluated = {e.year for e in council.evaluations.all()}
        planned = {p.year for p in council.year_plans.all() if p.decided_at_id}
        for year in (today.year - 1, today.year):
            due = evaluation_due_on(council, year)
            if year not in evaluated and since.year <= year and today >= due - YEAR_END_LEAD:
                tasks.append(
                    Task(
                        kind=KIND_EVALUATION,
                        key=f"council:{council.pk}:evaluation:{year}",
                        title=_("Skriv årsevalueringen for %(year)d i %(council)s")
                        % {"year": year, "council": council},
                        url=reverse("councils:evaluation", args=[council.pk, year]),
                        due_on=due,
                        reason=_("Ved årets slutt evaluerer politirådet effekten av tiltakene; fristen er %(date)s.")
                        % {"date": _date(due)},
                    )
                )
        for year in (today.year, today.year + 1):
            due = year_plan_due_on(council, year)
            if year not in planned and since <= due and today >= due - YEAR_END_LEAD:
                tasks.append(
                    Task(
                        kind=KIND_YEAR_PLAN,
                        key=f"council:{council.pk}:year_plan:{year}",
                        title=_("Sett opp årshjulet for %(year)d i %(council)s") % {"year": year, "council": council},
                        url=reverse("councils:year_plan", args=[council.pk, year]),
                        due_on=due,
                        reason=_("Møteplanen for året vedtas på siste møte året før; fristen er %(date)s.")
                        % {"date": _date(due)},
                    )
                )
    return tasks
