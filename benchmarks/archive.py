"""What archiving costs: sealing (PAdES B-LT, with and without a local timestamp authority) and the archive packages.

Signs N agreements in Sør-Vest (Tjenesteenhet Stavanger with N kommuner of the district, two attachments each),
then prints the median time to seal one rendered agreement with the development seal and with a test CA and a
local RFC 3161 timestamp authority (tests/pki.py), and, for the district's politimester, the time and size
of one agreement's package and of the district's package (their query bounds are pinned in the tests).

Usage: uv run python benchmarks/archive.py [N]   (default 10; a throwaway SQLite file unless DATABASE_URL is set —
then use a scratch database, the script writes to it).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def median_time(function, runs=5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n: int) -> None:
    scratch = Path(tempfile.mkdtemp())
    settings.MEDIA_ROOT = scratch / "media"
    settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = scratch / "k.pem", scratch / "c.pem"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("make_seal", verbosity=0)

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from agreements.models import Attachment
    from agreements.services import agreement_create
    from agreements.signing import agreement_pdf, agreement_seal, agreement_send_for_signature, agreement_sign
    from samarbeid.demo import create_demo_people
    from samarbeid.models import Kommune, PoliceUnit, Role, RoleAssignment
    from samarbeid.pdf import seal_pdf
    from samarbeid.reference_data import load_reference_data
    from tests.pki import running_pki

    load_reference_data(settings.REFERENCE_DATA_DIR)
    personas = create_demo_people()
    unit = PoliceUnit.objects.get(name="Tjenesteenhet Stavanger")
    leader = personas["stavanger_leder"]
    TOTP.activate(leader, generate_totp_secret())
    kommuner = list(Kommune.objects.filter(district=unit.district).order_by("number")[:n])
    pdf = b"%PDF-1.4\n%vedlegg\n" + b"0" * 200_000 + b"\n%%EOF\n"
    signer = personas["kvitsoy_ordforer"]
    TOTP.activate(signer, generate_totp_secret())
    auth = [{"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True}]
    start = time.perf_counter()
    for kommune in kommuner:  # the same ordfører stands in for each kommune: a role in every one of them
        RoleAssignment.objects.get_or_create(person=signer.person, party=kommune, role=Role.ORDFORER)
        agreement = agreement_create(police_party=unit, kommuner=[kommune], created_by=leader)
        for title in ("Årshjul", "Kontaktliste"):
            Attachment.objects.create(
                agreement=agreement,
                title=title,
                file=ContentFile(pdf, name="vedlegg.pdf"),
                original_name="vedlegg.pdf",
                content_type="application/pdf",
                size=len(pdf),
                uploaded_by=leader,
            )
        agreement_send_for_signature(agreement, by=leader)
        for user in (signer, leader):
            agreement.refresh_from_db()
            agreement_sign(
                agreement,
                by=user,
                place="Stavanger",
                authentication=auth,
                signed_hash=agreement.signing_rounds.last().content_hash,
            )
        agreement_seal(agreement.pk)  # the task, run here (a settings change after setup does not reach the backend)
    print(f"{n} agreements signed and sealed in {time.perf_counter() - start:.1f} s")

    rendered = agreement_pdf(agreement, final=True)
    print(f"seal, development seal, no timestamp: {median_time(lambda: seal_pdf(rendered, signer_name='S')):.3f} s")
    with running_pki(scratch) as pki:
        settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = pki.key_file, pki.cert_file
        settings.SEAL_CHAIN_FILE, settings.SEAL_TIMESTAMP_URL = pki.chain_file, pki.tsa_url
        timed = median_time(lambda: seal_pdf(rendered, signer_name="S"))
        print(f"seal, test CA + local TSA (B-LT, CRL fetched): {timed:.3f} s")

    client = Client()
    client.force_login(personas["sorvest_politimester"])
    for label, url in [
        ("one agreement's package", f"/avtaler/{agreement.pk}/arkiv.zip"),
        (f"district package ({n} agreements)", f"/avtaler/distrikt/{unit.district_id}/arkiv.zip"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        timed = median_time(lambda url=url: client.get(url), runs=3)
        print(f"{label}: {timed:.3f} s, {len(response.content) / 1e6:.2f} MB")  # query bounds: the tests


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
