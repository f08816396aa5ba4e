"""After parsing: the pending import a person reviews, and the draft it becomes.

- ``import_review_create`` stores an upload (the file through Django's storage API) as an ``ImportReview`` and
  has the task worker read it (``agreements.tasks.read_import``, agreements/importing/found.py): what the reader found
  is kept as JSON (``found``), so the review page never parses again.
- ``review_state`` is what the review page shows and edits: the sections in order (heading, text, owner, the
  template section each one fills), the template's sections the text lacks (offered as suggestions, never
  added unasked), the parties as found, the earlier signing and the agreement it replaces. ``sections_edit``
  applies the reviewer's renames, merges, splits, reordering and owner choices.
- ``import_review_confirm`` creates the draft (``agreement_import``): only then does an agreement exist. The
  draft keeps the original file as an attachment, records "Erstatter avtale signert 11.02.2020 av …" in its
  history, and names the earlier agreement it replaces when that one is in the register.
"""

import dataclasses
import datetime
import difflib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import PurePath

import lxml.html
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from agreements.access import agreements_replaceable, districts_for_new_police_unit
from agreements.default_template import template_for_district
from agreements.importing import ParsedAgreement
from agreements.importing.found import parsed_from_json
from agreements.importing.read import FORMATS
from agreements.models import (
    Agreement,
    AgreementSection,
    AgreementTemplate,
    Attachment,
    ImportReview,
    Owner,
    SectionRevision,
    TemplateSection,
)
from agreements.richtext import clean_html
from agreements.services import agreement_create, police_district
from samarbeid.invitations import split_by_acting
from samarbeid.models import Kommune, Party, PoliceUnit, Politidistrikt
from samarbeid.permissions import parties_acted_for
from samarbeid.uploads import CONTENT_TYPES, safe_name

READABLE = FORMATS  # the file types parse_agreement reads
CONTENT_TYPES_READ = {".txt": "text/plain; charset=utf-8", **CONTENT_TYPES}


class MissingParties(Exception):
    """The text does not name (resolvable) parties and the caller gave none."""

    def __init__(self, *, police: bool, kommuner: bool):
        super().__init__(f"missing police={police} kommuner={kommuner}")
        self.police = police
        self.kommuner = kommuner


# --- Parties (database) ------------------------------------------------------------------------------


@dataclass
class ResolvedParties:
    """The parties the text names, found in the database; `unresolved` are names that matched nothing."""

    police: Party | None = None
    kommuner: list[Kommune] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def resolve_parties(parsed: ParsedAgreement) -> ResolvedParties:
    """Kommune by name ("Moss kommune"), Politidistrikt by name or short name, PoliceUnit by name.

    The police party is the most specific one named: a police unit (e.g. "Moss politistasjonsdistrikt" from
    the signature block) before the district in the title. A kommune name shared by two kommuner (Herøy)
    is taken only where the police district tells them apart.
    """
    result = ResolvedParties()
    districts, units, kommune_names = [], [], []
    for mention in parsed.parties:
        names = _spellings(mention.text)
        if mention.kind == "kommune":
            kommune_names.append(mention.text)
        elif mention.kind == "politidistrikt":
            query = _any_name(names)
            for name in names:
                query |= Q(short_name__iexact=re.sub(r"\s+politidistrikt$", "", name, flags=re.IGNORECASE))
            found = Politidistrikt.objects.filter(query).first()
            (districts.append(found) if found else result.unresolved.append(mention.text))
        else:
            found = PoliceUnit.objects.filter(_any_name(names)).first()
            (units.append(found) if found else result.unresolved.append(mention.text))
    district_ids = {d.pk for d in districts} | {u.district_id for u in units}
    units = [u for u in units if not districts or u.district_id in {d.pk for d in districts}] or units
    result.police = units[0] if units else (districts[0] if districts else None)
    for name in kommune_names:
        matches = list(Kommune.objects.filter(_any_name(_spellings(name))))
        if len(matches) > 1 and district_ids:
            matches = [k for k in matches if k.district_id in district_ids]
        if len(matches) == 1:
            result.kommuner.append(matches[0])
        else:
            result.unresolved.append(name)
    return result


def _spellings(name: str) -> list[str]:
    """The name, and for "Luster og Sogn lensmannsdistrikt" (two parties run together) the last one; a kommune
    that calls itself herad ("Voss herad") is registered as "Voss kommune"."""
    names = [name, name.rsplit(" og ", 1)[1]] if " og " in name else [name]
    herad = [re.sub(r"\s+herad$", " kommune", n, flags=re.IGNORECASE) for n in names]
    return names + [n for n in herad if n not in names]


def _any_name(names: list[str]) -> Q:
    query = Q()
    for name in names:
        query |= Q(name__iexact=name) | Q(name_nn__iexact=name)
    return query


# --- Reading (the task worker) ---------------------------------------------------------------------------


def import_review_create(*, upload, owner_party: Party, by, batch: uuid.UUID | None = None) -> ImportReview:
    """Store the upload as a pending import of `owner_party` and have the task worker read it."""
    from agreements.tasks import read_import

    name = safe_name(upload.name)
    review = ImportReview(owner_party=owner_party, uploaded_by=by, original_name=name, batch=batch)
    review.full_clean(exclude=["file"])
    with transaction.atomic():
        upload.seek(0)
        review.file.save(name, ContentFile(upload.read()), save=False)
        review.save()
        # The task row is written in this transaction (django-tasks-db), so the worker sees it only with the
        # review and its file: no review without its reading, and no reading of a review that was rolled back.
        read_import.enqueue(review.pk)
    return review


# --- What the review shows and edits ------------------------------------------------------------------------


@dataclass
class ReviewedSection:
    """One section as the reviewer will have it: heading, text (allow-listed HTML), owner, the template section
    it fills (None: a local section) and whether it is a template suggestion the text lacked."""

    heading: str
    html: str = ""
    owner: str = Owner.FELLES
    template_section: int | None = None
    suggested: bool = False

    def blocks(self) -> list[str]:
        return html_blocks(self.html)


def html_blocks(value: str) -> list[str]:
    """The top-level blocks (paragraphs, lists, tables) of a section's HTML, each as HTML."""
    if not value.strip():
        return []
    fragments = lxml.html.fragments_fromstring(value)
    return [
        lxml.html.tostring(f, encoding="unicode") if not isinstance(f, str) else f"<p>{escape(f)}</p>"
        for f in fragments
        if isinstance(f, str) and f.strip() or not isinstance(f, str)
    ]


def template_for_import(police_party: Party | None) -> AgreementTemplate:
    district = police_district(police_party) if police_party is not None else None
    return template_for_district(district)


def _heading_key(heading: str) -> str:
    heading = re.sub(r"\(.*?\)", "", heading).lower()
    heading = re.sub(r"^\s*\d{1,2}[.)]?\s*", "", heading)
    return " ".join(re.findall(r"\w+", heading))


def heading_similarity(a: str, b: str) -> float:
    a, b = _heading_key(a), _heading_key(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if a.startswith(b) or b.startswith(a):
        return 0.9
    return difflib.SequenceMatcher(a=a, b=b).ratio()


def _template_sections(template: AgreementTemplate) -> list[TemplateSection]:
    return list(template.sections.order_by("order", "pk"))


def sections_found(parsed: ParsedAgreement, template: AgreementTemplate) -> list[ReviewedSection]:
    """The document's sections in order, each matched to the template section whose heading is most alike
    (same words once numbering and parentheses are dropped, one a prefix of the other, or a similarity of
    at least 0.8); a matched section takes that section's owner, the others are felles. Text before the first
    heading comes first as a section of its own, so no text is lost."""
    frame = _template_sections(template)
    matched: set[int] = set()
    result = []
    for imported in parsed.sections:  # the preamble (text before the first heading) is the first of them
        if imported.preamble:
            result.append(ReviewedSection(imported.heading[:200], imported.html))
            continue
        candidates = [(heading_similarity(imported.heading, t.heading_nb), t) for t in frame if t.pk not in matched]
        candidates += [(heading_similarity(imported.heading, t.heading_nn), t) for t in frame if t.pk not in matched]
        score, target = max(candidates, key=lambda pair: pair[0], default=(0.0, None))
        if target is not None and score >= 0.8:
            matched.add(target.pk)
            result.append(ReviewedSection(imported.heading[:200], imported.html, target.owner, target.pk))
        else:
            result.append(ReviewedSection(imported.heading[:200], imported.html))
    return result


def suggestions_for(sections: list[ReviewedSection], template: AgreementTemplate, malform: str) -> list[tuple]:
    """(template section id, heading) of the template's sections no section fills: offered, never forced."""
    used = {s.template_section for s in sections if s.template_section}
    return [(t.pk, t.in_malform(malform)["heading"]) for t in _template_sections(template) if t.pk not in used]


def with_suggestions(
    sections: list[ReviewedSection], chosen: list[int], template: AgreementTemplate, malform: str
) -> list[ReviewedSection]:
    """The sections with the chosen template suggestions added after the section before them in the template."""
    frame = _template_sections(template)
    by_pk = {t.pk: t for t in frame}
    result = list(sections)
    for pk in chosen:
        ts = by_pk.get(pk)
        if ts is None or any(s.template_section == pk for s in result):
            continue
        earlier = {t.pk for t in frame[: frame.index(ts)]}
        index = max((i + 1 for i, s in enumerate(result) if s.template_section in earlier), default=len(result))
        result.insert(index, ReviewedSection(ts.in_malform(malform)["heading"], "", ts.owner, ts.pk, suggested=True))
    return result


@dataclass
class SectionEdit:
    heading: str
    owner: str
    order: int
    merge: bool = False  # into the section before it (in the new order)
    split_at: int | None = None  # the block (1-based) that starts a new section
    split_heading: str = ""
    remove: bool = False  # only a suggestion from the template: the document's own text is never dropped


def sections_edit(sections: list[ReviewedSection], edits: list[SectionEdit]) -> list[ReviewedSection]:
    """Rename, choose owners, reorder, then merge into the section above and split at a block: no text is lost."""
    renamed = [
        dataclasses.replace(s, heading=e.heading.strip()[:200] or s.heading, owner=e.owner)
        for s, e in zip(sections, edits, strict=True)
    ]
    # A section given a new place goes there, before the one that had it; the others keep their order.
    order = sorted(range(len(renamed)), key=lambda i: (edits[i].order, edits[i].order == i + 1, i))
    result: list[ReviewedSection] = []
    for i in order:
        section, edit = renamed[i], edits[i]
        if edit.remove and section.suggested:
            continue
        if edit.merge and result:
            before = result[-1]
            text = before.html + (f"<p><strong>{escape(section.heading)}</strong></p>" if section.html else "")
            result[-1] = dataclasses.replace(before, html=clean_html(text + section.html), suggested=False)
            continue
        blocks = section.blocks()
        if edit.split_at and 1 < edit.split_at <= len(blocks):
            first, rest = blocks[: edit.split_at - 1], blocks[edit.split_at - 1 :]
            result.append(dataclasses.replace(section, html="".join(first)))
            result.append(ReviewedSection(edit.split_heading.strip()[:200], "".join(rest), section.owner))
            continue
        result.append(section)
    return result


# --- Parties, the earlier agreement ------------------------------------------------------------------------


@dataclass
class UnknownUnit:
    """A police unit the text names that is not in the register, offered for creation under its district."""

    name: str
    district: Politidistrikt

    @property
    def key(self) -> str:
        return f"{self.district.pk}:{self.name}"


def unknown_police_units(parsed: ParsedAgreement, resolved: ResolvedParties, user) -> list[UnknownUnit]:
    """Named police units the register lacks, under the district the text (or its kommuner) places them in;
    only in districts the user may create a unit in (agreements/access.py)."""
    allowed = list(districts_for_new_police_unit(user))
    police = resolved.police.specific() if resolved.police is not None else None
    fallback = None
    if police is not None:
        fallback = police if police.kind == Party.Kind.POLITIDISTRIKT else police.district
    elif resolved.kommuner:
        fallback = resolved.kommuner[0].district
    units = []
    for mention in parsed.unknown_units:
        named = mention.district.strip().lower()
        district = next((d for d in allowed if named and named in (d.name.lower(), d.short_name.lower())), None)
        if district is None and fallback is not None and not named:
            district = next((d for d in allowed if d.pk == fallback.pk), None)
        if district is not None and mention.text not in [u.name for u in units]:
            units.append(UnknownUnit(mention.text[:200], district))
    return units


def unit_kind_for(name: str) -> str:
    lowered = name.lower()
    if "lensmann" in lowered:
        return PoliceUnit.UnitKind.LENSMANNSDISTRIKT
    if "tjenesteenhet" in lowered or "tenesteeining" in lowered:
        return PoliceUnit.UnitKind.TJENESTEENHET
    return PoliceUnit.UnitKind.POLITISTASJONSDISTRIKT


def police_unit_create(*, name: str, district: Politidistrikt, by) -> PoliceUnit:
    """A police unit the register lacked, under its district (the register in referencedata/ is partial)."""
    existing = PoliceUnit.objects.filter(name__iexact=name, district=district).first()
    if existing:
        return existing
    unit = PoliceUnit(name=name, district=district, unit_kind=unit_kind_for(name))
    unit.full_clean()
    unit.save()
    return unit


def earlier_agreement(user, *, police_party, kommuner, parsed: ParsedAgreement) -> Agreement | None:
    """The signed agreement in the register this text is, if any: the same parties (agreements_replaceable)
    and the same signing date or period."""
    if police_party is None or not kommuner:
        return None
    candidates = list(agreements_replaceable(user, police_party=police_party, kommuner=kommuner))
    if not candidates:
        return None
    signed = {
        a.pk: {s.signed_at.date() for s in a.signatures.all()}
        for a in Agreement.objects.filter(pk__in=[c.pk for c in candidates]).prefetch_related("signatures")
    }
    for candidate in candidates:
        same_signing = parsed.signed_on is not None and parsed.signed_on in signed[candidate.pk]
        same_period = parsed.period_start is not None and (candidate.period_start, candidate.period_end) == (
            parsed.period_start,
            parsed.period_end,
        )
        if same_signing or same_period:
            return candidate
    return None


def replaced_signing_text(parsed: ParsedAgreement, signed_on: datetime.date | None) -> str:
    """ "Erstatter avtale signert 11.02.2020 av Ida Hansen (ordfører, Bodø kommune) og …" (HTML-escaped)."""
    people = []
    for s in parsed.signatories:
        details = ", ".join(filter(None, [s.title, s.party]))
        people.append(escape(f"{s.name} ({details})" if s.name and details else s.name or details))
    people = [p for p in people if p]
    if signed_on is None and not people:
        return ""
    text = _("Erstatter avtale signert")
    if signed_on is not None:
        text += " " + date_format(signed_on, "d.m.Y")
    if people:
        names = people[0] if len(people) == 1 else f"{', '.join(people[:-1])} {_('og')} {people[-1]}"
        text += f" {_('av')} {names}"
    return text + "."


# --- Creating the draft -------------------------------------------------------------------------------------


def agreement_import(
    parsed: ParsedAgreement,
    *,
    created_by,
    police_party=None,
    kommuner=None,
    resolved: ResolvedParties | None = None,
    invite=(),
    sections: list[ReviewedSection] | None = None,
    malform: str | None = None,
    period: tuple[datetime.date | None, datetime.date | None] | None = None,
    signed_on: datetime.date | None = None,
    replaces: Agreement | None = None,
    original: tuple[str, bytes] | None = None,
) -> Agreement:
    """Create a draft agreement from a parsed (and reviewed) one; parties given here override those the text names.
    The kommuner in `invite` are invited (see agreement_create) instead of taking part at once.

    The draft is made from the police district's template (else the national one) through ``agreement_create``,
    but only with the template sections the imported text fills (or the reviewer added as suggestions): a
    section the old agreement lacked is offered on the review page, never forced into the draft. A section
    that fills a template section takes its heading and text as local text, and its box (standard text) is
    emptied, because the imported text is the whole section as the parties wrote it; a suggestion keeps the
    template's box and guidance, is marked ``suggested`` and is local, so its owner can remove it. Sections
    without a match are local sections. Every imported text is recorded as a revision by `created_by`;
    `original` (name, bytes) is kept as an attachment, and the earlier signing as a history line.
    Queries do not grow with the number of sections (bulk writes).
    """
    resolved = resolved or resolve_parties(parsed)
    police_party = police_party or resolved.police
    invite = list(invite)
    kommuner = list(kommuner or []) if kommuner or invite else resolved.kommuner
    if police_party is None or not (kommuner or invite):
        raise MissingParties(police=police_party is None, kommuner=not (kommuner or invite))
    template = template_for_import(police_party)
    if sections is None:
        sections = sections_found(parsed, template)
    period_start, period_end = period if period is not None else (parsed.period_start, parsed.period_end)
    signed_on = signed_on if signed_on is not None else parsed.signed_on

    with transaction.atomic():
        agreement = agreement_create(
            police_party=police_party,
            kommuner=kommuner,
            invite=invite,
            created_by=created_by,
            template=template,
            malform=malform or parsed.malform,
            period_start=period_start,
            period_end=period_end,
            replaces=replaces,
            template_sections=[s.template_section for s in sections if s.template_section],
        )
        frame = {s.template_section_id: s for s in agreement.sections.all()}
        placed: list[AgreementSection] = []
        recorded: list[tuple[AgreementSection, str]] = []
        for reviewed in sections:
            target = frame.pop(reviewed.template_section, None) if reviewed.template_section else None
            if target is not None and reviewed.suggested:
                target.heading, target.owner = reviewed.heading[:200], reviewed.owner
                target.is_local = target.suggested = True
            elif target is not None:
                target.heading, target.owner, target.standard_text = reviewed.heading[:200], reviewed.owner, ""
                if reviewed.html:
                    target.local_text, target.version = clean_html(reviewed.html), target.version + 1
                    target.updated_by = created_by
                    recorded.append((target, SectionRevision.Action.EDITED))
            else:
                target = AgreementSection(
                    agreement=agreement,
                    order=0,
                    heading=reviewed.heading[:200],
                    owner=reviewed.owner,
                    is_local=True,
                    local_text=clean_html(reviewed.html),
                    updated_by=created_by,
                )
                recorded.append((target, SectionRevision.Action.ADDED))
            placed.append(target)
        for order, section in enumerate(placed, start=1):
            section.order = order
        AgreementSection.objects.bulk_create([s for s in placed if s.pk is None])
        AgreementSection.objects.bulk_update(
            [s for s in placed if s.template_section_id],
            [
                "order",
                "heading",
                "owner",
                "is_local",
                "suggested",
                "standard_text",
                "local_text",
                "version",
                "updated_by",
            ],
        )
        SectionRevision.objects.bulk_create(
            SectionRevision(
                agreement=agreement,
                section=s,
                version=s.version,
                action=action,
                heading=s.heading,
                text=s.local_text,
                created_by=created_by,
            )
            for s, action in recorded
        )
        history = replaced_signing_text(parsed, signed_on)
        if original is not None:
            name, content = original
            _keep_original(agreement, name=name, content=content, by=created_by)
            heading = _("Importert fra %(name)s") % {"name": name}
        else:
            heading = _("Importert fra fil")
        if history or original is not None:
            agreement.log(SectionRevision.Action.IMPORTED, heading=heading[:200], by=created_by, text=history)
    return agreement


def _keep_original(agreement: Agreement, *, name: str, content: bytes, by) -> Attachment:
    extension = PurePath(name).suffix.lower()
    attachment = Attachment(
        agreement=agreement,
        title=_("Opprinnelig avtale (importert fil)"),
        original_name=name,
        content_type=CONTENT_TYPES_READ.get(extension, "application/octet-stream"),
        size=len(content),
        uploaded_by=by,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def import_review_keep(review: ImportReview, *, sections: list[ReviewedSection], choices: dict) -> None:
    """Keep the reviewer's work so far, so nothing is lost between requests: the sections as edited and the page's
    other choices (`choices`: the posted values, forms_import.stored_choices)."""
    review.review = {"sections": [dataclasses.asdict(s) for s in sections], "choices": choices}
    review.save(update_fields=["review"])


def import_review_discard(review: ImportReview) -> None:
    """Throw a pending import away: the review, and its uploaded file once the removal is committed."""
    name, storage = review.file.name, review.file.storage
    with transaction.atomic():
        review.delete()
        transaction.on_commit(lambda: storage.delete(name))


@dataclass
class ReviewChoices:
    """What the reviewer confirmed on the review page."""

    police_party: Party | None
    kommuner: list[Kommune]
    sections: list[ReviewedSection]
    malform: str
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    signed_on: datetime.date | None = None
    replaces: Agreement | None = None
    new_units: list[UnknownUnit] = field(default_factory=list)


class NotAParty(PermissionDenied):
    """The reviewer acts for none of the chosen parties."""


@transaction.atomic
def import_review_confirm(*, review: ImportReview, by, choices: ReviewChoices) -> Agreement:
    """The reviewed import becomes a draft: unknown police units the reviewer chose are created under their
    district, the kommuner the reviewer does not act for are invited, the review is marked done."""
    review = ImportReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ImportReview.Status.READY:
        raise ValidationError(_("Denne importen er allerede fullført."))
    police_party = choices.police_party
    for unit in choices.new_units:
        created = police_unit_create(name=unit.name, district=unit.district, by=by)
        police_party = police_party or created
    if police_party is None or not choices.kommuner:
        raise MissingParties(police=police_party is None, kommuner=not choices.kommuner)
    acted_for = set(parties_acted_for(by).values_list("pk", flat=True))
    police = police_party.specific()
    district_pk = police.pk if police.kind == Party.Kind.POLITIDISTRIKT else police.district_id
    if not acted_for & {police_party.pk, district_pk, *(k.pk for k in choices.kommuner)}:
        raise NotAParty
    joining, invited = split_by_acting(by, choices.kommuner)
    with review.file.open("rb") as content:
        original = (review.original_name, content.read())
    agreement = agreement_import(
        parsed_from_json(review.found),
        created_by=by,
        police_party=police_party,
        kommuner=joining,
        invite=invited,
        sections=choices.sections,
        malform=choices.malform,
        period=(choices.period_start, choices.period_end),
        signed_on=choices.signed_on,
        replaces=choices.replaces,
        original=original,
    )
    review.status, review.agreement = ImportReview.Status.DONE, agreement
    review.save(update_fields=["status", "agreement"])
    return agreement
