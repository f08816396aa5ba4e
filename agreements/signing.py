"""Sign-off: from draft to a signed, sealed agreement, and revising it.

utkast → sendt til signering (content frozen, its SHA-256 kept on the SigningRound) → signert (every
party's signatory has signed; the final PDF is then produced once and sealed by a task) → gjeldende /
utløpt (derived from the period) → erstattet (when its revision is signed). Sending back to draft
cancels the round, so its signatures no longer count. Every transition is a StatusChange.

Signatories come from roles: the ordfører of each kommune (the varaordfører as acting deputy when the
round allows it) and the police party's leader (Role.police_leader_roles()).
"""

import datetime
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from agreements.access import CHANGE, SIGN, SIGNATORY_POLICY, grant_agreement
from agreements.default_template import template_for_district
from agreements.models import (
    Agreement,
    Expectation,
    FocusArea,
    PresenceCommitment,
    SealedDocument,
    SectionKind,
    Signature,
    SigningRound,
    StatusChange,
    TemplateSection,
)
from agreements.richtext import DiffPart, html_to_text, text_diff
from agreements.services import replaces_all_parties
from agreements.verification import qr_data_uri, verification_url
from samarbeid.models import NotificationKind, Party, Role, RoleAssignment, User
from samarbeid.notifications import notify, role_holders
from samarbeid.pdf import html_to_pdf, render_pdf_html, seal_pdf
from samarbeid.permissions import Policy, grant, has_perm

DEPUTY_POLICY: Policy = {Role.VARAORDFORER: [SIGN]}


# --- Content hash -------------------------------------------------------------------------------------


def content_payload(agreement: Agreement) -> dict:
    """Everything a signatory signs, in a canonical form (ids of parties, not their names)."""
    return {
        "agreement": agreement.pk,
        "police_party": agreement.police_party_id,
        "kommuner": sorted(agreement.kommuner.values_list("number", flat=True)),
        "malform": agreement.malform,
        "period": [_iso(agreement.period_start), _iso(agreement.period_end)],
        "replaces": agreement.replaces_id,
        "council": [agreement.council_case_number, _iso(agreement.council_decision_date)],
        "sections": [
            [s.order, s.heading, s.owner, s.kind, s.standard_text, s.local_text]
            for s in agreement.sections.order_by("order", "pk")
        ],
        "presence": [
            [p.kommune_id, p.times, p.per, sorted(p.weekdays), _iso(p.hours_from), _iso(p.hours_to), p.place, p.note]
            for p in agreement.presence_commitments.order_by("pk")
        ],
        "expectations": [[e.direction, e.order, e.text] for e in agreement.expectations.order_by("pk")],
        "focus_areas": [[f.order, f.title, f.description] for f in agreement.focus_areas.order_by("pk")],
        "attachments": [
            [a.title, a.original_name, a.size, _file_sha256(a.file)] for a in agreement.attachments.order_by("pk")
        ],
    }


def _file_sha256(file) -> str | None:
    """The SHA-256 of a stored file's bytes (None if the file is missing, so the hash no longer matches)."""
    try:
        with file.open("rb") as content:
            return hashlib.file_digest(content, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def content_hash(agreement: Agreement) -> str:
    canonical = json.dumps(content_payload(agreement), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- Writer's prompts: never in a signed text ---------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+|\n+", text) if s.strip()]


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def writer_prompts(agreement: Agreement) -> list[tuple[str, str]]:
    """(section heading, sentence) of every writer's prompt left in the text to be signed: a question in a
    section's box (standard text), or a sentence of the template's guidance or one of its questions ("Hva er
    kommunens egne behov?") in the box or the local text, however it is punctuated. Two queries."""
    sections = list(agreement.sections.order_by("order", "pk"))
    templates = [t for t in {agreement.template_id, template_for_district(None).pk} if t]
    known: dict[str, str] = {}
    for ts in TemplateSection.objects.filter(template_id__in=templates):
        guidance = [*_sentences(ts.guidance_nb), *_sentences(ts.guidance_nn)]
        questions = [
            q for q in _sentences(html_to_text(ts.standard_text_nb + "\n" + ts.standard_text_nn)) if q.endswith("?")
        ]
        for sentence in guidance + questions:
            if len(_words(sentence).split()) >= 3:
                known[_words(sentence)] = sentence
    for section in sections:
        for sentence in _sentences(section.guidance):
            if len(_words(sentence).split()) >= 3:
                known[_words(sentence)] = sentence
    found = []
    for section in sections:
        box = html_to_text(section.standard_text)
        text = f" {_words(box + chr(10) + html_to_text(section.local_text))} "
        questions = [q for q in _sentences(box) if q.endswith("?")]
        hits = questions + [sentence for words, sentence in known.items() if f" {words} " in text]
        if hits:
            found.append((section.heading, hits[0]))
    return found


# --- Signatories --------------------------------------------------------------------------------------


def live_round(agreement: Agreement) -> SigningRound | None:
    return agreement.signing_rounds.filter(cancelled_at__isnull=True).first()


def _sent_round(agreement: Agreement) -> SigningRound:
    """The live round of an agreement sent for signature (sending starts one; returning to draft cancels it)."""
    signing_round = live_round(agreement)
    if signing_round is None:
        raise ValidationError(_("Avtalen er ikke sendt til signering."))
    return signing_round


def eligible_roles(party: Party, *, allow_deputy: bool) -> list[str]:
    if party.is_police:
        return list(Role.police_leader_roles())
    return [Role.ORDFORER, Role.VARAORDFORER] if allow_deputy else [Role.ORDFORER]


@dataclass
class SignatorySlot:
    """One party's place in the signature block: who may sign for it, and the signature once given."""

    party: Party
    holders: list[RoleAssignment] = field(default_factory=list)
    signature: Signature | None = None


def signatory_slots(agreement: Agreement, signing_round: SigningRound | None = None) -> list[SignatorySlot]:
    """Kommuner first, then the police party, as in the seeds' signature blocks."""
    signing_round = signing_round or live_round(agreement)
    allow_deputy = bool(signing_round and signing_round.allow_deputy)
    parties = [*agreement.kommuner.all(), agreement.police_party]
    slots = {p.pk: SignatorySlot(party=p) for p in parties}
    holders = (
        RoleAssignment.objects.active()
        .filter(party_id__in=slots, role__in={*Role.police_leader_roles(), Role.ORDFORER, Role.VARAORDFORER})
        .select_related("person", "party")
        .order_by("role", "person__name")
    )
    for holder in holders:
        if holder.role in eligible_roles(slots[holder.party_id].party, allow_deputy=allow_deputy):
            slots[holder.party_id].holders.append(holder)
    if signing_round and signing_round.pk:
        for signature in signing_round.signatures.all():
            slots[signature.party_id].signature = signature
    return list(slots.values())


def signing_role(
    user: User, agreement: Agreement, signing_round: SigningRound, slots: list[SignatorySlot] | None = None
) -> RoleAssignment | None:
    """The role by which this user signs for one of the parties in this round (None: they may not sign); `slots`:
    the round's signatory_slots if the caller has them."""
    if not user.is_authenticated or not user.person_id:
        return None
    for slot in signatory_slots(agreement, signing_round) if slots is None else slots:
        for holder in slot.holders:
            if holder.person_id == user.person_id:
                return holder
    return None


def signing_abilities(user, agreement: Agreement, signing_round: SigningRound | None, slots, *, authentication) -> dict:
    """What the user may do on the signing page: send, return to draft, sign (with a second factor from this
    session's `authentication` records), revise. Here beside `signing_role` rather than in access.py, which this
    module imports."""
    may_change = has_perm(user, CHANGE, agreement)
    holder = signing_role(user, agreement, signing_round, slots) if signing_round else None
    already = holder is not None and any(
        s.signature and (s.signature.user_id == user.pk or s.party.pk == holder.party_id) for s in slots
    )
    is_signatory = (
        agreement.status == Agreement.Status.SENT
        and holder is not None
        and not already
        and has_perm(user, SIGN, agreement)
    )
    enrolled = is_signatory and has_authenticator(user)
    fresh = enrolled and second_factor_step(authentication) is not None
    return {
        "send": agreement.status == Agreement.Status.DRAFT and may_change,
        "return_to_draft": agreement.status == Agreement.Status.SENT and may_change,
        "sign": fresh,
        "confirm_second_factor": enrolled and not fresh,
        "enrol_mfa": is_signatory and not enrolled,
        "revise": agreement.status == Agreement.Status.SIGNED and may_change,
    }


def has_authenticator(user: User) -> bool:
    """Whether the user has set up an authenticator app; says nothing about whether this session used it."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


# --- Authentication strength: read from the session's own authentication record ------------------------
#
# `records` is allauth's record of the steps this session went through (get_authentication_records): each
# a dict with the method ("password", "mfa", "socialaccount", ...), its time ("at", epoch seconds) and,
# for a confirmation asked for after login, "reauthenticated". A user who logged in with a password only,
# or whose session was made without a login form, has no "mfa" step in it, whatever they have enrolled.

RECORDED_KEYS = ("method", "type", "provider", "at", "reauthenticated")


def second_factor_step(records: list[dict], *, now: float | None = None) -> dict | None:
    """The session's latest second-factor step (at login or a confirmation since) if it is recent enough
    to sign with (SIGNING_SECOND_FACTOR_MAX_AGE seconds), else None."""
    steps = [r for r in records if r.get("method") == "mfa" and isinstance(r.get("at"), int | float)]
    now = time.time() if now is None else now
    if steps and 0 <= now - steps[-1]["at"] < settings.SIGNING_SECOND_FACTOR_MAX_AGE:
        return steps[-1]
    return None


def authentication_summary(records: list[dict]) -> str:
    """How a signer logged in and confirmed it before signing, in words, with times (for the signing log)."""
    login = [r for r in records if not r.get("reauthenticated")]
    confirmed = [r for r in records if r.get("reauthenticated")]
    if login:
        text = _("Innlogget med %(methods)s %(at)s.") % {"methods": _methods(login), "at": _at(login[-1])}
    else:
        text = _("Innloggingen er ikke registrert.")
    if confirmed:  # the latest confirmation with the second factor, if any: the one that let them sign
        last = ([r for r in confirmed if r.get("method") == "mfa"] or confirmed)[-1]
        text += " " + _("Bekreftet med %(method)s %(at)s.") % {"method": _methods([last]), "at": _at(last)}
    return text


def _methods(records: list[dict]) -> str:
    names = {
        "password": _("passord"),
        "totp": _("engangskode fra autentiseringsapp (TOTP)"),
        "recovery_codes": _("gjenopprettingskode"),
    }
    labels = []
    for record in records:
        if record.get("method") == "mfa":
            label = names.get(str(record.get("type")), _("totrinnskode"))
        elif record.get("method") == "socialaccount":
            label = _("innlogging hos %(provider)s") % {"provider": record.get("provider", "?")}
        else:
            label = names.get(str(record.get("method")), str(record.get("method")))
        if label not in labels:
            labels.append(label)
    return " + ".join(labels)


def _at(record: dict) -> str:
    moment = timezone.localtime(datetime.datetime.fromtimestamp(record["at"], tz=datetime.UTC))
    return dateformat.format(moment, "d.m.Y H:i:s")


def printed_title(holder: RoleAssignment) -> str:
    if holder.role == Role.VARAORDFORER:
        return _("%(title)s (fungerende ordfører)") % {"title": holder.display_title}
    return holder.display_title


# --- Transitions --------------------------------------------------------------------------------------


def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _transition(agreement: Agreement, to_status: str, *, by: User, reason: str = "") -> StatusChange:
    change = StatusChange.objects.create(
        agreement=agreement, from_status=agreement.status, to_status=to_status, reason=reason, created_by=by
    )
    agreement.status = to_status
    agreement.save(update_fields=["status", "updated_at"])
    return change


@transaction.atomic
def agreement_send_for_signature(agreement: Agreement, *, by: User, allow_deputy: bool = False) -> SigningRound:
    """Freeze the content (its hash) and open a signing round; every party must have someone to sign."""
    agreement = _lock(agreement)
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError(_("Bare et utkast kan sendes til signering."))
    if not agreement.sections.exists():
        raise ValidationError(_("Avtalen har ingen avsnitt."))
    from agreements.negotiation import assert_ready_to_send  # a party may require its proposals settled first

    assert_ready_to_send(agreement)
    if not agreement.kommuner.exists():
        raise ValidationError(_("Ingen kommune er part ennå: en invitert kommune må godta invitasjonen først."))
    prompts = writer_prompts(agreement)
    if prompts:
        heading, sentence = prompts[0]
        raise ValidationError(
            _(
                "Avsnittet «%(heading)s» har fortsatt skrivehjelp fra malen: «%(prompt)s». Skriv teksten ferdig eller "
                "fjern avsnittet før avtalen sendes til signering."
            )
            % {"heading": heading, "prompt": sentence}
        )
    signing_round = SigningRound(agreement=agreement, allow_deputy=allow_deputy, sent_by=by)
    missing = [slot.party.name for slot in signatory_slots(agreement, signing_round) if not slot.holders]
    if missing:
        raise ValidationError(
            _("Ingen kan signere for %(parties)s: registrer ordfører eller leder først.")
            % {"parties": ", ".join(missing)}
        )
    signing_round.content_hash = content_hash(agreement)
    signing_round.save()
    parties = agreement.parties()
    grant(agreement, parties, SIGNATORY_POLICY)
    if allow_deputy:
        grant(agreement, parties, DEPUTY_POLICY)
    _transition(agreement, Agreement.Status.SENT, by=by)
    for slot in signatory_slots(agreement, signing_round):
        for holder in slot.holders:
            notify(
                person=holder.person,
                kind=NotificationKind.SIGNING_REQUEST,
                template="signing_request",
                subject=gettext_lazy("Til signering: %(title)s"),
                context={"agreement": agreement, "title": agreement.title, "party": slot.party},
                url=reverse("agreements:signing", kwargs={"pk": agreement.pk}),
            )
    return signing_round


@transaction.atomic
def agreement_return_to_draft(agreement: Agreement, *, by: User, reason: str) -> None:
    """Send back to draft: the round is cancelled with the reason, so its signatures no longer count."""
    agreement = _lock(agreement)
    if agreement.status != Agreement.Status.SENT:
        raise ValidationError(_("Bare en avtale som er sendt til signering kan sendes tilbake til utkast."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Skriv hvorfor avtalen sendes tilbake til utkast."))
    signing_round = _sent_round(agreement)
    signing_round.cancelled_at = timezone.now()
    signing_round.cancelled_by = by
    signing_round.cancel_reason = reason
    signing_round.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    _transition(agreement, Agreement.Status.DRAFT, by=by, reason=reason)


# What other apps do when an agreement becomes signed, inside the signing transaction: registered in their
# AppConfig.ready() (the politiråd follows the agreement in force: councils.services.council_follow_signed).
_signed_followers: list[Callable[[Agreement], None]] = []


def register_signed_follower(follow: Callable[[Agreement], None]) -> None:
    if follow not in _signed_followers:
        _signed_followers.append(follow)


@transaction.atomic
def agreement_sign(
    agreement: Agreement, *, by: User, place: str, signed_hash: str, authentication: list[dict]
) -> Signature:
    """Sign for the party the user holds a signatory role in. The last signature makes it signed and sealed.

    `authentication` is the signer's session record (get_authentication_records): it must hold a recent
    second-factor step, and the steps it holds are kept on the signature for the signing log.
    """
    agreement = _lock(agreement)
    if agreement.status != Agreement.Status.SENT:
        raise ValidationError(_("Avtalen er ikke sendt til signering."))
    signing_round = _sent_round(agreement)
    holder = signing_role(by, agreement, signing_round)
    if holder is None:
        raise PermissionDenied(_("Du kan ikke signere denne avtalen."))
    if not has_authenticator(by):
        raise ValidationError(_("Du må ta i bruk totrinnsinnlogging før du kan signere."))
    if second_factor_step(authentication) is None:
        raise ValidationError(_("Bekreft med en kode fra autentiseringsappen din rett før du signerer."))
    if signed_hash != signing_round.content_hash or content_hash(agreement) != signing_round.content_hash:
        raise ValidationError(_("Innholdet er endret siden du leste det. Les avtalen på nytt før du signerer."))
    if signing_round.signatures.filter(user=by).exists():
        raise ValidationError(_("Du har allerede signert avtalen."))
    if signing_round.signatures.filter(party_id=holder.party_id).exists():
        raise ValidationError(_("%(party)s har allerede signert avtalen.") % {"party": holder.party.name})
    place = (place or "").strip()
    if not place:
        raise ValidationError(_("Skriv stedet du signerer fra."))
    signature = Signature.objects.create(
        round=signing_round,
        agreement=agreement,
        party_id=holder.party_id,
        user=by,
        role=holder.role,
        name=holder.person.name,
        title=printed_title(holder),
        place=place,
        content_hash=signing_round.content_hash,
        authentication=[{k: r[k] for k in RECORDED_KEYS if k in r} for r in authentication],
    )
    if all(slot.signature for slot in signatory_slots(agreement, signing_round)):
        signing_round.completed_at = signature.signed_at
        signing_round.save(update_fields=["completed_at"])
        _transition(agreement, Agreement.Status.SIGNED, by=by)
        if agreement.replaces is not None:
            replaced = _lock(agreement.replaces)
            # Only an agreement that all of the old one's parties have now signed replaces it.
            if replaced.status == Agreement.Status.SIGNED and replaces_all_parties(
                agreement.police_party, agreement.kommuner.all(), replaced
            ):
                signed_on = timezone.localdate(signature.signed_at).strftime("%d.%m.%Y")
                reason = _("Erstattet av revidert avtale signert %(date)s") % {"date": signed_on}
                _transition(replaced, Agreement.Status.REPLACED, by=by, reason=reason)
        for follow in _signed_followers:
            follow(agreement)
        from agreements.tasks import seal_agreement

        transaction.on_commit(lambda: seal_agreement.enqueue(agreement.pk))
    return signature


@transaction.atomic
def agreement_revise(agreement: Agreement, *, by: User) -> Agreement:
    """ "Revider avtale": a new draft copied from a signed agreement, which replaces it when signed."""
    from agreements.services import agreement_create, attachments_copy

    agreement = _lock(agreement)
    if agreement.status != Agreement.Status.SIGNED:
        raise ValidationError(_("Bare en signert, gjeldende avtale kan revideres."))
    existing = agreement.replaced_by.exclude(status=Agreement.Status.SIGNED).first()
    if existing:
        raise ValidationError(_("Avtalen er allerede under revisjon."))
    draft = agreement_create(
        police_party=agreement.police_party,
        kommuner=agreement.kommuner.all(),
        created_by=by,
        template=agreement.template,
        period_start=agreement.period_start,
        period_end=agreement.period_end,
        malform=agreement.malform,
        replaces=agreement,
        copy_from=agreement,
    )
    PresenceCommitment.objects.bulk_create(_copy(p, draft) for p in agreement.presence_commitments.all())
    Expectation.objects.bulk_create(_copy(e, draft) for e in agreement.expectations.all())
    FocusArea.objects.bulk_create(_copy(f, draft) for f in agreement.focus_areas.all())
    attachments_copy(source=agreement, to=draft)
    grant_agreement(draft)
    return draft


def _copy(obj, agreement: Agreement):
    obj.pk = obj.id = None
    obj._state.adding = True
    obj.agreement = agreement
    return obj


# --- Sealing (run by agreements.tasks.seal_agreement) ------------------------------------------------


def agreement_seal(agreement_id: int) -> SealedDocument:
    """Produce the final PDF once (with the signing log as its last page), seal it and store it."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        existing = SealedDocument.objects.filter(agreement=agreement).first()
        if existing:
            return existing
        if not agreement.is_signed:
            raise ValueError(f"agreement {agreement_id} is not signed: nothing to seal")
        pdf = seal_pdf(
            agreement_pdf(agreement, final=True),
            signer_name="Samarbeid",
            reason=agreement.title[:200],
        )
        document = SealedDocument(agreement=agreement, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))
        document.file.save(f"samarbeidsavtale-{agreement.pk}.pdf", ContentFile(pdf), save=False)
        document.save()
        for person in role_holders(agreement.parties()):  # once sealed, so the link gives the sealed PDF
            notify(
                person=person,
                kind=NotificationKind.AGREEMENT_SIGNED,
                template="agreement_signed",
                subject=gettext_lazy("Signert av alle: %(title)s"),
                context={"agreement": agreement, "title": agreement.title},
                url=reverse("agreements:pdf", kwargs={"pk": agreement.pk}),
            )
        return document


# --- PDF ----------------------------------------------------------------------------------------------


def agreement_pdf(agreement: Agreement, *, final: bool = False, request=None) -> bytes:
    """The agreement as PDF in its målform; a draft preview (watermarked) unless `final`."""
    return html_to_pdf(agreement_pdf_html(agreement, final=final, request=request))


def agreement_pdf_html(agreement: Agreement, *, final: bool = False, request=None) -> str:
    """The HTML of `agreement_pdf`, for the worker to render (samarbeid.pdf_store)."""
    signing_round = (
        agreement.signing_rounds.filter(completed_at__isnull=False).last() if final else live_round(agreement)
    )
    sections = list(agreement.sections.order_by("order", "pk"))
    contacts_in_section = any(s.kind == SectionKind.CONTACTS for s in sections)
    with override(agreement.malform):
        toc = [(s.anchor, f"{number}. {s.heading}") for number, s in enumerate(sections, start=1)]
        if not contacts_in_section:
            toc.append(("kontaktinformasjon", _("Kontaktinformasjon")))
        toc += [("vedlegg", _("Vedlegg")), ("signaturer", _("Signaturer"))]
        if final:
            toc.append(("signeringslogg", _("Signeringslogg")))
        slots = signatory_slots(agreement, signing_round)
        signing_log = [
            (slot, authentication_summary(slot.signature.authentication)) for slot in slots if slot.signature
        ]
    context = {
        "agreement": agreement,
        "sections": sections,
        "toc": toc,
        "presence": agreement.presence_commitments.select_related("kommune"),
        "expectations": agreement.expectations.all(),
        "focus_areas": agreement.focus_areas.all(),
        "response_times": agreement.response_times(),
        "contacts": agreement.contacts(),
        "contacts_in_section": contacts_in_section,
        "attachments": agreement.attachments.all(),
        "slots": slots,
        "signing_log": signing_log,
        "signing_round": signing_round,
        "final": final,
        "sealed_at": timezone.now(),
    }
    if final and signing_round is not None:  # where the sealed PDF can be checked, known before it is sealed
        context["verification_url"] = verification_url(agreement, signing_round)
        context["verification_qr"] = qr_data_uri(context["verification_url"])
    return render_pdf_html(
        "agreements/pdf/agreement.html",
        context,
        request=request,
        draft=not final,
        title=agreement.title,
        language=agreement.malform,
    )


# --- What a signatory should know: departures from the template and from the replaced agreement -------


@dataclass
class SectionChange:
    heading: str
    kind: str  # "added", "removed", "changed"
    diff: list[DiffPart] = field(default_factory=list)

    @property
    def is_added(self) -> bool:
        return self.kind == "added"

    @property
    def is_removed(self) -> bool:
        return self.kind == "removed"


def departures_from_template(agreement: Agreement) -> dict:
    """Sections added or removed compared with the district's template, and sections with local text."""
    sections = list(agreement.sections.all())  # in order (prefetch them for a page that shows them too)
    template_sections = list(agreement.template.sections.all()) if agreement.template else []
    used = {s.template_section_id for s in sections}
    return {
        "added": [s.heading for s in sections if s.is_local or s.template_section_id is None],
        "removed": [ts.in_malform(agreement.malform)["heading"] for ts in template_sections if ts.pk not in used],
        "local_texts": [s.heading for s in sections if s.local_text.strip()],
    }


def agreement_diff(old: Agreement, new: Agreement) -> list[SectionChange]:
    """What changed from `old` to `new`, section by section (matched by template section, else heading)."""

    def key(section):
        return ("t", section.template_section_id) if section.template_section_id else ("h", section.heading)

    def text(section):
        return f"{section.heading}\n{section.standard_text}\n{section.local_text}"

    old_sections = {key(s): s for s in old.sections.all()}  # in order
    changes = []
    for section in new.sections.all():
        before = old_sections.pop(key(section), None)
        if before is None:
            changes.append(SectionChange(section.heading, "added", text_diff("", text(section))))
        elif html_to_text(text(before)) != html_to_text(text(section)):
            changes.append(SectionChange(section.heading, "changed", text_diff(text(before), text(section))))
    changes += [SectionChange(s.heading, "removed", text_diff(text(s), "")) for s in old_sections.values()]
    return changes


def history(agreement: Agreement) -> list[StatusChange]:
    return list(agreement.status_changes.select_related("created_by__person"))
