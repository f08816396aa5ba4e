"""Demo step: the three seed agreements, imported the way an editor would, by the kommune's SLT-koordinator.

Idempotent: an agreement already imported from a seed (same creator, parties and first heading) is kept.
"""

from django.conf import settings
from django.db import transaction

from agreements.importing import parse_agreement
from agreements.importing.service import agreement_import, resolve_parties
from agreements.models import Agreement
from samarbeid.demo import DEMO_PEOPLE, demo_party
from samarbeid.models import User

# (seed file, creator's persona key, police party where the demo's differs from the one the text names)
SEED_AGREEMENTS = [
    ("moss-ost-2018.txt", "moss_slt", None),
    # The text is signed by the politimester for Sør-Vest; the demo's politikontakt works in Tjenesteenhet Stavanger.
    ("randaberg-sor-vest-2020.txt", "randaberg_slt", "Tjenesteenhet Stavanger"),
    ("luster-vest-2019-nynorsk.txt", "luster_slt", None),
]


@transaction.atomic
def import_demo_agreements() -> list[Agreement]:
    emails = {person.key: person.email for person in DEMO_PEOPLE}
    imported = []
    for filename, creator_key, police_name in SEED_AGREEMENTS:
        creator = User.objects.get(email=emails[creator_key])
        parsed = parse_agreement(settings.REFERENCE_DATA_DIR / "seeds" / filename)
        resolved = resolve_parties(parsed)
        police = demo_party(police_name) if police_name else resolved.police
        existing = Agreement.objects.filter(
            created_by=creator,
            police_party=police,
            kommuner__in=resolved.kommuner,
            sections__heading=parsed.sections[0].heading,
        ).first()
        imported.append(
            existing or agreement_import(parsed, created_by=creator, police_party=police, resolved=resolved)
        )
    return imported
