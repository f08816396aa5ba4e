"""Who may do what with politiråd — only through samarbeid.permissions (and samarbeid.meetings for meetings).

Role holders in the council's kommuner and police unit read the council; the SLT-koordinator and the
politikontakt (and the ordfører, who leads) change it; the politikontakt writes the log. Meetings are
planned and minuted by the SLT-koordinator and the politikontakt (FORUM_POLICY) and by the forum's
leader and secretary through their membership; closed minutes only for members (see samarbeid/meetings.py).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from agreements.access import agreements_visible_to
from councils.models import Council, LogEntry
from samarbeid.invitations import (
    districts_acted_in,
    kommuner_invitable,
    kommuner_nearest,
    parties_nearest,
    people_nearest,
)
from samarbeid.meetings import MANAGE as MANAGE_MEETINGS
from samarbeid.meetings import VIEW as VIEW_FORUM
from samarbeid.models import ForumMembership, Kommune, Party, Person, PoliceUnit, Role
from samarbeid.permissions import Policy, get_for_user, grant, has_perm, kommuner_acted_for, visible_to

VIEW = "councils.view_council"
CHANGE = "councils.change_council"
WRITE_LOG = "councils.write_log"

READERS = [*Role.kommune_roles(), *Role.police_roles()]
ORGANISERS = [Role.SLT_KOORDINATOR, Role.POLITIKONTAKT]

# On the council's Forum: every role holder of the parties sees meetings; the organisers plan and minute them.
FORUM_POLICY: Policy = {role: [VIEW_FORUM, *([MANAGE_MEETINGS] if role in ORGANISERS else [])] for role in READERS}
# On the Council itself.
COUNCIL_POLICY: Policy = {
    **{role: [VIEW] for role in READERS},
    Role.ORDFORER: [VIEW, CHANGE],
    Role.SLT_KOORDINATOR: [VIEW, CHANGE],
    Role.POLITIKONTAKT: [VIEW, CHANGE, WRITE_LOG],
}


def grant_council(council: Council) -> None:
    """Give the parties' role groups and the forum's members their rights on the council."""
    parties = council.forum.parties()
    grant(council, parties, COUNCIL_POLICY)
    assign_perm(VIEW, council.forum.member_group, council)


def grant_joined_kommune(council: Council, kommune: Kommune) -> None:
    """Give a kommune that joined (by accepting its invitation) its rights on the council and its forum."""
    party = Party.objects.filter(pk=kommune.pk)
    grant(council, party, COUNCIL_POLICY)
    grant(council.forum, party, FORUM_POLICY)


def councils_visible_to(user) -> QuerySet:
    return visible_to(user, VIEW, Council.objects.select_related("forum", "host_kommune", "police_unit"))


def council_for(user, pk: int, *, change: bool = False) -> Council:
    """404 for who may not know the council exists; 403 for readers when change=True."""
    queryset = Council.objects.select_related("forum", "host_kommune", "police_unit", "agreement__police_party")
    return get_for_user(user, queryset, view=VIEW, change=CHANGE if change else None, pk=pk)


def evaluation_council_for(user, pk: int, *, write: bool = False) -> Council:
    """The council whose year-end evaluation the user reads (its readers and members) or writes (who may edit the
    council and its årshjul: leader, SLT-koordinator, politikontakt). 404 for everyone else, logged in or not."""
    return council_for(user, pk, change=write)


def council_abilities(user, council: Council) -> dict[str, bool]:
    edit = has_perm(user, CHANGE, council)
    return {
        "edit": edit,
        "evaluate": edit,  # the evaluation is written by who plans the council's year
        "plan": has_perm(user, MANAGE_MEETINGS, council.forum),
        "write_log": may_write_log(user, council),
    }


def may_write_log(user, council: Council) -> bool:
    """Whether the user writes the council's log (its politikontakt): all the log's page needs of the abilities."""
    return has_perm(user, WRITE_LOG, council)


def log_entry_for(user, pk: int, entry_pk: int) -> LogEntry:
    """An entry of the council's log that the user may correct or delete: their own, while they write the log.

    404 for who may not know the council (or the entry in it); 403, with why, for the council's other readers."""
    council = council_for(user, pk)
    entry = get_object_or_404(LogEntry.objects.select_related("kommune"), council=council, pk=entry_pk)
    if entry.created_by_id != user.pk or not may_write_log(user, council):
        raise PermissionDenied(_("Bare den som førte en loggføring, kan rette eller slette den."))
    entry.council = council
    return entry


# --- Choices in council forms -----------------------------------------------------------------------------------


def host_kommuner_choosable(user) -> QuerySet[Kommune]:
    """A council is started for a kommune the user acts for (its ordfører leads it)."""
    return kommuner_acted_for(user).order_by("name")


def kommuner_choosable(user) -> QuerySet[Kommune]:
    """Other kommuner of the politidistrikter where the user acts: those the user acts for join at once, the
    others are invited and join when they accept."""
    return kommuner_invitable(user)


def kommuner_first(user) -> QuerySet[Kommune]:
    """Of the choosable kommuner, those the pickers show first: the user's own, their police unit's or district's."""
    return kommuner_nearest(user)


def police_units_choosable(user) -> QuerySet[PoliceUnit]:
    return PoliceUnit.objects.filter(district__in=districts_acted_in(user)).order_by("name")


def police_units_first(user) -> QuerySet[Party]:
    """Of the choosable police units, those the picker shows first: the ones the user acts for."""
    return parties_nearest(user)


def agreements_linkable(user, council: Council | None = None) -> QuerySet:
    """Agreements the user sees that a council may follow: with one of the user's kommuner (or, for an existing
    council, with its police unit and one of its kommuner)."""
    agreements = agreements_visible_to(user)
    if council is None:
        return agreements.filter(kommuner__in=kommuner_acted_for(user)).distinct()
    return agreements.filter(police_party_id=council.police_unit_id, kommuner__forums=council.forum).distinct()


def council_kommuner(council: Council) -> QuerySet[Kommune]:
    """The kommuner of the council: those its log is kept for (the log form's choices and its filter's)."""
    return council.forum.kommuner.all()


def people_choosable(council: Council) -> QuerySet[Person]:
    """People who may be made members: those holding a role in one of the council's parties, and its members."""
    party_ids = [p.pk for p in council.forum.parties()]
    return Person.objects.filter(
        Q(roles__party_id__in=party_ids) | Q(forum_memberships__forum=council.forum)
    ).distinct()


def people_first(user) -> QuerySet[Person]:
    """Of the choosable people, those the picker shows first: people of the parties the user acts for."""
    return people_nearest(user)


def member_parties_choosable(council: Council) -> QuerySet[Party]:
    """The parties a member may represent: the council's kommuner and police."""
    return council.forum.party_rows()


def deputies_choosable(council: Council) -> QuerySet[ForumMembership]:
    """The memberships a deputy may stand in for: the council's active members (not deputies or guests)."""
    return (
        council.forum.memberships.active()
        .exclude(kind__in=[ForumMembership.Kind.DEPUTY, ForumMembership.Kind.GUEST])
        .select_related("person")
    )


def councils_in_care_of(user) -> QuerySet:
    """The councils the user changes (leader, secretary, politikontakt): theirs to evaluate and plan the year of."""
    return visible_to(user, CHANGE, Council.objects.select_related("forum"))
