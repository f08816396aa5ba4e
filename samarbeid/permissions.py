"""The one permission mechanism: roles → party-role groups → django-guardian object permissions.

- Every (party, role) has one auth Group (PartyRoleGroup). A user is a member of exactly the groups of
  the roles their person holds *today*; `sync_user_roles` keeps that true (on every role change, and
  once a day per user through `current_roles_middleware`), so a role that has ended grants nothing.
- An app grants object permissions to groups, never to users: `grant(obj, parties, policy)` where the
  policy maps each role to the permission codenames that role gets on the object.
- Views ask only `get_for_user` (404 for who may not know the object exists, 403 for who may read
  but not change it), `has_perm` and `visible_to` (the one scoping function each model wraps).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from guardian.core import ObjectPermissionChecker
from guardian.ctypes import get_content_type
from guardian.shortcuts import get_objects_for_user, remove_perm
from guardian.utils import get_group_obj_perms_model

from samarbeid.models import Kommune, Party, PartyRoleGroup, Role, RoleAssignment, User

Policy = Mapping[str, Iterable[str]]

# What holding a role lets a person do for the party itself (create agreements, councils, ...).
PARTY_POLICY: Policy = {
    role: ["samarbeid.act_for_party"]
    for role in (
        Role.ORDFORER, Role.VARAORDFORER, Role.RADMANN, Role.KOMMUNALSJEF, Role.SLT_KOORDINATOR,
        Role.POLITIKONTAKT, Role.POLITISTASJONSSJEF, Role.POLITIMESTER, Role.LENSMANN,
        Role.TJENESTEENHETSLEDER, Role.NARPOLITISJEF, Role.DISTRIKT_ADMIN,
    )
}  # fmt: skip


def base_party(party: Party) -> Party:
    """The Party row itself for a Kommune, PoliceUnit or Politidistrikt (party rights live on Party)."""
    return Party(pk=party.pk, kind=party.kind, name=party.name)


def role_group(party: Party, role: str) -> Group:
    """The group of everyone holding `role` in `party` (created on first use, with its party rights)."""
    return role_groups([party], [role])[(party.pk, role)]


def role_groups(parties: Iterable[Party], roles: Iterable[str]) -> dict[tuple[int, str], Group]:
    """The group of each (party, role), by (party id, role); the missing ones are made in a fixed number of
    queries, each with the party rights its role has (PARTY_POLICY)."""
    parties, roles = [base_party(p) for p in parties], list(dict.fromkeys(roles))
    wanted = {(p.pk, role) for p in parties for role in roles}

    def existing():
        links = PartyRoleGroup.objects.select_related("group").filter(party__in=[p.pk for p in parties], role__in=roles)
        return {(link.party_id, link.role): link.group for link in links if (link.party_id, link.role) in wanted}

    found = existing()
    missing = [(party, role) for party in parties for role in roles if (party.pk, role) not in found]
    if not missing:
        return found
    with transaction.atomic():
        names = {f"{party.kind}:{party.pk}:{role}": (party, role) for party, role in missing}
        Group.objects.bulk_create([Group(name=name) for name in names], ignore_conflicts=True)
        groups = {group.name: group for group in Group.objects.filter(name__in=names)}
        PartyRoleGroup.objects.bulk_create(
            [PartyRoleGroup(party=party, role=role, group=groups[name]) for name, (party, role) in names.items()],
            ignore_conflicts=True,
        )
        _assign_many([
            (perm, groups[name], party) for name, (party, role) in names.items() for perm in PARTY_POLICY.get(role, ())
        ])  # fmt: skip
    return existing()


def sync_user_roles(user: User) -> None:
    """Make the user's groups exactly those of the roles their person holds today."""
    today = timezone.localdate()
    groups = []
    if user.person_id:
        active = RoleAssignment.objects.active(today).filter(person_id=user.person_id).select_related("party")
        groups = [role_group(a.party, a.role) for a in active]
        groups += forum_groups(user.person_id, today)
    with transaction.atomic():
        user.groups.set(groups)
        user.roles_synced_on = today
        user.save(update_fields=["roles_synced_on"])
    user.__dict__.pop("_perm_checker", None)


def forum_groups(person_id: int, on) -> list[Group]:
    """The meeting forums' groups a person belongs to today (see Forum): members, and organisers."""
    from samarbeid.models import ForumMembership

    groups = []
    for membership in ForumMembership.objects.active(on).filter(person_id=person_id).select_related("forum"):
        if membership.kind in ForumMembership.MEMBER_KINDS:
            groups.append(membership.forum.member_group_id)
        if membership.kind in ForumMembership.ORGANISER_KINDS:
            groups.append(membership.forum.organiser_group_id)
    return list(Group.objects.filter(pk__in=groups))


def grant(obj: Model, parties: Iterable[Party], policy: Policy) -> None:
    """Give each party's role groups the permissions the policy names for that role on `obj`.

    A fixed number of queries (the groups, the permissions, one insert), whatever the number of parties and roles.
    """
    parties = list(parties)
    wanted = []
    for party in parties:
        allowed = Role.police_roles() if party.is_police else Role.kommune_roles()
        wanted += [(party, role) for role in policy if role in allowed]
    groups = role_groups(dict.fromkeys(p for p, _ in wanted), dict.fromkeys(r for _, r in wanted)) if wanted else {}
    _assign_many([(perm, groups[(party.pk, role)], obj) for party, role in wanted for perm in policy[role]])


def _assign_many(grants: list[tuple[str, Group, Model]]) -> None:
    """Guardian's assign_perm for many (permission, group, object) at once: one query for the permissions and one
    insert per object-permission table (the object's direct table where it has one, else guardian's generic one)."""
    if not grants:
        return
    ctypes = {id(obj): get_content_type(obj) for _, _, obj in grants}
    codenames = {perm.split(".", 1)[-1] for perm, _, _ in grants}
    permissions = {
        (p.content_type_id, p.codename): p
        for p in Permission.objects.filter(content_type__in={c.pk for c in ctypes.values()}, codename__in=codenames)
    }
    rows = defaultdict(list)
    for perm, group, obj in grants:
        ctype = ctypes[id(obj)]
        model = get_group_obj_perms_model(obj)
        fields = {"permission": permissions[(ctype.pk, perm.split(".", 1)[-1])], "group": group}
        if model.objects.is_generic():
            fields.update(content_type=ctype, object_pk=str(obj.pk))
        else:
            fields["content_object"] = obj
        rows[model].append(model(**fields))
    for model, objs in rows.items():
        model.objects.bulk_create(objs, ignore_conflicts=True)


def revoke(obj: Model, parties: Iterable[Party], policy: Policy) -> None:
    """Undo `grant` for parties that no longer take part in `obj`."""
    for party in parties:
        for role, perms in policy.items():
            link = PartyRoleGroup.objects.filter(party=party, role=role).select_related("group").first()
            if link:
                for perm in perms:
                    remove_perm(perm, link.group, obj)


def _checker(user) -> ObjectPermissionChecker:
    """One guardian checker per user object, so a request asks the database once per object."""
    if "_perm_checker" not in user.__dict__:
        user.__dict__["_perm_checker"] = ObjectPermissionChecker(user)
    return user.__dict__["_perm_checker"]


def has_perm(user, perm: str, obj: Model) -> bool:
    if not user.is_authenticated:
        return False
    return _checker(user).has_perm(perm, obj)


def prefetch_perms(user, objects: QuerySet | list) -> None:
    """Load the user's permissions on many objects in one query (for lists showing abilities)."""
    if user.is_authenticated and objects:
        _checker(user).prefetch_perms(objects)


def can_act_for(user, party: Party) -> bool:
    """Whether the user holds a role today that lets them act for this party (kommune, unit, district)."""
    return has_perm(user, "samarbeid.act_for_party", base_party(party))


def parties_acted_for(user, kind: str | None = None) -> QuerySet:
    """The parties (of one kind, if given) the user acts for today."""
    parties = visible_to(user, "samarbeid.act_for_party", Party.objects.all())
    return parties.filter(kind=kind) if kind else parties


def kommuner_acted_for(user) -> QuerySet:
    return Kommune.objects.filter(pk__in=parties_acted_for(user, Party.Kind.KOMMUNE).values("pk"))


def can_act_for_any(user, kind: str | None = None) -> bool:
    """Whether the user acts for some party (of that kind): who may start an agreement, council, SLT model."""
    return parties_acted_for(user, kind).exists()


def visible_to(user, perm: str, queryset: QuerySet) -> QuerySet:
    """Objects of `queryset` on which the user holds `perm` (through their role groups)."""
    if not user.is_authenticated:
        return queryset.none()
    return get_objects_for_user(user, perm, queryset, accept_global_perms=False)


def get_for_user(
    user, queryset: QuerySet, *, view: str, change: str | None = None, public=None, via: str | None = None, **lookup
):
    """Fetch one object for a user: 404 unless they may view it, 403 if they may view but not `change`.

    `public` is an optional predicate (obj → bool) for objects anyone may read (signed agreements,
    open minutes). `via` names a related object whose permissions govern this one (a meeting's forum).
    """
    try:
        obj = queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    target = getattr(obj, via) if via else obj
    can_view = has_perm(user, view, target) or (public is not None and public(obj))
    if not can_view:
        raise Http404
    if change and not has_perm(user, change, target):
        raise PermissionDenied
    return obj
