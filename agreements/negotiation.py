"""Negotiation between the parties to a draft: comments, change proposals, template drift, the kommunestyre's
decision, and what is settled before signing.

- Comments (``CommentThread`` / ``Comment``) on a section or a structured part, by any editor of any party;
  "@politikontakt" (a role, ``role_aliases``) notifies the holders of that role in the agreement's parties.
  The section's owner or the thread's author resolves a thread; resolved threads stay, collapsed.
- Change proposals (``ChangeProposal``) by the side that does not own a section, against the section's version
  at the time. The owner accepts (a new version attributed to both), accepts with edits, or declines with a
  reason; deciding claims the section's version the owner's page was loaded at (samarbeid/concurrency.py), so it
  never overwrites an edit saved meanwhile. A proposal made against an older version is ``outdated``.
- Template drift: a section copied from an earlier version of the district's template whose text has changed
  since shows "Malen er endret"; the owner adopts the new text or keeps the old (``section_template_decide``).
- ``NegotiationSetting``: a party may require its proposals settled before sending (``assert_ready_to_send``,
  called by agreements.signing.agreement_send_for_signature).
- ``CouncilDecision``: the kommunestyre's sak number and date, per kommune.

Every comment, proposal and decision is in the agreement's change log (SectionRevision, append-only), and the
owner's editors are told through samarbeid.notifications (NotificationKind.NEGOTIATION).
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.access import KOMMUNE_EDITORS, PART_OWNERS, POLICE_EDITORS, negotiation_abilities
from agreements.models import (
    Agreement,
    AgreementSection,
    ChangeProposal,
    Comment,
    CommentThread,
    CouncilDecision,
    NegotiationPart,
    NegotiationSetting,
    Owner,
    SectionKind,
    SectionRevision,
)
from agreements.richtext import DiffPart, clean_html, html_to_text, text_diff
from samarbeid.concurrency import claim_version
from samarbeid.models import Kommune, NotificationKind, Party, Person, Role, RoleAssignment, User
from samarbeid.notifications import notify

Status = ChangeProposal.Status
Action = SectionRevision.Action
MAX_COMMENT = 5000


# --- Mentions --------------------------------------------------------------------------------------------------

MENTION = re.compile(r"@([\wæøåÆØÅ-]+)")
MENTIONABLE = [*Role.kommune_roles(), *[r for r in Role.police_roles() if r not in Role.kommune_roles()]]


def role_aliases() -> dict[str, str]:
    """What may follow "@" for each role a party holds: its value ("slt_koordinator"), with hyphens
    ("slt-koordinator"), and its name in one word ("ordfører")."""
    aliases = {}
    for role in MENTIONABLE:
        value = str(role)
        label = str(Role(role).label).lower().split(" /")[0].replace(" ", "-")
        for alias in (value, value.replace("_", "-"), label, label.replace("-", "_")):
            aliases[alias] = value
    return aliases


def parse_mentions(text: str) -> list[str]:
    """The roles mentioned in a comment, each once, in the order written."""
    aliases, found = role_aliases(), []
    for word in MENTION.findall(text or ""):
        role = aliases.get(word.lower().rstrip("-_"))
        if role and role not in found:
            found.append(role)
    return found


# --- Who is told ---------------------------------------------------------------------------------------------------


def _side_parties(agreement: Agreement, owner: str) -> list[Party]:
    parties: list[Party] = []
    if owner in (Owner.KOMMUNE, Owner.FELLES):
        parties += list(agreement.kommuner.all())
    if owner in (Owner.POLICE, Owner.FELLES):
        parties.append(agreement.police_party)
    return parties


def owner_editors(agreement: Agreement, owner: str) -> list[Person]:
    """The people who write the owner's sections: editor roles in the owner's parties to the agreement."""
    roles = []
    if owner in (Owner.KOMMUNE, Owner.FELLES):
        roles += KOMMUNE_EDITORS
    if owner in (Owner.POLICE, Owner.FELLES):
        roles += POLICE_EDITORS
    return _holders(_side_parties(agreement, owner), roles)


def mentioned_people(agreement: Agreement, roles: list[str]) -> list[Person]:
    """Holders of the mentioned roles in the agreement's parties (never anyone outside them)."""
    return _holders(agreement.parties(), roles) if roles else []


def _holders(parties, roles) -> list[Person]:
    holders = (
        RoleAssignment.objects.active()
        .filter(party__in=[p.pk for p in parties], role__in=roles)
        .exclude(person__email="")
        .select_related("person")
    )
    return list({h.person_id: h.person for h in holders}.values())


def _tell(people, *, by: User, agreement: Agreement, what, heading: str, text: str, url: str) -> None:
    for person in people:
        if person.pk == by.person_id:
            continue
        notify(
            person=person,
            kind=NotificationKind.NEGOTIATION,
            template="negotiation",
            subject=gettext_lazy("%(what)s: %(heading)s i %(title)s"),
            context={
                "what": what,
                "heading": heading,
                "title": agreement.title,
                "text": text,
                "author": by.get_full_name(),
                "agreement": agreement,
            },
            url=url,
        )


def target_heading(agreement: Agreement, section: AgreementSection | None, part: str) -> str:
    return section.heading if section is not None else str(NegotiationPart(part).label)


def _detail_url(agreement: Agreement, anchor: str) -> str:
    return reverse("agreements:detail", args=[agreement.pk]) + f"#{anchor}"


# --- Comments ------------------------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Skriv en kommentar."))
    if len(body) > MAX_COMMENT:
        raise ValidationError(_("Kommentaren er for lang (høyst %(max)s tegn).") % {"max": MAX_COMMENT})
    return body


def _log(agreement: Agreement, action: str, *, heading: str, by: User, text: str) -> None:
    agreement.log(action, heading=heading[:200], by=by, text=text)


@transaction.atomic
def comment_thread_create(
    *, agreement: Agreement, party: Party, by: User, body: str, section: AgreementSection | None = None, part=""
) -> CommentThread:
    """Open a thread on a section or a structured part of a draft with its first comment."""
    agreement.assert_editable()
    if (section is None) == (not part) or (part and part not in NegotiationPart.values):
        raise ValidationError(_("Velg et avsnitt eller en del av avtalen å kommentere."))
    if section is not None and section.agreement_id != agreement.pk:
        raise PermissionDenied
    body = _clean_body(body)
    thread = CommentThread(agreement=agreement, section=section, part=part, party=party, created_by=by)
    thread.full_clean()
    thread.save()
    comment = _add_comment(thread, party=party, by=by, body=body)
    heading = target_heading(agreement, section, part)
    owner = section.owner if section is not None else PART_OWNERS[part]
    people = {p.pk: p for p in [*owner_editors(agreement, owner), *mentioned_people(agreement, comment.mentions)]}
    _tell(
        people.values(),
        by=by,
        agreement=agreement,
        what=gettext_lazy("Ny kommentar"),
        heading=heading,
        text=body,
        url=_detail_url(agreement, thread.anchor),
    )
    return thread


@transaction.atomic
def comment_reply(*, thread: CommentThread, party: Party, by: User, body: str) -> Comment:
    agreement = thread.agreement
    agreement.assert_editable()
    thread = CommentThread.objects.select_for_update().get(pk=thread.pk)
    thread.agreement = agreement
    if thread.is_resolved:
        raise ValidationError(_("Tråden er løst. Start en ny tråd om du vil si mer."))
    comment = _add_comment(thread, party=party, by=by, body=_clean_body(body))
    section = thread.section
    owner = section.owner if section is not None else PART_OWNERS[thread.part]
    earlier = Person.objects.filter(user__in=Comment.objects.filter(thread=thread).values("created_by"), email__gt="")
    people = {
        p.pk: p for p in [*owner_editors(agreement, owner), *earlier, *mentioned_people(agreement, comment.mentions)]
    }
    _tell(
        people.values(),
        by=by,
        agreement=agreement,
        what=gettext_lazy("Nytt svar"),
        heading=target_heading(agreement, section, thread.part),
        text=comment.body,
        url=_detail_url(agreement, thread.anchor),
    )
    return comment


def _add_comment(thread: CommentThread, *, party: Party, by: User, body: str) -> Comment:
    comment = Comment(
        thread=thread,
        agreement_id=thread.agreement_id,
        party=party,
        created_by=by,
        body=body,
        mentions=parse_mentions(body),
    )
    comment.full_clean()
    comment.save()
    heading = target_heading(thread.agreement, thread.section, thread.part)
    text = f"<p>{escape(party.name)}: {escape(body)}</p>"
    _log(thread.agreement, Action.COMMENTED, heading=heading, by=by, text=text)
    return comment


@transaction.atomic
def comment_thread_resolve(*, thread: CommentThread, by: User, owners: set[str]) -> CommentThread:
    """Mark a thread resolved (its owner or author); it stays readable."""
    from agreements.access import may_resolve

    agreement = thread.agreement
    locked = CommentThread.objects.select_for_update(of=("self",)).select_related("section").get(pk=thread.pk)
    locked.agreement = agreement
    if not may_resolve(by, locked, owners):
        raise PermissionDenied
    claim_version(locked, None)
    locked.resolved_at, locked.resolved_by = timezone.now(), by
    locked.save(update_fields=["resolved_at", "resolved_by"])
    _log(agreement, Action.RESOLVED, heading=target_heading(agreement, locked.section, locked.part), by=by, text="")
    return locked


# --- Change proposals ----------------------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *, section: AgreementSection, party: Party, by: User, text: str, explanation: str = ""
) -> ChangeProposal:
    """The other side's proposed local text for a section, against the section's current version."""
    agreement = section.agreement
    agreement.assert_editable()
    current = AgreementSection.objects.get(pk=section.pk)
    if current.owner not in negotiation_abilities(by, agreement)["propose_on"]:
        raise PermissionDenied
    cleaned = clean_html(text)
    if not cleaned:
        raise ValidationError(_("Skriv teksten du foreslår."))
    if cleaned == current.local_text:
        raise ValidationError(_("Forslaget er likt teksten som står der nå."))
    proposal = ChangeProposal(
        agreement=agreement,
        section=current,
        party=party,
        base_version=current.version,
        base_text=current.local_text,
        text=cleaned,
        explanation=(explanation or "").strip(),
        proposed_by=by,
    )
    proposal.full_clean()
    proposal.save()
    summary = "".join(
        f"<del>{escape(p.text)}</del> " if p.op == "delete" else f"<ins>{escape(p.text)}</ins> "
        for p in text_diff(current.local_text, cleaned)
        if p.op != "equal"
    )
    _log(
        agreement,
        Action.PROPOSED,
        heading=current.heading,
        by=by,
        text=f"<p>{escape(party.name)}: {summary.strip()}</p>",
    )
    _tell(
        owner_editors(agreement, current.owner),
        by=by,
        agreement=agreement,
        what=gettext_lazy("Nytt endringsforslag"),
        heading=current.heading,
        text=html_to_text(cleaned),
        url=_detail_url(agreement, f"forslag-{proposal.pk}"),
    )
    return proposal


DECIDED = {
    Status.ACCEPTED: gettext_lazy("Endringsforslaget er godtatt"),
    Status.ACCEPTED_EDITED: gettext_lazy("Endringsforslaget er godtatt med endringer"),
    Status.DECLINED: gettext_lazy("Endringsforslaget er avslått"),
}
DECISIONS = {"godta": Status.ACCEPTED, "godta_endret": Status.ACCEPTED_EDITED, "avsla": Status.DECLINED}


@transaction.atomic
def proposal_decide(
    *,
    proposal: ChangeProposal,
    by: User,
    decision: str,
    expected_version: int | None,
    text: str = "",
    reason: str = "",
) -> ChangeProposal:
    """The owner's answer. Accepting saves the proposed (or the owner's edited) text as a new version of the
    section, attributed to the proposer and the owner; it claims the section's version the owner's page showed,
    so an edit saved meanwhile is never overwritten (StaleEdit). Declining needs a reason."""
    agreement = proposal.agreement
    agreement.assert_editable()
    status = DECISIONS.get(decision)
    if status is None:
        raise ValidationError(_("Velg om forslaget godtas eller avslås."))
    locked = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if not locked.is_open:
        raise ValidationError(_("Forslaget er allerede avgjort."))
    section = AgreementSection.objects.select_for_update().get(pk=proposal.section_id)
    section.agreement = agreement
    reason = (reason or "").strip()
    if status == Status.DECLINED and not reason:
        raise ValidationError(_("Skriv hvorfor forslaget avslås."))
    locked.status, locked.decided_by, locked.decided_at, locked.decision_reason = status, by, timezone.now(), reason
    if status != Status.DECLINED:
        adopted = clean_html(text) if status == Status.ACCEPTED_EDITED else locked.text
        if not adopted:
            raise ValidationError(_("Skriv teksten som skal stå i avsnittet."))
        claim_version(section, expected_version)
        section.local_text, section.updated_by = adopted, by
        section.save(update_fields=["local_text", "updated_by", "updated_at"])
        SectionRevision.objects.create(
            agreement=agreement,
            section=section,
            version=section.version,
            action=Action.PROPOSAL_ACCEPTED,
            heading=section.heading,
            text=adopted,
            created_by=by,
            proposed_by=locked.proposed_by,
        )
        locked.accepted_text, locked.result_version = adopted, section.version
    claim_version(locked, None)
    locked.save()
    action = Action.PROPOSAL_DECLINED if status == Status.DECLINED else Action.PROPOSAL_ACCEPTED
    if status == Status.DECLINED:
        _log(
            agreement,
            action,
            heading=section.heading,
            by=by,
            text=f"<p>{escape(locked.party.name)}: {escape(reason)}</p>",
        )
    elif reason:
        _log(agreement, Action.COMMENTED, heading=section.heading, by=by, text=f"<p>{escape(reason)}</p>")
    proposer = Person.objects.filter(user=locked.proposed_by_id).exclude(email="")
    _tell(
        proposer,
        by=by,
        agreement=agreement,
        what=DECIDED[locked.status],
        heading=section.heading,
        text=reason,
        url=_detail_url(agreement, locked.anchor),
    )
    return locked


# --- Template drift ------------------------------------------------------------------------------------------------


@dataclass
class Drift:
    """The template's section changed since the agreement's section was copied from it."""

    template_version: int
    heading: str
    standard_text: str
    diff: list[DiffPart] = field(default_factory=list)


def template_drift(sections: list[AgreementSection], malform: str) -> dict[int, Drift]:
    """For each section of a draft copied from a template version whose text has changed since: the new text and
    its word diff against the copy. Reads each section's `template_section` (select it with the sections)."""
    drift = {}
    for section in sections:
        ts = section.template_section if section.template_section_id else None
        if ts is None or section.template_version is None or ts.version <= section.template_version:
            continue
        now = ts.in_malform(malform)
        if (
            html_to_text(now["standard_text"]) == html_to_text(section.standard_text)
            and now["heading"] == section.heading
        ):
            continue
        drift[section.pk] = Drift(
            ts.version, now["heading"], now["standard_text"], text_diff(section.standard_text, now["standard_text"])
        )
    return drift


@transaction.atomic
def section_template_decide(*, section: AgreementSection, by: User, adopt: bool, expected_version: int | None) -> bool:
    """Adopt the template's new standard text (and heading) into the section, or keep the old: either way the
    section is marked as seen at the template's current version. Returns False if there was no drift."""
    agreement = section.agreement
    agreement.assert_editable()
    current = (
        AgreementSection.objects.select_for_update(of=("self",)).select_related("template_section").get(pk=section.pk)
    )
    current.agreement = agreement
    drift = template_drift([current], agreement.malform).get(current.pk)
    if drift is None:
        return False
    claim_version(current, expected_version)
    current.template_version = drift.template_version
    fields = ["template_version", "updated_by", "updated_at"]
    if adopt:
        current.standard_text, current.heading = clean_html(drift.standard_text), drift.heading[:200]
        fields += ["standard_text", "heading"]
    current.updated_by = by
    current.save(update_fields=fields)
    current.record(Action.TEMPLATE_ADOPTED if adopt else Action.TEMPLATE_KEPT, by)
    return True


# --- Settings, decisions, sending --------------------------------------------------------------------------------


@transaction.atomic
def negotiation_setting_set(*, agreement: Agreement, party: Party, require_settled: bool, by: User) -> None:
    agreement.assert_editable()
    setting, created = NegotiationSetting.objects.select_for_update().get_or_create(
        agreement=agreement, party=party, defaults={"require_settled": require_settled, "updated_by": by}
    )
    if not created:
        if setting.require_settled == require_settled:
            return
        claim_version(setting, None)
        setting.require_settled, setting.updated_by = require_settled, by
        setting.save(update_fields=["require_settled", "updated_by", "updated_at"])
    text = (
        _("%(party)s krever at alle partens endringsforslag er avgjort før avtalen sendes til signering.")
        if require_settled
        else _("%(party)s krever ikke lenger at partens endringsforslag er avgjort før signering.")
    ) % {"party": escape(party.name)}
    _log(agreement, Action.SETTINGS, heading=_("Forhandling"), by=by, text=f"<p>{text}</p>")


def assert_ready_to_send(agreement: Agreement) -> None:
    """Refuse sending while a party that asked for it still has open proposals (called under the agreement's lock
    by agreements.signing.agreement_send_for_signature)."""
    strict = NegotiationSetting.objects.filter(agreement=agreement, require_settled=True).values_list("party_id")
    waiting = (
        ChangeProposal.objects.filter(agreement=agreement, status=Status.OPEN, party_id__in=strict)
        .select_related("party")
        .order_by("party__name")
    )
    parties = sorted({p.party.name for p in waiting})
    if parties:
        raise ValidationError(
            _(
                "%(parties)s krever at alle partens endringsforslag er avgjort før avtalen sendes til signering, "
                "og %(count)s venter fortsatt på svar."
            )
            % {"parties": ", ".join(parties), "count": len(waiting)}
        )


@transaction.atomic
def council_decision_record(
    *,
    agreement: Agreement,
    kommune: Kommune,
    case_number: str,
    decided_on: datetime.date,
    by: User,
    expected_version: int | None = None,
) -> CouncilDecision:
    """The kommunestyre's decision for one kommune, in the change log; on a draft of that kommune alone it is also
    the agreement's own sak number and date (printed in the agreement)."""
    case_number = (case_number or "").strip()
    decision = CouncilDecision(
        agreement=agreement, kommune=kommune, case_number=case_number, decided_on=decided_on, recorded_by=by
    )
    decision.full_clean()
    decision.save()
    kommuner = list(agreement.kommuner.all())
    if agreement.is_editable and [k.pk for k in kommuner] == [kommune.pk]:
        claim_version(agreement, expected_version)
        agreement.council_case_number, agreement.council_decision_date = case_number, decided_on
        agreement.updated_by = by
        agreement.save(update_fields=["council_case_number", "council_decision_date", "updated_by", "updated_at"])
    text = _("%(kommune)s kommunestyre, sak %(case)s, %(date)s") % {
        "kommune": escape(kommune.name),
        "case": escape(case_number),
        "date": decided_on.strftime("%d.%m.%Y"),
    }
    _log(agreement, Action.COUNCIL_DECISION, heading=_("Kommunestyrets vedtak"), by=by, text=f"<p>{text}</p>")
    return decision


def latest_council_decisions(agreement: Agreement) -> list[CouncilDecision]:
    latest = {}
    for decision in agreement.council_decisions.select_related("kommune").order_by("recorded_at", "pk"):
        latest[decision.kommune_id] = decision
    return sorted(latest.values(), key=lambda d: d.kommune.name)


# --- What a page shows ---------------------------------------------------------------------------------------------


@dataclass
class Target:
    """The negotiation on one section or part: its threads (open first) and proposals."""

    threads: list[CommentThread] = field(default_factory=list)
    proposals: list[ChangeProposal] = field(default_factory=list)
    drift: Drift | None = None

    @property
    def open_threads(self):
        return [t for t in self.threads if not t.is_resolved]

    @property
    def resolved_threads(self):
        return [t for t in self.threads if t.is_resolved]

    @property
    def open_proposals(self):
        return [p for p in self.proposals if p.is_open]

    @property
    def decided_proposals(self):
        return [p for p in self.proposals if not p.is_open]


def _threads(agreement: Agreement):
    """The agreement's threads in the order they were opened, each with `all_comments` in order: one query, read
    from the comments (a thread is opened with its first comment, and comments are never removed)."""
    comments = Comment.objects.filter(agreement=agreement).select_related(
        "created_by__person",
        "party",
        "thread__created_by__person",
        "thread__party",
        "thread__resolved_by__person",
        "thread__section",
    )
    threads: dict[int, CommentThread] = {}
    for comment in comments.order_by("thread__created_at", "thread_id", "created_at", "pk"):
        thread = threads.get(comment.thread_id)
        if thread is None:
            thread = threads[comment.thread_id] = comment.thread
            thread.all_comments = []
        comment.thread = thread
        comment.html = mark_safe(comment_html(comment.body))  # noqa: S308 (escaped in comment_html)
        thread.all_comments.append(comment)
    return list(threads.values())


def _proposals(agreement: Agreement):
    return list(
        agreement.change_proposals.select_related(
            "party", "proposed_by__person", "decided_by__person", "section"
        ).order_by("proposed_at", "pk")
    )


def annotate_proposal(proposal: ChangeProposal, section: AgreementSection) -> ChangeProposal:
    """The word diffs a reader needs: against the current text, and, made against an older version, against the
    text it was made on."""
    proposal.outdated = proposal.is_open and proposal.base_version != section.version
    shown = proposal.accepted_text if proposal.result_version else proposal.text
    proposal.diff = text_diff(section.local_text if proposal.is_open else proposal.base_text, shown)
    proposal.diff_from_base = text_diff(proposal.base_text, proposal.text) if proposal.outdated else None
    return proposal


# The structured parts shown under a section of each kind (and commented on there).
KIND_PARTS: dict[str, list[NegotiationPart]] = {
    SectionKind.PRESENCE: [NegotiationPart.PRESENCE],
    SectionKind.EXPECTATIONS: [NegotiationPart.EXPECTATIONS_KOMMUNE, NegotiationPart.EXPECTATIONS_POLICE],
    SectionKind.FOCUS: [NegotiationPart.FOCUS],
}


def negotiation_board(user: User, agreement: Agreement, sections: list[AgreementSection]) -> dict:
    """Everything the agreement page shows of the negotiation, in a fixed number of queries: threads and proposals
    per section (``by_section``) and part (``by_part``), template drift, and the user's abilities."""
    can = negotiation_abilities(user, agreement)
    by_section: defaultdict[int | None, Target] = defaultdict(Target)
    by_part: defaultdict[str, Target] = defaultdict(Target)
    sections_by_pk = {s.pk: s for s in sections}
    for thread in _threads(agreement):
        thread.agreement = agreement
        thread.can_resolve = agreement.is_editable and _may_resolve(user, thread, can["owners"])
        (by_section[thread.section_id] if thread.section_id else by_part[thread.part]).threads.append(thread)
    for proposal in _proposals(agreement):
        section = sections_by_pk.get(proposal.section_id, proposal.section)
        annotate_proposal(proposal, section)
        proposal.can_decide = agreement.is_editable and proposal.is_open and section.owner in can["owners"]
        by_section[proposal.section_id].proposals.append(proposal)
    if agreement.is_editable:
        for pk, drift in template_drift(sections, agreement.malform).items():
            by_section[pk].drift = drift
    for section in sections:
        section.negotiation = by_section[section.pk]
        section.negotiation_parts = [
            (part, NegotiationPart(part).label, by_part[part]) for part in KIND_PARTS.get(section.kind, ())
        ]
        section.can_propose = agreement.is_editable and section.owner in can["propose_on"]
        section.can_decide_template = agreement.is_editable and section.owner in can["owners"]
    parts = {part: by_part[part] for part in NegotiationPart.values}
    return {"negotiation": parts, "negotiation_can": {**can, "comment": agreement.is_editable and can["comment"]}}


def _may_resolve(user, thread, owners) -> bool:
    from agreements.access import may_resolve

    return may_resolve(user, thread, owners)


@dataclass
class Summary:
    """What was negotiated and what is still open, for the signing page and the send form."""

    accepted: list[ChangeProposal]
    declined: list[ChangeProposal]
    open_proposals: list[ChangeProposal]
    open_threads: list[CommentThread]
    strict_parties: list[str]

    @property
    def open_count(self) -> int:
        return len(self.open_proposals) + len(self.open_threads)


def negotiation_summary(agreement: Agreement) -> Summary:
    sections = {s.pk: s for s in agreement.sections.all()}
    proposals = []
    for proposal in _proposals(agreement):
        section = sections.get(proposal.section_id, proposal.section)
        proposals.append(annotate_proposal(proposal, section))
    threads = [t for t in _threads(agreement) if not t.is_resolved]
    for thread in threads:
        thread.heading = target_heading(agreement, thread.section, thread.part)
    strict = NegotiationSetting.objects.filter(agreement=agreement, require_settled=True).select_related("party")
    return Summary(
        accepted=[p for p in proposals if p.status in (Status.ACCEPTED, Status.ACCEPTED_EDITED)],
        declined=[p for p in proposals if p.status == Status.DECLINED],
        open_proposals=[p for p in proposals if p.is_open],
        open_threads=threads,
        strict_parties=[s.party.name for s in strict],
    )


def settings_for(user: User, agreement: Agreement) -> dict:
    """The user's party's rule on this agreement (for the switch on the negotiation panel), if they edit."""
    from agreements.access import acting_party

    if not agreement.is_editable or not negotiation_abilities(user, agreement)["comment"]:
        return {}
    try:
        party = acting_party(user, agreement)
    except PermissionDenied:
        return {}
    setting = NegotiationSetting.objects.filter(agreement=agreement, party=party).first()
    return {"party": party, "require_settled": bool(setting and setting.require_settled)}


def comment_html(body: str) -> str:
    """A comment as paragraphs, escaped, with the mentions marked."""
    html = linebreaks(escape(body))
    return MENTION.sub(
        lambda m: (
            f'<strong class="mention">{m.group(0)}</strong>'
            if m.group(1).lower().rstrip("-_") in role_aliases()
            else m.group(0)
        ),
        html,
    )
