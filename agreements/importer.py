"""Creating a draft agreement from an imported one (the reading is ``agreements.importing``).

``resolve_parties`` and ``agreement_import`` (database) find the named parties and create the agreement from
the ``ParsedAgreement`` that ``parse_agreement`` returns.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from agreements.importing import (  # noqa: F401 (the reading pipeline's contract, used by callers through here)
    ParsedAgreement,
    ParsedSection,
    PartyMention,
    Signatory,
    decode_text,
    parse_agreement,
    parse_document,
    parse_text,
    read,
)
from agreements.importing.text import norm as _norm
from agreements.models import AgreementSection, Owner, SectionRevision
from agreements.services import agreement_create
from samarbeid.models import Kommune, Party, PoliceUnit, Politidistrikt

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
    """The name, and for "Luster og Sogn lensmannsdistrikt" (two parties run together) the last one."""
    return [name, name.rsplit(" og ", 1)[1]] if " og " in name else [name]


def _any_name(names: list[str]) -> Q:
    query = Q()
    for name in names:
        query |= Q(name__iexact=name) | Q(name_nn__iexact=name)
    return query


# --- Creating the agreement --------------------------------------------------------------------------


class MissingParties(Exception):
    """The text does not name (resolvable) parties and the caller gave none."""

    def __init__(self, *, police: bool, kommuner: bool):
        super().__init__(f"missing police={police} kommuner={kommuner}")
        self.police = police
        self.kommuner = kommuner


def _heading_key(heading: str) -> str:
    return _norm(re.sub(r"\(.*?\)", "", heading))


def _heading_similarity(a: str, b: str) -> float:
    a, b = _heading_key(a), _heading_key(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if a.startswith(b) or b.startswith(a):
        return 0.9
    return difflib.SequenceMatcher(a=a, b=b).ratio()


def agreement_import(
    parsed: ParsedAgreement, *, created_by, police_party=None, kommuner=None, resolved: ResolvedParties | None = None,
    invite=(),
):  # fmt: skip
    """Create a draft agreement from a parsed one; parties given here override those the text names.
    The kommuner in `invite` are invited (see agreement_create) instead of taking part at once.

    How imported sections map onto the template: the agreement is created with ``agreement_create`` from the
    police district's template (else the national one), so it gets the frame's owners, structured parts
    and the parties' permissions like any other agreement. Each imported section then goes into the
    template section whose heading is most alike (same words once numbering and parentheses are dropped,
    one a prefix of the other — "Organiseringa til politiet i Sogn lensmannsdistrikt" — or a string
    similarity of at least 0.8): that section takes the imported heading and the imported text as its
    local text, and its box (standard text) is emptied, because the imported text is the whole section as
    the parties wrote it, box text included; today's box above it would show text twice or words the old
    agreement never had. An imported section without a match becomes a local section (owner: felles).
    Sections are ordered as in the document; template sections nothing matched stay, with their box, as
    frames after their predecessor in the template: an imported agreement is the draft of the next
    revision, and those are the district's current parts the parties are expected to fill.
    Every imported text is recorded as a revision by `created_by`. Title, signing date, signatories and the
    preamble (text between the title and the first heading, e.g. Moss's note on boxed text) are not stored:
    the title is generated from the parties, boxes are explicit here, and the revised draft is signed anew.
    Queries do not grow with the number of sections (bulk writes).
    """
    resolved = resolved or resolve_parties(parsed)
    police_party = police_party or resolved.police
    invite = list(invite)
    kommuner = list(kommuner or []) if kommuner or invite else resolved.kommuner
    if police_party is None or not (kommuner or invite):
        raise MissingParties(police=police_party is None, kommuner=not (kommuner or invite))

    with transaction.atomic():
        agreement = agreement_create(
            police_party=police_party, kommuner=kommuner, invite=invite, created_by=created_by,
            malform=parsed.malform, period_start=parsed.period_start, period_end=parsed.period_end,
        )  # fmt: skip
        frame = list(agreement.sections.order_by("order", "pk"))
        matched: set[int] = set()
        placed: list[AgreementSection] = []  # where each imported section went, in document order
        recorded: list[tuple[AgreementSection, str]] = []
        for imported in parsed.sections:
            candidates = [(_heading_similarity(imported.heading, s.heading), s) for s in frame if s.pk not in matched]
            score, target = max(candidates, key=lambda pair: pair[0], default=(0.0, None))
            if target is not None and score >= 0.8:
                matched.add(target.pk)
                target.heading, target.standard_text = imported.heading[:200], ""
                if imported.html:
                    target.local_text, target.version, target.updated_by = imported.html, target.version + 1, created_by
                    recorded.append((target, SectionRevision.Action.EDITED))
            else:
                target = AgreementSection(
                    agreement=agreement, order=0, heading=imported.heading[:200], owner=Owner.FELLES, is_local=True,
                    local_text=imported.html, updated_by=created_by,
                )  # fmt: skip
                recorded.append((target, SectionRevision.Action.ADDED))
            placed.append(target)
        # Template sections nothing matched go after the template section before them (and after the local
        # sections imported right behind that one, so the document's own runs stay together).
        anchor = None
        for section in frame:
            if section.pk not in matched:
                index = placed.index(anchor) + 1 if anchor else 0
                while anchor and index < len(placed) and placed[index].pk is None:
                    index += 1
                placed.insert(index, section)
            anchor = section
        for order, section in enumerate(placed, start=1):
            section.order = order
        AgreementSection.objects.bulk_create([s for s in placed if s.pk is None])
        AgreementSection.objects.bulk_update(
            frame, ["order", "heading", "standard_text", "local_text", "version", "updated_by"]
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
            )  # fmt: skip
            for s, action in recorded
        )
    return agreement
