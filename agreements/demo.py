"""Demo step: the structured parts the seed agreements state (presence, expectations, focus areas), and the
Vest district's own template for its malansvarlig. Idempotent; agreements not (yet) imported are skipped.
"""

from django.db import transaction

from agreements.default_template import ensure_national_template
from agreements.models import Agreement, Expectation, FocusArea, PresenceCommitment
from agreements.services import template_create_for_district
from samarbeid.demo import DEMO_PEOPLE
from samarbeid.models import Kommune, Politidistrikt, User

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
