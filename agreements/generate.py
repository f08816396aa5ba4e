"""The agreements step of `generate_national` (samarbeid/generate.py): ten years of agreements per cooperation.

Each cooperation gets a chain of signed agreements, each replacing the one before (two to four since ten years
ago), ending in one of the fates oversight shows: current, current with a revision being written or signed,
due for revision after a kommunevalg, expiring within six months, expired; a few have only a first draft or
nothing. Rows are written in the order the immutability triggers allow (agreements/immutability.py): every row
of an agreement while it is a draft, then "sendt til signering", the signing round with the content's real
SHA-256 (`signing.content_hash`) and each signatory's signature (the ordfører of each kommune on that day and the
police unit's leader), and only then "signert" or "erstattet" — with a StatusChange for every step. Grants are
the services' own: `grant_agreement` for every agreement and SIGNATORY_POLICY for every one sent for signature.
No sealed PDF is produced (the worker seals a signed agreement; rendering a thousand is not the point here).
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import override

from agreements.access import grant_agreement
from agreements.default_template import template_for_district
from agreements.models import (
    Agreement,
    AgreementKommune,
    AgreementSection,
    AgreementTemplate,
    Expectation,
    FocusArea,
    PresenceCommitment,
    SectionRevision,
    Signature,
    SigningRound,
    StatusChange,
)
from agreements.signing import SIGNATORY_POLICY, content_hash
from samarbeid.demo import DEMO_UNITS
from samarbeid.generate import BATCH, LEADER_ROLE, Cooperation, Generation, Holder, insert
from samarbeid.models import Malform, Role
from samarbeid.permissions import grant

FATES = [
    ("current", 34),
    ("current_revising", 14),
    ("current_until_revised", 8),
    ("revision_due", 14),
    ("expiring", 8),
    ("expired", 11),
    ("first_draft", 6),
    ("none", 5),
]
NUMBER_WORDS = {2: "to", 3: "tre", 4: "fire", 5: "fem"}
FOCUS = [
    "Rus blant unge",
    "Vold i nære relasjoner",
    "Radikalisering og voldelig ekstremisme",
    "Nettmobbing",
    "Trygghet i sentrum",
    "Beredskap og samfunnssikkerhet",
    "Utsatte familier",
]
EXPECTATIONS = [
    (Expectation.Direction.FROM_KOMMUNE, "Politiet deltar i politirådet og SLT-arbeidet med fast representant."),
    (Expectation.Direction.FROM_KOMMUNE, "Politikontakten er synlig i kommunen og kjent for skolene."),
    (Expectation.Direction.FROM_POLICE, "Kommunen tar initiativ fra politiet videre til politisk behandling."),
    (Expectation.Direction.FROM_POLICE, "Kommunen setter av ressurser til det forebyggende arbeidet."),
]


@dataclass
class Planned:
    """One agreement of a chain as it will be written."""

    coop: Cooperation
    index: int
    created: datetime.date
    period_start: datetime.date | None
    period_end: datetime.date | None
    final: str  # Agreement.Status at the end
    sent: datetime.date | None = None
    signatures: int = 0  # how many parties have signed (all, for a signed one)
    min_meetings: int = 2
    notice_days: int = 7
    revise_after_valg: bool = False
    council_case: tuple[str, datetime.date | None] = ("", None)
    agreement: Agreement | None = None
    signed_at: list[datetime.datetime] = field(default_factory=list)


def _fate(gen: Generation, coop: Cooperation) -> str:
    """What became of the cooperation's agreements; the demo's kommuner (Randaberg, Moss, Luster …) have one, as in
    the seeds — which also keeps the demo districts' pages alike at every --kommuner."""
    fates = [(fate, weight) for fate, weight in FATES if fate != "none" or not _in_demo_unit(coop)]
    return gen.rng.choices([f for f, _ in fates], weights=[w for _, w in fates])[0]


DEMO_KOMMUNER = {number for *_, numbers in DEMO_UNITS for number in numbers}


def _in_demo_unit(coop: Cooperation) -> bool:
    return any(kommune.number in DEMO_KOMMUNER for kommune in coop.kommuner)


def _chain(gen: Generation, coop: Cooperation) -> list[Planned]:
    """The agreements of one cooperation, oldest first."""
    rng, today, first = gen.rng, gen.today, datetime.date(gen.first_year, 1, 15)
    fate = _fate(gen, coop)
    if fate == "none":
        return []
    terms = {
        "min_meetings": rng.choice([2, 4, 4, 4, 5]),
        "notice_days": rng.choice([7, 7, 7, 14]),
        "revise_after_valg": rng.random() < 0.3,
    }
    plans: list[Planned] = []
    if fate != "first_draft":
        end: datetime.date | None
        if fate.startswith("current"):
            last = gen.day_between(datetime.date(2023, 11, 1), today - datetime.timedelta(days=60))
            end = None if fate == "current_until_revised" else datetime.date(last.year + 3, 12, 31)
            if end is not None and end < today + datetime.timedelta(days=200):
                end = datetime.date(end.year + 1, 12, 31)
        elif fate == "revision_due":
            last, end = gen.day_between(datetime.date(2020, 1, 1), datetime.date(2023, 6, 30)), None
        elif fate == "expiring":
            end = today + datetime.timedelta(days=rng.randint(20, 170))
            last = end - datetime.timedelta(days=3 * 365 + rng.randint(-60, 60))
        else:  # expired
            end = today - datetime.timedelta(days=rng.randint(40, 900))
            last = max(first + datetime.timedelta(days=400), end - datetime.timedelta(days=3 * 365))
        count = min(rng.choice([2, 3, 4, 4]), 1 + (last - first).days // 500)
        days = [first + (last - first) * j // max(1, count - 1) for j in range(count - 1)]
        days = [d + datetime.timedelta(days=rng.randint(0, 60)) for d in days] + [last]
        for index, day in enumerate(days):
            is_last = index == len(days) - 1
            if is_last:
                period_end = end
            else:
                period_end = None if rng.random() < 0.4 else days[index + 1] - datetime.timedelta(days=1)
            plans.append(_signed(gen, coop, index, day, period_end, replaced=not is_last, **terms))
    if fate in ("current_revising", "first_draft"):
        created = today - datetime.timedelta(days=rng.randint(10, 120))
        start = datetime.date(today.year + 1, 1, 1)
        plan = Planned(
            coop, len(plans), created, start, datetime.date(start.year + 2, 12, 31), Agreement.Status.DRAFT, **terms
        )
        if rng.random() < 0.5:
            plan.final = Agreement.Status.SENT
            plan.sent = created + datetime.timedelta(days=rng.randint(3, 9))
            plan.signatures = rng.randint(0, len(coop.kommuner))  # the police signs last
        plans.append(plan)
    return plans


def _signed(gen: Generation, coop, index, signed_on, period_end, *, replaced: bool, **terms) -> Planned:
    rng = gen.rng
    sent = signed_on - datetime.timedelta(days=rng.randint(4, 20))
    plan = Planned(
        coop,
        index,
        created=sent - datetime.timedelta(days=rng.randint(30, 150)),
        period_start=signed_on,
        period_end=period_end,
        final=Agreement.Status.REPLACED if replaced else Agreement.Status.SIGNED,
        sent=sent,
        signatures=len(coop.kommuner) + 1,
        **terms,
    )
    if rng.random() < 0.5:
        plan.council_case = (f"{signed_on.year}/{rng.randint(10, 180)}", sent - datetime.timedelta(days=3))
    return plan


def _local_text(plan: Planned, heading: str, malform: str) -> str:
    """The parties' own text in a section ("skreddersøm"), carrying the rules oversight reads."""
    nn = malform == Malform.NYNORSK
    lowered = heading.lower()
    if lowered.startswith("politiråd"):
        n, d = NUMBER_WORDS[plan.min_meetings], plan.notice_days
        if nn:
            text = f"<p>Politirådet skal ha minimum {n} møte i året. Innkalling med saksliste vert send seinast {d} "
            text += "dagar før møtet.</p>"
        else:
            text = f"<p>Politirådet skal ha minimum {n} møter i året. Innkalling med saksliste sendes senest {d} "
            text += "dager før møtet.</p>"
        if plan.revise_after_valg:
            text += (
                "<p>Avtalen vert revidert etter kvart kommuneval.</p>"
                if nn
                else ("<p>Avtalen revideres etter hvert kommunevalg.</p>")
            )
        return text
    if lowered.startswith("slt"):
        name = plan.coop.host.name
        return f"<p>SLT-koordinatoren i {name} leier arbeidet på koordineringsnivået.</p>"
    return ""


def generate_agreements(gen: Generation) -> dict[str, int]:
    templates: dict[int, AgreementTemplate] = {}
    chains = [_chain(gen, coop) for coop in gen.cooperations]
    everything = [plan for chain in chains for plan in chain]
    by_level = max((len(chain) for chain in chains), default=0)
    for level in range(by_level):
        batch = [chain[level] for chain in chains if len(chain) > level]
        rows = []
        for plan in batch:
            district = plan.coop.unit.district_id
            if district not in templates:
                templates[district] = template_for_district(plan.coop.unit.district)
            previous = chains[gen.cooperations.index(plan.coop)][level - 1].agreement if level else None
            creator = _holder(gen, plan.coop.host, Role.SLT_KOORDINATOR, plan.created)
            rows.append(
                Agreement(
                    template=templates[district],
                    police_party_id=plan.coop.unit.pk,
                    status=Agreement.Status.DRAFT,
                    period_start=plan.period_start,
                    period_end=plan.period_end,
                    malform=plan.coop.host.default_malform,
                    replaces=previous,
                    council_case_number=plan.council_case[0],
                    council_decision_date=plan.council_case[1],
                    created_at=gen.at(plan.created, 10),
                    created_by=creator.user,
                    updated_by=creator.user,
                )
            )
        Agreement.objects.bulk_create(rows, batch_size=BATCH)
        for plan, row in zip(batch, rows, strict=True):
            plan.agreement = row
    _parts(gen, everything, templates)
    rounds, signatures = _sign(gen, everything)
    for plan in everything:
        grant_agreement(plan.agreement)
        if plan.sent:
            grant(plan.agreement, plan.agreement.parties(), SIGNATORY_POLICY)
    shown = {}
    for coop, chain in zip(gen.cooperations, chains, strict=True):
        signed = [p for p in chain if p.final == Agreement.Status.SIGNED]
        pick = signed[-1] if signed else (chain[-1] if chain else None)
        shown[coop.key] = (pick.agreement, pick.min_meetings) if pick else (None, 2)
    gen.data["agreements"] = shown
    signed = sum(p.final in (Agreement.Status.SIGNED, Agreement.Status.REPLACED) for p in everything)
    return {"avtaler": len(everything), "signeringsrunder": rounds, "signaturer": signatures, "signerte": signed}


def _holder(gen: Generation, party, role: str, day: datetime.date) -> Holder:
    holder = gen.holder(party, role, day) or gen.holder(party, role)
    if holder is None:
        raise RuntimeError(f"no {role} in {party}")
    return holder


def _parts(gen: Generation, plans: list[Planned], templates) -> None:
    """Every row that makes up each agreement, written while it is a draft."""
    section_templates = {pk: list(t.sections.order_by("order", "pk")) for pk, t in templates.items()}
    links, sections, presence, expectations, focus = [], [], [], [], []
    for plan in plans:
        agreement = plan.agreement
        links += [AgreementKommune(agreement=agreement, kommune=k) for k in plan.coop.kommuner]
        complete = plan.final != Agreement.Status.DRAFT or gen.rng.random() < 0.5
        for ts in section_templates[plan.coop.unit.district_id]:
            texts = ts.in_malform(agreement.malform)
            local = _local_text(plan, texts["heading"], agreement.malform) if complete else ""
            sections.append(
                AgreementSection(
                    agreement=agreement,
                    template_section=ts,
                    order=ts.order,
                    kind=ts.kind,
                    owner=ts.owner,
                    local_text=local,
                    version=2 if local else 1,
                    updated_by=agreement.created_by,
                    **texts,
                )
            )
        if complete:
            for kommune in plan.coop.kommuner:
                presence.append(
                    PresenceCommitment(
                        agreement=agreement,
                        kommune=kommune,
                        times=gen.rng.choice([1, 1, 2]),
                        per=gen.rng.choice([PresenceCommitment.Per.WEEK, PresenceCommitment.Per.MONTH]),
                        place=f"Rådhuset i {kommune.admin_centre or kommune.name}",
                    )
                )
            expectations += [
                Expectation(agreement=agreement, direction=direction, order=order, text=text)
                for order, (direction, text) in enumerate(gen.rng.sample(EXPECTATIONS, 2), start=1)
            ]
            focus += [
                FocusArea(agreement=agreement, order=order, title=title)
                for order, title in enumerate(gen.rng.sample(FOCUS, 3), start=1)
            ]
    AgreementKommune.objects.bulk_create(links, batch_size=BATCH)
    insert(AgreementSection, sections)
    PresenceCommitment.objects.bulk_create(presence, batch_size=BATCH)
    Expectation.objects.bulk_create(expectations, batch_size=BATCH)
    FocusArea.objects.bulk_create(focus, batch_size=BATCH)
    revisions = []
    by_agreement = {plan.agreement.pk: plan for plan in plans}
    for section in sections:
        plan = by_agreement[section.agreement_id]
        created = plan.agreement.created_at
        revisions.append(
            SectionRevision(
                agreement_id=section.agreement_id,
                section=section,
                version=1,
                action=SectionRevision.Action.CREATED,
                heading=section.heading,
                text="",
                created_at=created,
                created_by=plan.agreement.created_by,
            )
        )
        if section.local_text:
            revisions.append(
                SectionRevision(
                    agreement_id=section.agreement_id,
                    section=section,
                    version=2,
                    action=SectionRevision.Action.EDITED,
                    heading=section.heading,
                    text=section.local_text,
                    created_at=created + datetime.timedelta(days=7),
                    created_by=plan.agreement.created_by,
                )
            )
    insert(SectionRevision, revisions)


def _sign(gen: Generation, plans: list[Planned]) -> tuple[int, int]:
    """Send for signature, sign, and only then lock: the order the triggers allow."""
    sent = [plan for plan in plans if plan.sent]
    changes = [
        StatusChange(
            agreement=p.agreement,
            from_status=Agreement.Status.DRAFT,
            to_status=Agreement.Status.SENT,
            created_at=gen.at(p.sent, 11),
            created_by=p.agreement.created_by,
        )
        for p in sent
    ]
    Agreement.objects.filter(pk__in=[p.agreement.pk for p in sent]).update(status=Agreement.Status.SENT)
    rounds, signatures = [], []
    with override("nb"):
        for plan in sent:
            agreement = plan.agreement
            agreement.status = Agreement.Status.SENT
            digest = content_hash(agreement)
            signing_round = SigningRound(
                agreement=agreement, content_hash=digest, sent_at=gen.at(plan.sent, 11), sent_by=agreement.created_by
            )
            parties = [(k, Role.ORDFORER) for k in plan.coop.kommuner]
            parties.append((plan.coop.unit, LEADER_ROLE[plan.coop.unit.unit_kind]))
            day = plan.sent
            for party, role in parties[: plan.signatures]:
                day = min(day + datetime.timedelta(days=gen.rng.randint(0, 3)), gen.today)
                holder = _holder(gen, party, role, day)
                signed_at = gen.at(day, gen.rng.randint(8, 15), gen.rng.randint(0, 59))
                plan.signed_at.append(signed_at)
                signatures.append(
                    Signature(
                        round=signing_round,
                        agreement=agreement,
                        party_id=party.pk,
                        user=holder.user,
                        role=role,
                        name=holder.person.name,
                        title=holder.title or str(Role(role).label),
                        place=getattr(party, "admin_centre", "") or party.name.split()[0],
                        signed_at=signed_at,
                        content_hash=digest,
                        authentication=[
                            {"method": "mfa", "type": "totp", "reauthenticated": True, "at": int(signed_at.timestamp())}
                        ],
                    )
                )
            if plan.final != Agreement.Status.SENT:
                signing_round.completed_at = plan.signed_at[-1]
            rounds.append(signing_round)
    SigningRound.objects.bulk_create(rounds, batch_size=BATCH)
    Signature.objects.bulk_create(signatures, batch_size=BATCH)
    signed = [p for p in sent if p.final in (Agreement.Status.SIGNED, Agreement.Status.REPLACED)]
    last_signer = {s.agreement_id: s.user for s in signatures}
    successor = {p.agreement.replaces_id: p for p in signed if p.agreement.replaces_id}
    for plan in signed:
        at, by = plan.signed_at[-1], last_signer[plan.agreement.pk]
        changes.append(
            StatusChange(
                agreement=plan.agreement,
                from_status=Agreement.Status.SENT,
                to_status=Agreement.Status.SIGNED,
                created_at=at,
                created_by=by,
            )
        )
        if plan.final == Agreement.Status.REPLACED:
            newer = successor[plan.agreement.pk]
            on = timezone.localdate(newer.signed_at[-1]).strftime("%d.%m.%Y")
            changes.append(
                StatusChange(
                    agreement=plan.agreement,
                    from_status=Agreement.Status.SIGNED,
                    to_status=Agreement.Status.REPLACED,
                    reason=f"Erstattet av revidert avtale signert {on}",
                    created_at=newer.signed_at[-1],
                    created_by=last_signer[newer.agreement.pk],
                )
            )
    StatusChange.objects.bulk_create(changes, batch_size=BATCH)
    for status in (Agreement.Status.SIGNED, Agreement.Status.REPLACED):
        ids = [p.agreement.pk for p in signed if p.final == status]
        Agreement.objects.filter(pk__in=ids, status=Agreement.Status.SENT).update(status=status)
        for plan in signed:
            if plan.final == status:
                plan.agreement.status = status
    return len(rounds), len(signatures)
