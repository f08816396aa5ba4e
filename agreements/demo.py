"""Demo step: the structured parts the seed agreements state (presence, expectations, focus areas), and the
Vest district's own template for its malansvarlig. Idempotent; agreements not (yet) imported are skipped.
Then agreements in force for the task list (``create_demo_agreements_in_force``), and a first review in Moss's
draft: the politikontakt has gone through one of the kommune's sections, the rest wait for review.
"""

import datetime
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.db import transaction
from django.utils import timezone

from agreements.access import review_parties
from agreements.default_template import ensure_national_template
from agreements.models import Agreement, Expectation, FocusArea, PresenceCommitment
from agreements.reviewing import unreviewed_sections
from agreements.services import agreement_create, section_review, template_create_for_district
from agreements.signing import agreement_send_for_signature, agreement_sign
from samarbeid.demo import DEMO_PEOPLE
from samarbeid.models import Kommune, PoliceUnit, Politidistrikt, User

FROM_KOMMUNE, FROM_POLICE = Expectation.Direction.FROM_KOMMUNE, Expectation.Direction.FROM_POLICE
WEEK, QUARTER = PresenceCommitment.Per.WEEK, PresenceCommitment.Per.QUARTER

# kommunenummer of the agreement → (presence per kommunenummer, expectations, focus areas), from the seeds.
SEED_PARTS = {
    "3103": (
        {"3103": [dict(times=1, per=WEEK, note="Politiråd, SLT og dialogmøte med kommunestyret én gang i året.")]},
        [
            (
                FROM_KOMMUNE,
                "Anbefalinger og vedtak i politirådet blir gjennomført, og gode kriminalitetsforebyggende "
                "tiltak får nødvendig oppmerksomhet.",
            ),
            (
                FROM_POLICE,
                "Initiativ fra politiet tas videre til politisk behandling, for eksempel politivedtekter, "
                "barnevern, trafikale forhold og ruspolitisk handlingsplan.",
            ),
        ],
        [
            ("«Utsett!»", "Foreldrerettet rusforebyggende program på ungdomsskolene."),
            ("Ungdomskontakt", "Moss kommune utreder behovet for oppsøkende ungdomsarbeid."),
            ("Årlig SLT-fagdag", "Fagdag for førstelinjen, for eksempel om cannabis."),
            ("Forebygge cannabisbruk og utprøving", ""),
        ],
    ),
    "1127": (
        {
            "1127": [dict(times=2, per=WEEK, place="Randaberg lensmannskontor", note="Åpent minst to dager i uken.")],
            "1144": [dict(times=1, per=QUARTER, place="Kvitsøy", note="Kommunen stiller med kontor.")],
        },
        [],
        [
            ("Forebygging av radikalisering og voldelig ekstremisme", ""),
            ("Vold i nære relasjoner", ""),
            ("Beredskap og samfunnssikkerhet", ""),
            ("Gjensidig informasjon og dialog rundt aktuelle planer", ""),
        ],
    ),
    "4644": (
        {},
        [
            (FROM_KOMMUNE, "Medverka i SLT-arbeidet, særleg inn mot barn og unge."),
            (FROM_KOMMUNE, "Kort responstid."),
            (FROM_KOMMUNE, "Særskilt fokus på 10. klasse og overgang til hybel og vidaregåande skule."),
            (FROM_POLICE, "Kommunen set av nok ressursar til det førebyggjande arbeidet."),
            (FROM_POLICE, "Kommunen deltek i samarbeidsfora med politiet."),
        ],
        [
            ("Kunnskap og kompetanse om oppvekst og kriminalitetsbiletet", ""),
            ("Eit trygt og inkluderande miljø for barn og unge", ""),
            ("Tett oppfølging av utsette grupper", ""),
        ],
    ),
}


@transaction.atomic
def create_demo_agreement_parts() -> None:
    ensure_national_template()
    admin = User.objects.get(email=next(p.email for p in DEMO_PEOPLE if p.key == "vest_malansvarlig"))
    template_create_for_district(Politidistrikt.objects.get(short_name="Vest"), by=admin)
    for number, (presence, expectations, focus_areas) in SEED_PARTS.items():
        agreement = Agreement.objects.filter(kommuner__number=number).order_by("pk").first()
        if agreement is None or not agreement.is_editable:
            continue
        kommuner = {k.number: k for k in Kommune.objects.filter(number__in=presence)}
        if not agreement.presence_commitments.exists():
            for kommune_number, rows in presence.items():
                if agreement.kommuner.filter(number=kommune_number).exists():
                    for row in rows:
                        PresenceCommitment.objects.create(agreement=agreement, kommune=kommuner[kommune_number], **row)
        if not agreement.expectations.exists():
            Expectation.objects.bulk_create(
                Expectation(agreement=agreement, direction=direction, order=order, text=text)
                for order, (direction, text) in enumerate(expectations, start=1)
            )
        if not agreement.focus_areas.exists():
            FocusArea.objects.bulk_create(
                FocusArea(agreement=agreement, order=order, title=title, description=description)
                for order, (title, description) in enumerate(focus_areas, start=1)
            )
    create_demo_negotiation()


def create_demo_negotiation() -> None:
    """On Moss's draft: the politikontakt proposes a sentence for a kommune section (a task for Moss kommune's
    editors to answer) and comments on the focus areas, mentioning the SLT-koordinator."""
    from agreements.models import Owner
    from agreements.negotiation import comment_thread_create, proposal_create

    agreement = Agreement.objects.filter(kommuner__number="3103", status=Agreement.Status.DRAFT).order_by("pk").first()
    if agreement is None or agreement.change_proposals.exists():
        return
    users = _demo_users()
    police = agreement.police_party
    section = agreement.sections.filter(owner=Owner.KOMMUNE).order_by("order", "pk").first()
    if section is not None:
        proposal_create(
            section=section,
            party=police,
            by=users["moss_politikontakt"],
            text=section.local_text + "<p>Kommunen varsler politikontakten før større arrangementer.</p>",
            explanation="Da kan vi planlegge tilstedeværelsen sammen.",
        )
    comment_thread_create(
        agreement=agreement,
        party=police,
        by=users["moss_politikontakt"],
        part="fokusomrader",
        body="@slt-koordinator: Skal cannabisforebygging stå som eget fokusområde, eller under «Utsett!»?",
    )


# --- Agreements in force, for the task list: one due for revision, one expiring, one waiting for signatures -------

DEMO_SIGNED = [
    # (kommunenummer, police unit, period start, days until it ends (None: until revised), signatories, place)
    (
        "1144",
        "Tjenesteenhet Stavanger",
        datetime.date(2023, 6, 1),
        None,
        ["kvitsoy_ordforer", "stavanger_leder"],
        "Kvitsøy",
    ),
    ("4644", "Sogn lensmannsdistrikt", datetime.date(2022, 1, 1), 120, ["luster_ordforer", "sogn_lensmann"], "Gaupne"),
]


def _demo_users() -> dict[str, User]:
    return {p.key: User.objects.get(email=p.email) for p in DEMO_PEOPLE}


def _sign_for_demo(agreement: Agreement, signers: list[User], place: str) -> None:
    """Sign through the signing service. The demo people have no authenticator (they log in with a password),
    so each gets one for the moment of signing and confirms with a real code from it, then loses it again; the
    signing log states that TOTP confirmation, and no login the demo did not make."""
    agreement_send_for_signature(agreement, by=signers[0])
    for user in signers:
        secret = generate_totp_secret()
        code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
        if not TOTP.activate(user, secret).validate_code(code):
            raise RuntimeError("the demo's TOTP code was refused")
        agreement.refresh_from_db()
        agreement_sign(
            agreement,
            by=user,
            place=place,
            signed_hash=agreement.signing_rounds.last().content_hash,
            authentication=[{"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True}],
        )
        Authenticator.objects.filter(user=user).delete()


@transaction.atomic
def create_demo_agreements_in_force() -> None:
    """Kvitsøy's agreement of June 2023, "til revidert", is due for revision since kommunevalget in September
    2023; Luster's earlier agreement ends in four months; Randaberg's draft is sent for signature."""
    users = _demo_users()
    today = timezone.localdate()
    for number, unit_name, start, days_left, signer_keys, place in DEMO_SIGNED:
        kommune = Kommune.objects.get(number=number)
        signers = [users[key] for key in signer_keys]
        if Agreement.objects.filter(kommuner=kommune, created_by=signers[0], period_start=start).exists():
            continue
        agreement = agreement_create(
            police_party=PoliceUnit.objects.get(name=unit_name),
            kommuner=[kommune],
            created_by=signers[0],
            period_start=start,
            period_end=today + datetime.timedelta(days=days_left) if days_left else None,
        )
        _sign_for_demo(agreement, signers, place)
    randaberg = Agreement.objects.filter(kommuner__number="1127", status=Agreement.Status.DRAFT).first()
    if randaberg is not None:
        agreement_send_for_signature(randaberg, by=users["randaberg_slt"])
    create_demo_review()


def create_demo_review() -> None:
    """Moss's draft: the politikontakt has reviewed the first section the police reviews; the others stay on the
    politikontakt's task list ("Gå gjennom N avsnitt"). Idempotent: made once."""
    moss = Agreement.objects.filter(kommuner__number="3103", status=Agreement.Status.DRAFT).order_by("pk").first()
    if moss is None or moss.section_reviews.exists():
        return
    reviewer = _demo_users()["moss_politikontakt"]
    police = moss.police_party
    if police.pk not in {party.pk for party in review_parties(reviewer, moss)}:
        return
    for section, pending in unreviewed_sections(moss):
        if any(row.party.pk == police.pk for row in pending):
            section_review(section=section, party=police, user=reviewer, version=section.version)
            return
