"""Which party reviews which section of a draft, and where each review stands ("Merk som gjennomgått").

The rule: in a draft, a section with local text is reviewed by every party of the agreement that did not write
it. Who wrote it is the party its last writer (``updated_by``) acts for on the section's side — a kommune of the
agreement for a kommune section, the police for a police section, either for a felles section; where that is
not known (an imported text), the owner's side: a kommune section is the kommuner's, a police section the
police's, and a felles section is then reviewed by every party. A review holds while the section stays at the
version it was made at; an edit after it makes it stale ("endret etter gjennomgang"), and the party reviews it
again. Signed or sent agreements are reviewed no more.

The functions are pure over what the caller loaded: ``section_writers`` costs one query for any number of
sections, ``latest_reviews`` reads ``agreement.section_reviews.all()`` (prefetch it for many agreements).
Who may review *for* a party is decided in agreements/access.py (``review_parties``).
"""

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from agreements.models import Agreement, AgreementSection, Owner, SectionReview
from samarbeid.models import Party, RoleAssignment

REVIEW_WITHIN = datetime.timedelta(days=14)  # a section written by the other party is read within two weeks


class ReviewState(enum.StrEnum):
    MISSING = "missing"  # never reviewed by this party
    STALE = "stale"  # reviewed, then changed
    FRESH = "fresh"  # reviewed at the current version


@dataclass(frozen=True)
class PartyReview:
    """One party's standing on one section: what is needed, and the party's last review (if any)."""

    party: Party
    state: ReviewState
    review: SectionReview | None

    @property
    def pending(self) -> bool:
        return self.state != ReviewState.FRESH

    @property
    def is_fresh(self) -> bool:
        return self.state == ReviewState.FRESH

    @property
    def is_stale(self) -> bool:
        return self.state == ReviewState.STALE


def section_writers(sections: Iterable[AgreementSection]) -> dict[int, set[int]]:
    """For each section's last writer (``updated_by``): the party ids they hold a role in today, and ``"police"``
    if one of them is a police party (a politimester writes for a unit of the district). One query."""
    user_ids = {s.updated_by_id for s in sections if s.updated_by_id and s.local_text}  # empty ones need no review
    writers: dict[int, set] = {pk: set() for pk in user_ids}
    if user_ids:
        rows = RoleAssignment.objects.active().filter(person__user__in=user_ids)
        for user_id, party_id, kind in rows.values_list("person__user", "party_id", "party__kind"):
            writers[user_id].add(party_id)
            if kind in (Party.Kind.POLITIDISTRIKT, Party.Kind.POLICE_UNIT):
                writers[user_id].add("police")
    return writers


def _side(section: AgreementSection, agreement: Agreement) -> set[int]:
    """The parties that write the section: the kommuner, the police, or both (felles)."""
    kommuner = {k.pk for k in agreement.kommuner.all()}
    if section.owner == Owner.KOMMUNE:
        return kommuner
    if section.owner == Owner.POLICE:
        return {agreement.police_party_id}
    return kommuner | {agreement.police_party_id}


def written_by(section: AgreementSection, agreement: Agreement, writers: dict[int, set]) -> set[int]:
    """The party ids that wrote the section's current text (see the module's rule)."""
    side = _side(section, agreement)
    roles = writers.get(section.updated_by_id, set()) if section.updated_by_id else set()
    known = {pk for pk in side if pk in roles}
    if "police" in roles and agreement.police_party_id in side:
        known.add(agreement.police_party_id)
    if known:
        return known
    return set() if section.owner == Owner.FELLES else side


def reviewers(section: AgreementSection, agreement: Agreement, writers: dict[int, set]) -> list[Party]:
    """The parties that review the section as it stands: none for an empty section or a draft no more."""
    if not agreement.is_editable or not section.local_text:
        return []
    wrote = written_by(section, agreement, writers)
    return [party for party in agreement.parties() if party.pk not in wrote]


def latest_reviews(agreement: Agreement) -> dict[tuple[int | None, int], SectionReview]:
    """Each party's last review of each section: (section id, party id) → review."""
    latest: dict[tuple[int | None, int], SectionReview] = {}
    for review in agreement.section_reviews.all():
        key = (review.section_id, review.party_id)
        if key not in latest or (review.version, review.reviewed_at) >= (latest[key].version, latest[key].reviewed_at):
            latest[key] = review
    return latest


def state_of(section: AgreementSection, review: SectionReview | None) -> ReviewState:
    if review is None:
        return ReviewState.MISSING
    return ReviewState.FRESH if review.version == section.version else ReviewState.STALE


def party_reviews(
    section: AgreementSection, agreement: Agreement, writers: dict[int, set], latest: dict
) -> list[PartyReview]:
    """Where each reviewing party stands on the section."""
    rows = []
    for party in reviewers(section, agreement, writers):
        review = latest.get((section.pk, party.pk))
        rows.append(PartyReview(party, state_of(section, review), review))
    return rows


def unreviewed_sections(agreement: Agreement) -> list[tuple[AgreementSection, list[PartyReview]]]:
    """The sections some party has yet to review (again), each with the parties that have: for the warning shown
    when the agreement is sent for signature. Reads ``agreement.sections`` and ``section_reviews`` (prefetch)."""
    sections = list(agreement.sections.all())
    writers, latest = section_writers(sections), latest_reviews(agreement)
    todo = []
    for section in sections:
        pending = [row for row in party_reviews(section, agreement, writers, latest) if row.pending]
        if pending:
            todo.append((section, pending))
    return todo


def review_due_on(sections: Iterable[AgreementSection]) -> datetime.date:
    """Two weeks after the earliest change among the sections waiting for review."""
    return min(timezone.localdate(s.updated_at) for s in sections) + REVIEW_WITHIN
