"""Load the national reference data (politidistrikter, kommuner, police units) from CSV.

Idempotent: rows are keyed on their natural keys (district short name, kommunenummer, unit name), so
later runs update what changed and never duplicate.
"""

import csv
import datetime
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from samarbeid.models import Kommune, PoliceUnit, Politidistrikt, Sprakvedtak

SPRAKVEDTAK = {"Bokmål": Sprakvedtak.BOKMAL, "Nynorsk": Sprakvedtak.NYNORSK, "Nøytral": Sprakvedtak.NOYTRAL}


@dataclass
class LoadResult:
    districts: int
    kommuner: int
    police_units: int


def ascii_slug(text: str) -> str:
    for letter, plain in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        text = text.lower().replace(letter, plain)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _rows(path: Path):
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def unit_kind_from_name(name: str) -> str:
    lowered = name.lower()
    if "lensmann" in lowered:
        return PoliceUnit.UnitKind.LENSMANNSDISTRIKT
    if "tjenesteenhet" in lowered:
        return PoliceUnit.UnitKind.TJENESTEENHET
    return PoliceUnit.UnitKind.POLITISTASJONSDISTRIKT


@transaction.atomic
def load_reference_data(directory: Path) -> LoadResult:
    districts = {}
    for row in _rows(directory / "politidistrikter.csv"):
        district, _ = Politidistrikt.objects.update_or_create(
            short_name=row["politidistrikt"],
            defaults={
                "code": ascii_slug(row["politidistrikt"]),
                "name": row["navn_bokmal"],
                "name_nn": row["navn_nynorsk"],
                "seat": row["hovedsete"],
                "politiloggen_id": int(row["politiloggen_district_id"]) if row["politiloggen_district_id"] else None,
            },
        )
        districts[district.short_name] = district

    kommuner_by_name = {}
    kommune_rows = list(_rows(directory / "kommuner.csv"))
    names = Counter(row["kommunenavn_norsk"] for row in kommune_rows)
    for row in kommune_rows:
        kommune, _ = Kommune.objects.update_or_create(
            number=row["kommunenummer"],
            defaults={
                "name": f"{row['kommunenavn_norsk']} kommune",
                "name_nn": f"{row['kommunenavn_norsk']} kommune",
                "population": int(row["folketall"]),
                "population_date": datetime.date.fromisoformat(row["folketall_dato"]),
                "sprakvedtak": SPRAKVEDTAK[row["malform"]],
                "district": districts[row["politidistrikt"]],
                "fylke_number": row["fylkesnummer"],
                "fylke_name": row["fylkesnavn"],
                "admin_centre": row["adm_senter"],
                "shares_name": names[row["kommunenavn_norsk"]] > 1,
            },
        )
        kommuner_by_name[(kommune.district_id, row["kommunenavn_norsk"])] = kommune

    units = 0
    for row in _rows(directory / "politi_tjenesteenheter_partial.csv"):
        district = districts[row["politidistrikt"]]
        name = row["tjenesteenhet"].replace("politistasjon(sdistrikt)", "politistasjonsdistrikt")
        unit, _ = PoliceUnit.objects.update_or_create(
            district=district, name=name, defaults={"unit_kind": unit_kind_from_name(name)}
        )
        named = [part.strip() for part in re.split(r"[;(]", row["kommuner_som_i_kilden"])]
        unit.kommuner.add(*[kommuner_by_name[(district.pk, n)] for n in named if (district.pk, n) in kommuner_by_name])
        units += 1
    return LoadResult(districts=len(districts), kommuner=len(kommuner_by_name), police_units=units)
