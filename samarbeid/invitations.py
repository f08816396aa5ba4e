"""Invitations: how a kommune the inviter does not act for joins a shared agreement, council or SLT-samarbeid.

Kommuner the creator acts for join at once. Any other kommune of the same politidistrikt gets a
`PartyInvitation`; it takes part (and its role holders get their rights) only when one of its own role
holders accepts on "Min side". Until then the target shows nothing of that kommune, and the kommune sees
only the invitation (what it is invited to, and by whom). Declining ends the invitation; nothing is granted.

An app makes its model a target by registering what joining means, in its AppConfig.ready():
`register_invitation_target(Agreement, join=agreement_join)`, where `join(target, kommune, by)` adds the
kommune and grants its rights (and raises ValidationError when the target can no longer take it).
"""

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from samarbeid.models import Kommune, Party, PartyInvitation, Person, Politidistrikt, RoleAssignment, User
from samarbeid.permissions import kommuner_acted_for, parties_acted_for

Join = Callable[[Model, Kommune, User], None]
_joins: dict[type[Model], Join] = {}


def register_invitation_target(model: type[Model], *, join: Join) -> None:
    _joins[model] = join


# --- access ------------------------------------------------------------------------------------------------------


def districts_acted_in(user) -> QuerySet[Politidistrikt]:
    """The politidistrikter where the user acts for the district, one of its police units or one of its kommuner."""
    acted = parties_acted_for(user).values("pk")
    return Politidistrikt.objects.filter(
        Q(pk__in=acted) | Q(units__pk__in=acted) | Q(kommuner__pk__in=acted)
    ).distinct()


def kommuner_invitable(user) -> QuerySet[Kommune]:
    """The kommuner of those politidistrikter: who may be invited to what the user starts."""
    return Kommune.objects.filter(district__in=districts_acted_in(user)).order_by("name")


def kommuner_nearest(user) -> QuerySet[Kommune]:
    """The kommuner a picker shows first: those the user acts for, and those of the police unit or politidistrikt
    the user acts for. It orders a picker's options; what may be picked is decided by the choosable functions."""
    acted = parties_acted_for(user).values("pk")
    return Kommune.objects.filter(Q(pk__in=acted) | Q(police_units__pk__in=acted) | Q(district__pk__in=acted))


def people_nearest(user) -> QuerySet[Person]:
    """The people a picker shows first ("Fra din part"): those holding a role today in a party the user acts for."""
    roles = RoleAssignment.objects.active().filter(party__in=parties_acted_for(user).values("pk"))
    return Person.objects.filter(roles__in=roles)


def parties_nearest(user) -> QuerySet[Party]:
    """The parties a picker shows first: those the user acts for."""
    return parties_acted_for(user)


def police_parties_in_reach(user) -> QuerySet[Party]:
    """The politidistrikter where the user acts, and their police units."""
    districts = districts_acted_in(user)
    return Party.objects.filter(Q(pk__in=districts.values("pk")) | Q(policeunit__district__in=districts)).order_by(
        "kind", "name"
    )


def acts_for_one_of(user, parties: Iterable[Party]) -> bool:
    """Whether the user acts for at least one of the parties: who may start something shared by them."""
    return parties_acted_for(user).filter(pk__in=[p.pk for p in parties]).exists()


def split_by_acting(user, kommuner: Iterable[Kommune], *, already: Iterable[Kommune] = ()) -> tuple[list, list]:
    """(kommuner that join at once: those the user acts for or that already take part, kommuner to invite)."""
    joining = {k.pk for k in already} | set(kommuner_acted_for(user).values_list("pk", flat=True))
    kommuner = list(kommuner)
    return [k for k in kommuner if k.pk in joining], [k for k in kommuner if k.pk not in joining]


def invitations_for_user(user) -> QuerySet[PartyInvitation]:
    """Pending invitations to the kommuner the user acts for (what they may accept or decline)."""
    return (
        PartyInvitation.objects.filter(status=PartyInvitation.Status.PENDING, kommune__in=kommuner_acted_for(user))
        .select_related("kommune", "invited_by__person", "target_type")
        .prefetch_related("target")
    )


def invitation_for(user, pk: int) -> PartyInvitation:
    """A pending invitation to a kommune the user acts for; 404 for anyone else."""
    invitation = invitations_for_user(user).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def invitations_pending_on(target: Model) -> QuerySet[PartyInvitation]:
    """The kommuner invited to the target that have not answered yet (shown by name on the target's page)."""
    return PartyInvitation.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        status=PartyInvitation.Status.PENDING,
    ).select_related("kommune")


# --- services ----------------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, target: Model, kommune: Kommune, by: User | None, district: Politidistrikt) -> PartyInvitation:
    """Invite a kommune of the target's politidistrikt (an invitation already waiting is kept as it is)."""
    if type(target) not in _joins:
        raise ValueError(f"{type(target).__name__} is not registered as an invitation target")
    if kommune.district_id != district.pk:
        raise ValidationError(_("Bare kommuner i samme politidistrikt kan inviteres."))
    invitation, _created = PartyInvitation.objects.get_or_create(
        kommune=kommune,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        status=PartyInvitation.Status.PENDING,
        defaults={"invited_by": by},
    )
    return invitation


def invitations_create(
    *, target: Model, kommuner: Iterable[Kommune], by: User | None, district: Politidistrikt
) -> None:
    for kommune in kommuner:
        invitation_create(target=target, kommune=kommune, by=by, district=district)


def _answer(invitation: PartyInvitation, status: str, by: User) -> PartyInvitation:
    invitation = PartyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != PartyInvitation.Status.PENDING:
        raise ValidationError(_("Invitasjonen er allerede besvart."))
    invitation.status, invitation.answered_by, invitation.answered_at = status, by, timezone.now()
    invitation.save(update_fields=["status", "answered_by", "answered_at"])
    return invitation


@transaction.atomic
def invitation_accept(invitation: PartyInvitation, *, by: User) -> PartyInvitation:
    """The kommune joins the target and its role holders get their rights on it."""
    invitation = _answer(invitation, PartyInvitation.Status.ACCEPTED, by)
    target = invitation.target
    if target is None:
        raise ValidationError(_("Det du ble invitert til, finnes ikke lenger."))
    _joins[type(target)](target, invitation.kommune, by)
    return invitation


@transaction.atomic
def invitation_decline(invitation: PartyInvitation, *, by: User) -> PartyInvitation:
    """The kommune stays out; nothing is granted."""
    return _answer(invitation, PartyInvitation.Status.DECLINED, by)
