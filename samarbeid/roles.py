"""The services that create a person (person_create) and change what they hold in a party (RoleAssignment).
Each role service re-syncs the person's login at once (their role groups, so their rights follow). Memberships of
a forum have theirs in samarbeid.meetings (membership_add, membership_end); the admin calls these too. Periods that
start or end with the calendar are caught by the daily sync (samarbeid.middleware); bulk paths (the generators)
defer the re-syncs to one at the end (samarbeid.permissions.role_sync_deferred).
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from samarbeid.models import Party, Person, RoleAssignment
from samarbeid.permissions import person_resync


def person_create(*, name: str, email: str = "", organisation: str = "") -> Person:
    """A new person (no login needed: a BUP member, a contact); validated like any other row."""
    person = Person(name=name.strip(), email=email, organisation=organisation)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def role_assign(*, person: Person, party: Party, role: str, **fields: Any) -> RoleAssignment:
    """Give `person` a role in `party` (from `starts_on`, today by default, until `ends_on` or further notice)."""
    assignment = RoleAssignment.objects.create(person=person, party=party, role=role, **fields)
    person_resync(assignment.person_id)
    return assignment


@transaction.atomic
def role_end(assignment: RoleAssignment, *, on: datetime.date | None = None) -> RoleAssignment:
    """End the role on `on` (inclusive; today by default): it grants nothing from the day after."""
    assignment.ends_on = on or timezone.localdate()
    assignment.save(update_fields=["ends_on"])
    person_resync(assignment.person_id)
    return assignment


@transaction.atomic
def role_save(assignment: RoleAssignment) -> RoleAssignment:
    """Store an edited or new assignment as it is (the admin's forms), then re-sync its person (and the person
    it belonged to before, if it was moved to someone else)."""
    before = RoleAssignment.objects.filter(pk=assignment.pk).values_list("person_id", flat=True).first()
    assignment.save()
    person_resync(assignment.person_id, before)
    return assignment


@transaction.atomic
def role_remove(assignment: RoleAssignment) -> None:
    """Delete the assignment (a mistake; a role that ended is ended, not removed) and re-sync its person."""
    person_id = assignment.person_id
    assignment.delete()
    person_resync(person_id)
