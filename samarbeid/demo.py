"""Fictional demo people for the three seed settings (Randaberg + Kvitsøy, Moss, Luster).

The names are invented; the parties, units and offices are those of the agreements in the seeds.
Idempotent: running it twice changes nothing. Tests use the same people as persona fixtures.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from samarbeid.models import (
    Kommune,
    OpeningHours,
    Party,
    Person,
    PoliceUnit,
    Politidistrikt,
    Role,
    RoleAssignment,
    Tjenestested,
    User,
)
from samarbeid.permissions import sync_user_roles

DEMO_PASSWORD = "Samarbeid-demo-2026"
DEMO_START = datetime.date(2023, 10, 16)  # the municipal term after kommunevalget 2023


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    email: str
    party: str  # kommunenummer, police unit name or district short name
    role: str
    title: str = ""
    stillingsprosent: Decimal | None = None


DEMO_UNITS = [
    # (district short name, unit name, kind, kommunenummer)
    ("Sør-Vest", "Tjenesteenhet Stavanger", PoliceUnit.UnitKind.TJENESTEENHET, ["1103", "1127", "1144"]),
    ("Øst", "Moss politistasjonsdistrikt", PoliceUnit.UnitKind.POLITISTASJONSDISTRIKT, ["3103", "3112", "3114"]),
    ("Vest", "Sogn lensmannsdistrikt", PoliceUnit.UnitKind.LENSMANNSDISTRIKT, ["4640", "4644"]),
]

DEMO_PEOPLE = [
    # Randaberg + Kvitsøy with Sør-Vest
    DemoPerson(
        "randaberg_slt",
        "Silje Vatnamo",
        "slt@randaberg.demo.no",
        "1127",
        Role.SLT_KOORDINATOR,
        stillingsprosent=Decimal("100"),
    ),
    DemoPerson("randaberg_ordforer", "Per Aksland", "ordforer@randaberg.demo.no", "1127", Role.ORDFORER),
    DemoPerson("kvitsoy_ordforer", "Kari Ølberg", "ordforer@kvitsoy.demo.no", "1144", Role.ORDFORER),
    DemoPerson(
        "stavanger_politikontakt",
        "Tor Hellestø",
        "politikontakt.randaberg@politiet.demo.no",
        "Tjenesteenhet Stavanger",
        Role.POLITIKONTAKT,
    ),
    DemoPerson(
        "stavanger_leder",
        "Anne Rygg",
        "tjenesteenhetsleder.stavanger@politiet.demo.no",
        "Tjenesteenhet Stavanger",
        Role.TJENESTEENHETSLEDER,
    ),
    DemoPerson(
        "sorvest_politimester", "Håkon Vigre", "politimester.sor-vest@politiet.demo.no", "Sør-Vest", Role.POLITIMESTER
    ),
    # Moss with Øst
    DemoPerson(
        "moss_slt",
        "Vilde Haugen Berg",
        "slt@moss.demo.no",
        "3103",
        Role.SLT_KOORDINATOR,
        stillingsprosent=Decimal("100"),
    ),
    DemoPerson("moss_ordforer", "Hege Tollefsen", "ordforer@moss.demo.no", "3103", Role.ORDFORER),
    DemoPerson(
        "moss_politikontakt",
        "Lars Øien",
        "politikontakt.moss@politiet.demo.no",
        "Moss politistasjonsdistrikt",
        Role.POLITIKONTAKT,
    ),
    DemoPerson(
        "moss_leder",
        "Jon Kasper Hammer",
        "tjenesteenhetsleder.moss@politiet.demo.no",
        "Moss politistasjonsdistrikt",
        Role.TJENESTEENHETSLEDER,
    ),
    # Luster with Vest
    DemoPerson(
        "luster_slt",
        "Ingrid Høyheim",
        "slt@luster.demo.no",
        "4644",
        Role.SLT_KOORDINATOR,
        title="Folkehelsekoordinator",
        stillingsprosent=Decimal("20"),
    ),
    DemoPerson("luster_ordforer", "Ola Nes", "ordforar@luster.demo.no", "4644", Role.ORDFORER),
    DemoPerson(
        "sogn_politikontakt",
        "Marit Skjolden",
        "politikontakt.luster@politiet.demo.no",
        "Sogn lensmannsdistrikt",
        Role.POLITIKONTAKT,
    ),
    DemoPerson(
        "sogn_lensmann",
        "Eirik Fortun",
        "lensmann.sogn@politiet.demo.no",
        "Sogn lensmannsdistrikt",
        Role.LENSMANN,
        title="Lensmannen i Sogn",
    ),
    # A district template administrator
    DemoPerson("vest_malansvarlig", "Bjørg Kaupanger", "mal.vest@politiet.demo.no", "Vest", Role.DISTRIKT_ADMIN),
    # National read-only overview (oversight/): no national party exists, so the role sits with a party in Oslo
    DemoPerson(
        "politidirektoratet",
        "Sigrun Aasen",
        "radgiver@politidirektoratet.demo.no",
        "Oslo",
        Role.POLITIDIREKTORATET,
        title="Seniorrådgiver, Politidirektoratet",
    ),
    DemoPerson("ks", "Jonas Bergli", "radgiver@ks.demo.no", "0301", Role.KS, title="Spesialrådgiver, KS"),
]


def demo_party(key: str) -> Party:
    if key.isdigit():
        return Kommune.objects.get(number=key)
    unit = PoliceUnit.objects.filter(name=key).first()
    return unit or Politidistrikt.objects.get(short_name=key)


def _create_units() -> None:
    for district_name, unit_name, kind, numbers in DEMO_UNITS:
        district = Politidistrikt.objects.get(short_name=district_name)
        unit, _ = PoliceUnit.objects.get_or_create(name=unit_name, defaults={"district": district, "unit_kind": kind})
        unit.kommuner.add(*Kommune.objects.filter(number__in=numbers))
    randaberg, _ = Tjenestested.objects.get_or_create(
        name="Randaberg lensmannskontor",
        defaults={
            "police_unit": PoliceUnit.objects.get(name="Tjenesteenhet Stavanger"),
            "place_kind": Tjenestested.PlaceKind.LENSMANNSKONTOR,
            "opening_note": "Åpent minst to dager i uken.",
        },
    )
    sogndal, created = Tjenestested.objects.get_or_create(
        name="Sogndal lensmannskontor",
        defaults={
            "police_unit": PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
            "place_kind": Tjenestested.PlaceKind.LENSMANNSKONTOR,
            "publikumsekspedisjon": True,
            "opening_note": "Ekstratimar for pass vert lagde ut etter førespurnad.",
        },
    )
    if created:
        for weekday in range(4):
            OpeningHours.objects.create(tjenestested=sogndal, weekday=weekday, opens="09:00", closes="15:00")
        OpeningHours.objects.create(tjenestested=sogndal, weekday=4, opens="09:00", closes="14:00")


@transaction.atomic
def create_demo_people() -> dict[str, User]:
    """Create the demo units, people, logins and roles; return the logins by persona key."""
    _create_units()
    users, password = {}, None
    for demo in DEMO_PEOPLE:
        person, _ = Person.objects.get_or_create(email=demo.email, defaults={"name": demo.name})
        RoleAssignment.objects.get_or_create(
            person=person,
            party=demo_party(demo.party),
            role=demo.role,
            defaults={"title": demo.title, "stillingsprosent": demo.stillingsprosent, "starts_on": DEMO_START},
        )
        user = User.objects.filter(email=demo.email).first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)  # hashed once: the demo users share it anyway
            user = User.objects.create(email=demo.email, person=person, password=password)
        sync_user_roles(user)  # the roles above (created or kept), explicitly: saving a role syncs nothing
        users[demo.key] = user
    return users
