"""Who may do what with politiråd — only through samarbeid.permissions (and samarbeid.meetings for meetings).

Role holders in the council's kommuner and police unit read the council; the SLT-koordinator and the
politikontakt (and the ordfører, who leads) change it; the politikontakt writes the log. Meetings are
planned and minuted by the SLT-koordinator and the politikontakt (FORUM_POLICY) and by the forum's
leader and secretary through their membership; closed minutes only for members (see samarbeid/meetings.py).
"""

from django.db.models import QuerySet
from guardian.shortcuts import assign_perm

from councils.models import Council
from samarbeid.meetings import MANAGE as MANAGE_MEETINGS
from samarbeid.meetings import VIEW as VIEW_FORUM
from samarbeid.models import Role
from samarbeid.permissions import Policy, get_for_user, grant, has_perm, visible_to

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


def councils_visible_to(user) -> QuerySet:
    return visible_to(user, VIEW, Council.objects.select_related("forum", "host_kommune", "police_unit"))


def council_for(user, pk: int, *, change: bool = False) -> Council:
    """404 for who may not know the council exists; 403 for readers when change=True."""
    queryset = Council.objects.select_related("forum", "host_kommune", "police_unit", "agreement")
    return get_for_user(user, queryset, view=VIEW, change=CHANGE if change else None, pk=pk)


def council_abilities(user, council: Council) -> dict[str, bool]:
    return {
        "edit": has_perm(user, CHANGE, council),
        "plan": has_perm(user, MANAGE_MEETINGS, council.forum),
        "write_log": has_perm(user, WRITE_LOG, council),
    }
