"""SLT services: work that touches several rows or grants rights, each in one transaction."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise

from samarbeid import meetings
from samarbeid.concurrency import claim_version
from samarbeid.invitations import invitations_create
from samarbeid.models import Forum, ForumMembership, Kommune, Meeting, Party, Person
from samarbeid.permissions import grant, revoke
from slt.access import GROUP_POLICY, SLT_POLICY
from slt.models import CoordinationGroup, FocusArea, Handlingsplan, SltModel, Tiltak, TiltakNote, TiltakStatus


@transaction.atomic
def slt_model_create(
    *,
    name: str,
    kommuner: Iterable[Kommune],
    created_by,
    police_party: Party | None = None,
    council=None,
    description: str = "",
    utovende_niva: str = "",
    invite: Iterable[Kommune] = (),
) -> SltModel:
    """Create an SLT-samarbeid for one or several kommuner and give their roles (and the police's) access.

    The kommuner in `invite` get an invitation and join when they accept it.
    """
    kommuner = list(kommuner)
    if police_party is None:
        police_party = Party.objects.filter(policeunit__kommuner__in=kommuner).order_by("pk").first()
    slt_model = SltModel.objects.create(
        name=name,
        police_party=police_party,
        council=council,
        description=description,
        utovende_niva=utovende_niva,
        created_by=created_by,
    )
    slt_model.kommuner.set(kommuner)
    grant(slt_model, slt_model.parties(), SLT_POLICY)
    slt_model_invite(slt_model, kommuner=invite, by=created_by)
    return slt_model


def slt_model_invite(slt_model: SltModel, *, kommuner: Iterable[Kommune], by) -> None:
    """Invite kommuner of the politidistrikt of the SLT-samarbeid's (first) kommune."""
    kommuner = list(kommuner)
    first = slt_model.kommuner.select_related("district").order_by("pk").first()
    if kommuner and first is not None:
        invitations_create(target=slt_model, kommuner=kommuner, by=by, district=first.district)


@transaction.atomic
def slt_model_join(slt_model: SltModel, kommune: Kommune, by) -> None:
    """An invited kommune accepted: it joins the SLT-samarbeid and its groups, and its roles get their rights."""
    slt_model_update(slt_model, changed_by=by, kommuner=[*slt_model.kommuner.all(), kommune])


@transaction.atomic
def slt_model_update(
    slt_model: SltModel,
    *,
    changed_by,
    kommuner: Iterable[Kommune] | None = None,
    expected_version: int | None = None,
    **fields,
) -> SltModel:
    """Change an SLT-samarbeid as edited from `expected_version` (StaleEdit if saved meanwhile); parties that
    leave lose access, new ones get it."""
    slt_model = SltModel.objects.select_for_update().get(pk=slt_model.pk)
    claim_version(slt_model, expected_version)
    before = set(slt_model.parties())
    for field, value in fields.items():
        setattr(slt_model, field, value)
    slt_model.updated_by = changed_by
    slt_model.updated_at = timezone.now()
    slt_model.save(update_fields=[*fields, "updated_by", "updated_at"])
    if kommuner is not None:
        slt_model.kommuner.set(kommuner)
    after = set(slt_model.parties())
    revoke(slt_model, before - after, SLT_POLICY)
    grant(slt_model, after - before, SLT_POLICY)
    for group in slt_model.groups.select_related("forum"):  # the groups follow the model's parties
        if kommuner is not None:
            group.forum.kommuner.set(kommuner)
        group.forum.police_party = slt_model.police_party
        group.forum.save(update_fields=["police_party"])
        revoke(group.forum, before - after, GROUP_POLICY)
        grant(group.forum, after - before, GROUP_POLICY)
    return slt_model


@transaction.atomic
def plan_create(
    *,
    slt_model: SltModel,
    title: str,
    start_year: int,
    end_year: int,
    created_by,
    focus_areas: Iterable[str] = (),
    adopted_on=None,
    adopted_link: str = "",
) -> Handlingsplan:
    plan = Handlingsplan(
        slt_model=slt_model,
        title=title,
        start_year=start_year,
        end_year=end_year,
        adopted_on=adopted_on,
        adopted_link=adopted_link,
        created_by=created_by,
    )
    plan.full_clean()
    plan.save()
    FocusArea.objects.bulk_create(
        FocusArea(plan=plan, name=name.strip(), order=i) for i, name in enumerate(focus_areas, 1) if name.strip()
    )
    return plan


@transaction.atomic
def plan_update(plan: Handlingsplan, *, changed_by, expected_version: int | None = None, **fields) -> Handlingsplan:
    return _update(plan, changed_by, expected_version, fields)


@transaction.atomic
def tiltak_update(tiltak: Tiltak, *, changed_by, expected_version: int | None = None, **fields) -> Tiltak:
    return _update(tiltak, changed_by, expected_version, fields)


def _update(obj, changed_by, expected_version: int | None, fields: dict):
    """Save a plan's or tiltak's edited fields as edited from `expected_version` (StaleEdit if saved meanwhile)."""
    claim_version(obj, expected_version)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.updated_by, obj.updated_at = changed_by, timezone.now()
    obj.save(update_fields=[*fields, "updated_by", "updated_at"])
    return obj


@transaction.atomic
def tiltak_create(*, plan: Handlingsplan, created_by, **fields) -> Tiltak:
    tiltak = Tiltak(plan=plan, created_by=created_by, status_changed_by=created_by, **fields)
    tiltak.full_clean()
    tiltak.save()
    return tiltak


@transaction.atomic
def tiltak_add_progress(tiltak: Tiltak, *, user, text: str = "", status: str | None = None) -> TiltakNote | None:
    """Write a progress note and/or change the status; a status change is recorded with who/when."""
    tiltak = Tiltak.objects.select_for_update().get(pk=tiltak.pk)
    changes_status = bool(status) and status != tiltak.status
    text = text.strip()
    if not text and not changes_status:
        return None
    note = TiltakNote(tiltak=tiltak, text=text, created_by=user)
    if changes_status and status is not None:
        note.from_status, note.to_status = tiltak.status, status
        tiltak.status, tiltak.status_changed_by, tiltak.status_changed_at = status, user, timezone.now()
        tiltak.save(update_fields=["status", "status_changed_by", "status_changed_at"])
    note.save()
    return note


class FocusAreaProgress:
    """How far the tiltak of one focus area have come: counts per status."""

    def __init__(self, focus_area: FocusArea, counts: dict[str, int]):
        self.focus_area = focus_area
        self.counts = counts
        self.total = sum(counts.values())
        self.done = counts[TiltakStatus.GJENNOMFORT] + counts[TiltakStatus.AVSLUTTET]

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def by_status(self) -> list[tuple[str, str | Promise, int]]:
        return [(status.value, status.label, self.counts[status]) for status in TiltakStatus]


def plan_progress(plan: Handlingsplan) -> list[FocusAreaProgress]:
    """The plan's progress by focus area, in one query."""
    return plans_progress([plan])[plan.pk]


def plans_progress(plans: Iterable[Handlingsplan]) -> dict[int, list[FocusAreaProgress]]:
    """Each plan's progress by focus area ({plan id: rows}), in one query for any number of plans."""
    progress: dict[int, list[FocusAreaProgress]] = {plan.pk: [] for plan in plans}
    if not progress:
        return progress
    annotations = {status.value: Count("tiltak", filter=Q(tiltak__status=status)) for status in TiltakStatus}
    for area in FocusArea.objects.filter(plan__in=list(progress)).annotate(**annotations):
        progress[area.plan_id].append(FocusAreaProgress(area, {s.value: getattr(area, s.value) for s in TiltakStatus}))
    return progress


# --- coordination groups ----------------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *, slt_model: SltModel, name: str, meetings_per_year: int, created_by, purpose: str = "", standard_agenda: str = ""
) -> CoordinationGroup:
    """A coordination group is a Forum of the shared meeting machinery, with the SLT model's parties."""
    forum = meetings.forum_create(
        kind=Forum.Kind.COORDINATION_GROUP,
        name=name,
        kommuner=slt_model.kommuner.all(),
        police_party=slt_model.police_party,
        policy=GROUP_POLICY,
        standard_agenda=standard_agenda,
        by=created_by,
    )
    return CoordinationGroup.objects.create(
        forum=forum,
        slt_model=slt_model,
        purpose=purpose,
        meetings_per_year=meetings_per_year,
        created_by=created_by,
    )


@transaction.atomic
def group_update(
    group: CoordinationGroup,
    *,
    name: str,
    meetings_per_year: int,
    purpose: str,
    standard_agenda: str,
    expected_version: int | None = None,
) -> CoordinationGroup:
    claim_version(group, expected_version)
    group.forum.name, group.forum.standard_agenda = name, standard_agenda
    group.forum.save(update_fields=["name", "standard_agenda"])
    group.meetings_per_year, group.purpose = meetings_per_year, purpose
    group.save(update_fields=["meetings_per_year", "purpose"])
    return group


@transaction.atomic
def group_member_add(
    group: CoordinationGroup,
    *,
    kind: str,
    by,
    person: Person | None = None,
    name: str = "",
    email: str = "",
    organisation: str = "",
    role_title: str = "",
    party: Party | None = None,
) -> ForumMembership:
    """Add a member to the group (samarbeid.meetings.forum_member_add: an existing person, or a new one)."""
    return meetings.forum_member_add(
        group.forum,
        kind=kind,
        by=by,
        person=person,
        name=name,
        email=email,
        organisation=organisation,
        role_title=role_title,
        party=party,
    )


HELD = (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED)


def groups_with_compliance(groups, year: int | None = None) -> list[CoordinationGroup]:
    """The groups, each with `.compliance` for the year (meetings held against frequency), in one query."""
    year = year or timezone.localdate().year
    held = Count("forum__meetings", filter=Q(forum__meetings__status__in=HELD, forum__meetings__starts_at__year=year))
    groups = list(groups.select_related("forum").annotate(held=held))
    for group in groups:
        group.compliance_this_year = group.compliance(group.held, year)
    return groups
