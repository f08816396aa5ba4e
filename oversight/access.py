"""Who sees the oversight pages — only through the role groups samarbeid.permissions keeps.

A user's groups are exactly the (party, role) groups of the roles their person holds today
(`samarbeid.permissions.sync_user_roles`), so "holds this role here today" is read from them:
- a district's page: its politimester and malansvarlig (roles in the politidistrikt) and the
  politistasjonssjef of a police unit in it;
- every district and the national overview: Politidirektoratet and KS (read-only, they open no object).
Anyone else gets 404: they may not know what the page would show. The links in a row come from the
apps' own scoping functions (`agreements_visible_to`, `councils_visible_to`).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from agreements.access import agreements_visible_to
from councils.access import councils_visible_to
from samarbeid.models import PartyRoleGroup, PoliceUnit, Politidistrikt, Role

DISTRICT_ROLES = [Role.POLITIMESTER, Role.DISTRIKT_ADMIN]  # held in the politidistrikt itself
UNIT_ROLES = [Role.POLITISTASJONSSJEF]  # held in a police unit of the district


def _held_today(user) -> QuerySet[PartyRoleGroup]:
    """The (party, role) pairs the user holds today: their role groups."""
    if not user.is_authenticated:
        return PartyRoleGroup.objects.none()
    return PartyRoleGroup.objects.filter(group__user=user)


def sees_nation(user) -> bool:
    return _held_today(user).filter(role__in=Role.national_roles()).exists()


def districts_overseen(user) -> QuerySet[Politidistrikt]:
    """The politidistrikter whose oversight page the user may read."""
    if sees_nation(user):
        return Politidistrikt.objects.all()
    held = _held_today(user)
    units = PoliceUnit.objects.filter(pk__in=held.filter(role__in=UNIT_ROLES).values("party_id"))
    return Politidistrikt.objects.filter(
        Q(pk__in=held.filter(role__in=DISTRICT_ROLES).values("party_id")) | Q(pk__in=units.values("district_id"))
    )


def district_for(user, pk: int) -> Politidistrikt:
    """404 unless the user oversees this district."""
    district = districts_overseen(user).filter(pk=pk).first()
    if district is None:
        raise Http404
    return district


def openable_ids(user, *, agreement_ids, council_ids) -> tuple[set[int], set[int]]:
    """Of these agreements and councils, the ones the user may open (two queries, whatever the number)."""
    agreements = set(agreements_visible_to(user).filter(pk__in=agreement_ids).values_list("pk", flat=True))
    councils = set(councils_visible_to(user).filter(pk__in=council_ids).values_list("pk", flat=True))
    return agreements, councils
