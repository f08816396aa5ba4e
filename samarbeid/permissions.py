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
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BigIntegerField, F, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker
from guardian.ctypes import get_content_type
from guardian.shortcuts import get_objects_for_user, remove_perm
from guardian.utils import get_group_obj_perms_model

from samarbeid.models import ForumMembership, Kommune, Party, PartyRoleGroup, Role, RoleAssignment, User

Policy = Mapping[str, Iterable[str]]

# What holding a role lets a person do for the party itself (create agreements, councils, ...).
PARTY_POLICY: Policy = {
    role: ["samarbeid.act_for_party"]
    for role in (
        Role.ORDFORER,
        Role.VARAORDFORER,
        Role.RADMANN,
        Role.KOMMUNALSJEF,
        Role.SLT_KOORDINATOR,
        Role.POLITIKONTAKT,
        Role.POLITISTASJONSSJEF,
        Role.POLITIMESTER,
        Role.LENSMANN,
        Role.TJENESTEENHETSLEDER,
        Role.NARPOLITISJEF,
        Role.DISTRIKT_ADMIN,
    )
}


def base_party(party: Party) -> Party:
    """The Party row itself for a Kommune, PoliceUnit or Politidistrikt (party rights live on Party)."""
    return Party(pk=party.pk, kind=party.kind, name=party.name)


def role_groups(pairs: Iterable[tuple[Party, str]]) -> dict[tuple[int, str], Group]:
    """The group of each (party, role), by (party id, role); the missing ones are made in a fixed number of
    queries, each with the party rights its role has (PARTY_POLICY)."""
    by_key = {(party.pk, role): (base_party(party), role) for party, role in pairs}
    if not by_key:
        return {}
    batch = _grant_batch.get()
    if batch is not None:  # in grants_batched(): each group is looked up once
        known = batch.groups
        unknown = [pair for key, pair in by_key.items() if key not in known]
        if unknown:
            known.update(_role_groups({(party.pk, role): (party, role) for party, role in unknown}))
        return {key: known[key] for key in by_key}
    return _role_groups(by_key)


def _role_groups(by_key: dict[tuple[int, str], tuple[Party, str]]) -> dict[tuple[int, str], Group]:
    def existing():
        links = PartyRoleGroup.objects.select_related("group").filter(
            party__in={pk for pk, _ in by_key}, role__in={role for _, role in by_key}
        )
        return {(link.party_id, link.role): link.group for link in links if (link.party_id, link.role) in by_key}

    found = existing()
    missing = [pair for key, pair in by_key.items() if key not in found]
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
        assign_many(
            [
                (perm, groups[name], party)
                for name, (party, role) in names.items()
                for perm in PARTY_POLICY.get(role, ())
            ]
        )
    return existing()


def sync_user_roles(user: User) -> None:
    """Make the user's groups exactly those of the roles their person holds today."""
    sync_users_roles([user])


_deferred_sync: ContextVar[set[int] | None] = ContextVar("deferred_role_sync", default=None)


def person_resync(*person_ids: int | None) -> None:
    """Sync the logins (if any) of these people with what they hold today, after a role or membership of theirs
    changed (samarbeid.roles, samarbeid.meetings): at once, or, inside `role_sync_deferred()`, together with
    everyone else's on the way out."""
    ids = {pk for pk in person_ids if pk}
    pending = _deferred_sync.get()
    if pending is not None:
        pending.update(ids)
    elif ids:
        sync_users_roles(User.objects.filter(person_id__in=ids))


@contextmanager
def role_sync_deferred():
    """Save many roles and memberships through the services, then sync every login they touched in one
    `sync_users_roles` (a fixed number of queries) instead of one sync per saved row.

    The result is the same: a sync makes a user's groups exactly those of what their person holds today, whatever
    happened before. Used by bulk work (`generate_national`); nested uses sync once, at the outermost exit.
    """
    if _deferred_sync.get() is not None:
        yield
        return
    token = _deferred_sync.set(set())
    try:
        yield
        person_ids = _deferred_sync.get()
    finally:
        _deferred_sync.reset(token)
    if person_ids:
        sync_users_roles(User.objects.filter(person_id__in=person_ids))


def sync_users_roles(users: Iterable[User]) -> None:
    """`sync_user_roles` for many logins in a fixed number of queries, whatever they hold: the groups their people
    should be in today (one query), the groups they are in (one) and the day's mark (one); where these differ, the
    links are put right in a transaction with the mark (a delete, an insert). A role group not made yet is made
    first (`role_groups`: only for a role saved without its service)."""
    today = timezone.localdate()
    users = list(users)
    wanted = _groups_held_on(today, {user.person_id for user in users if user.person_id})
    links = User.groups.through
    held = defaultdict(set)
    for user_id, group_id in links.objects.filter(user__in=users).values_list("user_id", "group_id"):
        held[user_id].add(group_id)
    stale = [(user.pk, group) for user in users for group in held[user.pk] - wanted[user.person_id]]
    added = [(user.pk, group) for user in users for group in wanted[user.person_id] - held[user.pk]]
    mark = User.objects.filter(pk__in=[user.pk for user in users])
    if stale or added:
        with transaction.atomic():
            if stale:
                links.objects.filter(_stale_filter(stale)).delete()
            links.objects.bulk_create([links(user_id=u, group_id=g) for u, g in added], ignore_conflicts=True)
            mark.update(roles_synced_on=today)
    else:
        mark.update(roles_synced_on=today)
    for user in users:
        user.roles_synced_on = today
        user.__dict__.pop("_perm_checker", None)
        user.__dict__.get("_prefetched_objects_cache", {}).pop("groups", None)  # as groups.set() would


def _groups_held_on(day, person_ids: set[int]) -> dict[int | None, set[int]]:
    """The groups each person should be in on `day`, in one query: the group of every (party, role) they hold and
    the member and organiser groups of the forums they belong to (guests are in neither)."""
    columns = ("who", "group", "of", "as_role")
    group = PartyRoleGroup.objects.filter(party=OuterRef("party"), role=OuterRef("role")).values("group_id")
    roles = RoleAssignment.objects.active(day).filter(person_id__in=person_ids).order_by()
    roles = roles.annotate(who=F("person_id"), group=Subquery(group), of=F("party_id"), as_role=F("role"))
    memberships = ForumMembership.objects.active(day).filter(person_id__in=person_ids).order_by()
    forum_groups = [
        memberships.filter(kind__in=kinds, **{f"{forum_group}__isnull": False})
        .annotate(who=F("person_id"), group=F(forum_group), of=Value(None, BigIntegerField()), as_role=Value(""))
        .values_list(*columns)
        for kinds, forum_group in (
            (ForumMembership.MEMBER_KINDS, "forum__member_group_id"),
            (ForumMembership.ORGANISER_KINDS, "forum__organiser_group_id"),
        )
    ]
    rows = roles.values_list(*columns).union(*forum_groups, all=True).order_by()
    wanted: dict[int | None, set[int]] = defaultdict(set)
    missing = []
    for person_id, group_id, party_id, role in rows:
        if group_id is None:
            missing.append((person_id, party_id, role))
        else:
            wanted[person_id].add(group_id)
    if missing:
        parties = Party.objects.in_bulk({party_id for _, party_id, _ in missing})
        made = role_groups((parties[party_id], role) for _, party_id, role in missing)
        for person_id, party_id, role in missing:
            wanted[person_id].add(made[(party_id, role)].pk)
    return wanted


def _stale_filter(stale: list[tuple[int, int]]) -> Q:
    condition = Q()
    for user_id, group_id in stale:
        condition |= Q(user_id=user_id, group_id=group_id)
    return condition


def grant(obj: Model, parties: Iterable[Party], policy: Policy) -> None:
    """Give each party's role groups the permissions the policy names for that role on `obj`.

    A fixed number of queries (the groups, the permissions, one insert), whatever the number of parties and roles.
    """
    parties = list(parties)
    wanted = []
    for party in parties:
        allowed = Role.police_roles() if party.is_police else Role.kommune_roles()
        wanted += [(party, role) for role in policy if role in allowed]
    groups = role_groups(wanted)
    assign_many([(perm, groups[(party.pk, role)], obj) for party, role in wanted for perm in policy[role]])


def assign_many(grants: list[tuple[str, Group, Model]]) -> None:
    """Guardian's assign_perm for many (permission, group, object) at once: one query for the permissions and one
    insert per object-permission table (the object's direct table where it has one, else guardian's generic one)."""
    if not grants:
        return
    ctypes = {id(obj): get_content_type(obj) for _, _, obj in grants}
    codenames = {perm.split(".", 1)[-1] for perm, _, _ in grants}
    batch = _grant_batch.get()
    permissions = batch.permissions if batch is not None else {}
    wanted = {(ctype.pk, perm.split(".", 1)[-1]) for perm, _, obj in grants for ctype in [ctypes[id(obj)]]}
    if not wanted <= permissions.keys():
        permissions.update(
            {
                (p.content_type_id, p.codename): p
                for p in Permission.objects.filter(
                    content_type__in={c.pk for c in ctypes.values()}, codename__in=codenames
                )
            }
        )
    rows = batch.rows if batch is not None else defaultdict(list)
    for perm, group, obj in grants:
        ctype = ctypes[id(obj)]
        model: Any = get_group_obj_perms_model(obj)  # guardian's group permission model for obj's model
        fields: dict[str, Any] = {"permission": permissions[(ctype.pk, perm.split(".", 1)[-1])], "group": group}
        if model.objects.is_generic():
            fields.update(content_type=ctype, object_pk=str(obj.pk))
        else:
            fields["content_object"] = obj
        rows[model].append(model(**fields))
    if batch is None:
        _insert_grants(rows)


def _insert_grants(rows: dict[type[Model], list[Model]]) -> None:
    for model, objs in rows.items():
        model._default_manager.bulk_create(objs, ignore_conflicts=True, batch_size=5000)


class _GrantBatch:
    def __init__(self):
        self.groups: dict[tuple[int, str], Group] = {}
        self.permissions: dict[tuple[int, str], Permission] = {}
        self.rows: dict[type[Model], list[Model]] = defaultdict(list)


_grant_batch: ContextVar[_GrantBatch | None] = ContextVar("grant_batch", default=None)


@contextmanager
def grants_batched():
    """Grant for many objects through the services, but write guardian's rows together on the way out, and look
    each party-role group and permission up once (bulk work: `generate_national`).

    The rows are the ones `grant` and `assign_many` write one call at a time; only when they are written differs.
    Nothing inside may rely on a grant made inside (no permission checks, no `revoke`). Nested uses write at the
    outermost exit.
    """
    if _grant_batch.get() is not None:
        yield
        return
    batch = _GrantBatch()
    token = _grant_batch.set(batch)
    try:
        yield
    finally:
        _grant_batch.reset(token)
    _insert_grants(batch.rows)


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
    """Load the user's permissions on many objects in one query (for lists showing abilities); objects whose
    permissions this request has already read (a page's own object, then its list) are not asked again."""
    if not user.is_authenticated:
        return
    checker = _checker(user)
    missing = [obj for obj in objects if checker.get_local_cache_key(obj) not in checker._obj_perms_cache]
    if missing:
        checker.prefetch_perms(missing)  # type: ignore[arg-type]  # guardian takes a list of one model too


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
        raise PermissionDenied(_("Du kan lese dette, men rollene dine gir ikke lov til å endre det."))
    return obj
