"""My tasks from agreements: signing, sections to write and to review, agreements to renew, change proposals to
answer (registered in AgreementsConfig.ready).

The sources share one reading of the user's agreements (``agreements_for_tasks``): the access functions'
agreements to sign, drafts in review and signed agreements in care, in one query with their kommuner.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.access import (
    agreements_in_care_of,
    agreements_in_review_by,
    agreements_to_sign,
    proposals_to_answer,
    review_parties,
    sections_to_write,
)
from agreements.models import Agreement, SigningRound
from agreements.reviewing import latest_reviews, party_reviews, review_due_on, section_writers
from agreements.rules import agreement_terms, expires_on, prefetch_for_terms, revision_due_on
from agreements.signing import eligible_roles
from samarbeid.mytasks import Task, my_roles, shared
from samarbeid.permissions import prefetch_perms

KIND_SIGN = "sign"
KIND_WRITE = "write_sections"
KIND_REVIEW = "review_sections"
KIND_EXPIRY = "agreement_expiry"
KIND_REVISION = "agreement_revision"

SIGN_WITHIN = datetime.timedelta(days=14)  # a signing request is answered within two weeks
RENEWAL_LEAD = relativedelta(months=6)  # the task appears six months before the agreement expires or is revised


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class TaskAgreements:
    """The user's agreements that tasks come from, each list as its access function gives it."""

    to_sign: list[Agreement]  # agreements_to_sign, with their live signing round and its signatures
    in_review: list[Agreement]  # agreements_in_review_by: the drafts they write a part of
    in_care: list[Agreement]  # agreements_in_care_of, not yet replaced by a revision


def _flag(queryset) -> ExpressionWrapper:
    return ExpressionWrapper(Q(pk__in=queryset.values("pk")), output_field=BooleanField())


def _read_agreements(user) -> TaskAgreements:
    to_sign = agreements_to_sign(user)
    in_review = agreements_in_review_by(user)
    in_care = agreements_in_care_of(user).filter(replaced_by__isnull=True)
    rows = list(
        Agreement.objects.annotate(sign=_flag(to_sign), review=_flag(in_review), care=_flag(in_care))
        .filter(Q(sign=True) | Q(review=True) | Q(care=True))
        .select_related("police_party")
        .prefetch_related("kommuner")
    )
    reading = TaskAgreements(
        to_sign=[a for a in rows if a.sign],
        in_review=[a for a in rows if a.review],
        in_care=[a for a in rows if a.care],
    )
    live = Prefetch(
        "signing_rounds",
        SigningRound.objects.filter(cancelled_at__isnull=True).prefetch_related("signatures"),
        to_attr="live_rounds",
    )
    prefetch_related_objects(reading.to_sign, live)
    # The drafts' sections (for reviewing) come in the query that gives the signed ones without known terms theirs.
    prefetch_for_terms(reading.in_review + reading.in_care)
    prefetch_related_objects(reading.in_review, "section_reviews")
    return reading


def agreements_for_tasks(user) -> TaskAgreements:
    """The agreements the user's tasks come from, read once for all the sources of a gathering."""
    return shared(user, "agreements", lambda: _read_agreements(user))


def signing_tasks(user, today: datetime.date) -> list[Task]:
    """Agreements waiting for my signature: for a party I sign for that has not signed in the live round."""
    agreements = agreements_for_tasks(user).to_sign
    if not agreements:
        return []
    roles = my_roles(user, today)
    tasks = []
    for agreement in agreements:
        if not agreement.live_rounds:
            continue
        signing_round = agreement.live_rounds[0]
        signatures = list(signing_round.signatures.all())
        if any(s.user_id == user.pk for s in signatures):
            continue
        parties = {party.pk: party for party in agreement.parties()}
        signed = {s.party_id for s in signatures}
        for role in roles:
            party = parties.get(role.party_id)
            if (
                party
                and party.pk not in signed
                and role.role in eligible_roles(party, allow_deputy=signing_round.allow_deputy)
            ):
                sent = timezone.localdate(signing_round.sent_at)
                tasks.append(
                    Task(
                        kind=KIND_SIGN,
                        key=f"agreement:{agreement.pk}:sign:{signing_round.pk}:{party.pk}",
                        title=_("Signer «%(agreement)s»") % {"agreement": agreement.title},
                        url=reverse("agreements:signing", args=[agreement.pk]),
                        due_on=sent + SIGN_WITHIN,
                        reason=_("Sendt til signering %(date)s. Du signerer for %(party)s som %(role)s.")
                        % {"date": _date(sent), "party": party.name, "role": role.get_role_display().lower()},
                        party=party,
                    )
                )
                break
    return tasks


def section_tasks(user, today: datetime.date) -> list[Task]:
    """Drafts with sections my party writes whose local text is still empty (one task per agreement)."""
    drafts = {a.pk: a for a in agreements_for_tasks(user).in_review}  # sections_to_write's drafts are these
    if not drafts:
        return []
    by_agreement = defaultdict(list)
    for section in sections_to_write(user).filter(agreement_id__in=drafts).order_by("agreement_id", "order", "pk"):
        by_agreement[section.agreement_id].append(section)
    tasks = []
    for agreement_id, todo in by_agreement.items():
        agreement = drafts[agreement_id]
        headings = ", ".join(s.heading for s in todo)
        tasks.append(
            Task(
                kind=KIND_WRITE,
                key=f"agreement:{agreement.pk}:sections",
                title=_("Skriv avsnitt i «%(agreement)s»") % {"agreement": agreement.title},
                url=reverse("agreements:section_edit", args=[agreement.pk, todo[0].pk]),
                due_on=agreement.period_start,
                reason=ngettext(
                    "%(count)d avsnitt venter på lokal tekst: %(headings)s.",
                    "%(count)d avsnitt venter på lokal tekst: %(headings)s.",
                    len(todo),
                )
                % {"count": len(todo), "headings": headings},
            )
        )
    return tasks


def review_tasks(user, today: datetime.date) -> list[Task]:
    """Drafts with sections another party wrote (or changed since my party reviewed them) that my party has yet to
    review (one task per agreement; the rule is agreements/reviewing.py)."""
    agreements = agreements_for_tasks(user).in_review
    if not agreements:
        return []
    prefetch_perms(user, agreements)
    writers = section_writers(s for agreement in agreements for s in agreement.sections.all())
    tasks = []
    for agreement in agreements:
        mine = {party.pk for party in review_parties(user, agreement)}
        latest = latest_reviews(agreement)
        todo, stale = [], 0
        for section in agreement.sections.all():
            rows = [r for r in party_reviews(section, agreement, writers, latest) if r.pending and r.party.pk in mine]
            if rows:
                todo.append(section)
                stale += any(r.review is not None for r in rows)
        if not todo:
            continue
        parties = ", ".join(p.name for p in agreement.parties() if p.pk in mine)
        headings = ", ".join(s.heading for s in todo)
        reason = ngettext(
            "%(count)d avsnitt skrevet av en annen part venter på gjennomgang fra %(parties)s: %(headings)s.",
            "%(count)d avsnitt skrevet av en annen part venter på gjennomgang fra %(parties)s: %(headings)s.",
            len(todo),
        ) % {"count": len(todo), "parties": parties, "headings": headings}
        if stale:
            reason += " " + ngettext(
                "%(count)d av dem er endret etter gjennomgang.", "%(count)d av dem er endret etter gjennomgang.", stale
            ) % {"count": stale}
        tasks.append(
            Task(
                kind=KIND_REVIEW,
                key=f"agreement:{agreement.pk}:review",
                title=ngettext(
                    "Gå gjennom %(count)d avsnitt i «%(agreement)s»",
                    "Gå gjennom %(count)d avsnitt i «%(agreement)s»",
                    len(todo),
                )
                % {"count": len(todo), "agreement": agreement.title},
                url=reverse("agreements:detail", args=[agreement.pk]) + f"#{todo[0].anchor}",
                due_on=review_due_on(todo),
                reason=reason,
            )
        )
    return tasks


def renewal_tasks(user, today: datetime.date) -> list[Task]:
    """Signed agreements of my parties that expire, or are due for revision, within six months (or already are);
    none once a revision has been started."""
    tasks = []
    for agreement in agreements_for_tasks(user).in_care:  # their terms are read (the revision rule reads the text)
        url = reverse("agreements:detail", args=[agreement.pk])
        end, revision = expires_on(agreement), revision_due_on(agreement)
        if end is not None and end <= today + RENEWAL_LEAD:
            tasks.append(
                Task(
                    kind=KIND_EXPIRY,
                    key=f"agreement:{agreement.pk}:expiry:{end.isoformat()}",
                    title=_("Forny «%(agreement)s»") % {"agreement": agreement.title},
                    url=url,
                    due_on=end,
                    reason=_("Avtaleperioden slutter %(date)s. Start en revidert avtale i god tid.")
                    % {"date": _date(end)},
                )
            )
        if revision is not None and revision <= today + RENEWAL_LEAD and (end is None or revision < end):
            said = agreement_terms(agreement).revise_after_kommunevalg
            reason = (
                _("Avtalen sier at den revideres etter hvert kommunevalg; valget er %(date)s.")
                if said
                else _(
                    "Avtalen gjelder til den blir revidert, og veilederen sier at den revideres etter hvert "
                    "kommunevalg; valget er %(date)s."
                )
            )
            tasks.append(
                Task(
                    kind=KIND_REVISION,
                    key=f"agreement:{agreement.pk}:revision:{revision.isoformat()}",
                    title=_("Revider «%(agreement)s»") % {"agreement": agreement.title},
                    url=url,
                    due_on=revision,
                    reason=reason % {"date": _date(revision)},
                )
            )
    return tasks


# --- Negotiation: change proposals waiting for my party's answer (agreements/negotiation.py) ----------------------

KIND_PROPOSALS = "agreement_proposals"
ANSWER_WITHIN = datetime.timedelta(days=14)  # a proposal is answered within two weeks, as a signing request


def proposal_tasks(user, today: datetime.date) -> list[Task]:
    """Drafts with open change proposals on sections my party writes: one task per agreement, due two weeks
    after the oldest proposal."""
    drafts = {a.pk: a for a in agreements_for_tasks(user).in_review}  # proposals_to_answer's drafts are these
    if not drafts:
        return []
    proposals = (
        proposals_to_answer(user)
        .filter(agreement_id__in=drafts)
        .select_related("section", "party")
        .order_by("agreement_id", "proposed_at", "pk")
    )
    by_agreement = defaultdict(list)
    for proposal in proposals:
        by_agreement[proposal.agreement_id].append(proposal)
    tasks = []
    for agreement_id, waiting in by_agreement.items():
        agreement = drafts[agreement_id]
        oldest = timezone.localdate(waiting[0].proposed_at)
        headings = ", ".join(dict.fromkeys(p.section.heading for p in waiting))
        parties = ", ".join(dict.fromkeys(p.party.name for p in waiting))
        tasks.append(
            Task(
                kind=KIND_PROPOSALS,
                key=f"agreement:{agreement.pk}:proposals",
                title=_("Svar på endringsforslag i «%(agreement)s»") % {"agreement": agreement.title},
                url=reverse("agreements:negotiation", args=[agreement.pk]),
                due_on=oldest + ANSWER_WITHIN,
                reason=ngettext(
                    "%(count)d forslag fra %(parties)s venter på svar: %(headings)s.",
                    "%(count)d forslag fra %(parties)s venter på svar: %(headings)s.",
                    len(waiting),
                )
                % {"count": len(waiting), "parties": parties, "headings": headings},
            )
        )
    return tasks
