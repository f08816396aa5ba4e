"""Who may see and change SLT things: the one access function and scoping function per model.

Rights are granted (with `SLT_POLICY`) on the SltModel only; a plan, focus area or tiltak is reached
through the SltModel it belongs to. Other tenants get 404, readers who may not change get 403.
"""

from django.db.models import Q, QuerySet

from councils.access import councils_visible_to
from samarbeid import meetings
from samarbeid.invitations import (
    kommuner_invitable,
    kommuner_nearest,
    parties_nearest,
    people_nearest,
    police_parties_in_reach,
)
from samarbeid.models import Kommune, Party, Person, Role
from samarbeid.permissions import Policy, get_for_user, has_perm, kommuner_acted_for, visible_to
from slt.models import CoordinationGroup, Handlingsplan, SltModel, Tiltak

VIEW = "slt.view_sltmodel"
CHANGE = "slt.change_sltmodel"

# The SLT-koordinator edits; every other role of the kommuner and of the police party reads.
SLT_POLICY: Policy = {
    role: [VIEW, CHANGE] if role == Role.SLT_KOORDINATOR else [VIEW]
    for role in dict.fromkeys([*Role.kommune_roles(), *Role.police_roles()])
}


# On a coordination group's forum: the SLT-koordinator plans meetings and reads the (always closed) minutes;
# the other roles of the kommuner and the police see the group and its meeting plan, not the minutes. Members
# get their rights through the forum's own groups (see samarbeid/meetings.py).
GROUP_POLICY: Policy = {
    role: list(meetings.ORGANISER_PERMS) if role == Role.SLT_KOORDINATOR else [meetings.VIEW]
    for role in dict.fromkeys([*Role.kommune_roles(), *Role.police_roles()])
}


def slt_models_visible_to(user) -> QuerySet[SltModel]:
    return visible_to(user, VIEW, SltModel.objects.all())


def slt_model_for(user, pk: int, *, edit: bool = False) -> SltModel:
    queryset = SltModel.objects.select_related("police_party", "council__forum")
    return get_for_user(user, queryset, view=VIEW, change=CHANGE if edit else None, pk=pk)


def can_change(user, slt_model: SltModel) -> bool:
    return has_perm(user, CHANGE, slt_model)


def plans_visible_to(user) -> QuerySet[Handlingsplan]:
    return Handlingsplan.objects.filter(slt_model__in=slt_models_visible_to(user))


def plan_for(user, pk: int, *, edit: bool = False) -> Handlingsplan:
    queryset = Handlingsplan.objects.select_related("slt_model")
    return get_for_user(user, queryset, view=VIEW, change=CHANGE if edit else None, via="slt_model", pk=pk)


def tiltak_for(user, pk: int, *, edit: bool = False) -> Tiltak:
    slt_model = get_for_user(
        user, SltModel.objects.all(), view=VIEW, change=CHANGE if edit else None, plans__tiltak__pk=pk
    )
    tiltak = Tiltak.objects.select_related(
        "plan",
        "focus_area",
        "responsible_party",
        "responsible_person",
        "status_changed_by__person",
        "updated_by__person",
    ).get(pk=pk)
    tiltak.plan.slt_model = slt_model
    return tiltak


def group_for(user, pk: int, *, manage: bool = False) -> CoordinationGroup:
    """A coordination group; managing (members, settings, meetings) is for the koordinator and the convener."""
    queryset = CoordinationGroup.objects.select_related("forum", "slt_model")
    return get_for_user(
        user, queryset, view=meetings.VIEW, change=meetings.MANAGE if manage else None, via="forum", pk=pk
    )


def can_manage_group(user, group: CoordinationGroup) -> bool:
    return has_perm(user, meetings.MANAGE, group.forum)


# --- Choices in SLT forms ---------------------------------------------------------------------------------------


def kommuner_choosable(user, slt_model: SltModel | None = None) -> QuerySet[Kommune]:
    """Kommuner of the politidistrikter where the user acts (and those already in the SLT-samarbeid): those the
    user acts for join at once, the others are invited and join when they accept."""
    kommuner = Q(pk__in=kommuner_invitable(user).values("pk"))
    if slt_model is not None:
        kommuner |= Q(slt_models=slt_model)
    return Kommune.objects.filter(kommuner).distinct().order_by("name")


def kommuner_first(user) -> QuerySet[Kommune]:
    """Of the choosable kommuner, those the picker shows first: the user's own, their police unit's or district's."""
    return kommuner_nearest(user)


def police_parties_choosable(user) -> QuerySet[Party]:
    return police_parties_in_reach(user)


def police_parties_first(user) -> QuerySet[Party]:
    """Of the choosable police parties, those the picker shows first: the ones the user acts for."""
    return parties_nearest(user)


def councils_choosable(user, slt_model: SltModel | None = None) -> QuerySet:
    """The politiråd that may be the steering group: councils of a kommune the user acts for (and the current one)."""
    councils = Q(forum__kommuner__in=kommuner_acted_for(user))
    if slt_model is not None and slt_model.council_id:
        councils |= Q(pk=slt_model.council_id)
    return councils_visible_to(user).filter(councils).distinct()


def people_choosable(slt_model: SltModel) -> QuerySet[Person]:
    """People holding a role in one of the SLT-samarbeid's parties, and members of its coordination groups."""
    return Person.objects.filter(
        Q(roles__party__in=slt_model.parties()) | Q(forum_memberships__forum__coordination_group__slt_model=slt_model)
    ).distinct()


def people_first(user) -> QuerySet[Person]:
    """Of the choosable people, those the picker shows first: people of the parties the user acts for."""
    return people_nearest(user)


def parties_choosable(slt_model: SltModel) -> QuerySet[Party]:
    """The SLT-samarbeid's parties: its kommuner and the police (responsible for a tiltak, represented by a member)."""
    return Party.objects.filter(Q(pk__in=slt_model.kommuner.values("pk")) | Q(pk=slt_model.police_party_id))


# --- Public access: a handlingsplan is public once the kommune publishes it (samarbeid/exemptions.py) ------------


def plans_public(queryset: QuerySet | None = None) -> QuerySet[Handlingsplan]:
    """Published handlingsplaner: their title, period, focus areas and tiltak (without responsible persons)."""
    from samarbeid.exemptions import published_ids

    queryset = Handlingsplan.objects.all() if queryset is None else queryset
    return queryset.filter(pk__in=published_ids(Handlingsplan, queryset.values_list("pk", flat=True)))
