"""Sign-off pages: permissions across tenants, re-authentication before signing, PDFs, verification, query bounds."""

import datetime
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, SealedDocument
from agreements.services import agreement_create, section_add, section_update
from agreements.signing import agreement_send_for_signature, agreement_sign
from samarbeid.models import Kommune, Person, PoliceUnit, Role, User
from samarbeid.roles import role_assign
from tests.pdfs import pdf_page_count, pdf_text


@pytest.fixture(autouse=True)
def signing_settings(settings, tmp_path):
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("make_seal", verbosity=0)


def make_agreement(personas, unit="Moss politistasjonsdistrikt", numbers=("3103",), by="moss_slt", sections=None):
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name=unit),
        kommuner=Kommune.objects.filter(number__in=numbers),
        created_by=personas[by],
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )
    first = agreement.sections.order_by("order").first()
    section_update(
        first,
        local_text="<p>Lokal tekst: politikontakten er på rådhuset hver tirsdag, også i Våler.</p>",
        by=personas[by],
    )
    for number in range(sections or 0):
        section_add(agreement, heading=f"Lokalt avsnitt {number}", owner="felles", by=personas[by])
    return agreement


@pytest.fixture
def moss(personas):
    for key in ["moss_ordforer", "moss_leder"]:
        TOTP.activate(personas[key], generate_totp_secret())
    return make_agreement(personas)


def reauthenticated(client: Client, user) -> Client:
    """What allauth's confirmation with a TOTP code leaves in the session: a fresh 'mfa' record.
    (tests/test_signing_mfa.py goes through the real confirmation form.)"""
    session = client.session
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [
        {"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True}
    ]
    session.save()
    return client


def post_sign(client_for, personas, agreement, key, place="Moss"):
    client = reauthenticated(client_for(key), personas[key])
    content_hash = agreement.signing_rounds.last().content_hash
    return client.post(reverse("agreements:sign", args=[agreement.pk]), {"place": place, "content_hash": content_hash})


# --- Permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("moss_slt", 200),
        ("moss_ordforer", 200),
        ("moss_politikontakt", 200),
        ("moss_leder", 200),
        ("randaberg_ordforer", 404),
        ("sogn_lensmann", 404),
        ("stavanger_leder", 404),
    ],
)
def test_the_signing_page_is_shown_to_the_parties_and_hidden_from_other_tenants(client_for, moss, persona, status):
    assert client_for(persona).get(reverse("agreements:signing", args=[moss.pk])).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("moss_slt", 302), ("moss_politikontakt", 302), ("randaberg_slt", 404), ("sogn_politikontakt", 404)],
)
def test_kommune_and_police_editors_send_for_signature_other_tenants_get_404(client_for, moss, persona, status):
    response = client_for(persona).post(reverse("agreements:send_for_signature", args=[moss.pk]))
    assert response.status_code == status
    moss.refresh_from_db()
    assert (moss.status == Agreement.Status.SENT) == (status == 302)


@pytest.fixture
def moss_reader(personas):
    """Someone in Moss kommune who reads agreements but may not change them ("andre etter behov")."""
    person = Person.objects.create(name="Lese Tilgang")
    user = User.objects.create_user("leser@moss.demo.no", "Samarbeid-demo-2026", person=person)
    role_assign(person=person, party=Kommune.objects.get(number="3103"), role=Role.ANNEN)
    return user


def test_a_reader_may_see_but_not_send_return_revise_or_sign(moss, moss_reader):
    client = Client()
    client.force_login(moss_reader)
    assert client.get(reverse("agreements:signing", args=[moss.pk])).status_code == 200
    assert client.post(reverse("agreements:send_for_signature", args=[moss.pk])).status_code == 403
    agreement_send_for_signature(moss, by=moss.created_by)
    for name in ["return_to_draft", "revise"]:
        assert client.post(reverse(f"agreements:{name}", args=[moss.pk]), {"reason": "x"}).status_code == 403
    reauthenticated(client, moss_reader)
    assert client.post(reverse("agreements:sign", args=[moss.pk]), {"place": "Moss"}).status_code == 403


def test_only_the_signatories_see_the_sign_form(client_for, personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    url = reverse("agreements:signing", args=[moss.pk])
    ordforer = reauthenticated(client_for("moss_ordforer"), personas["moss_ordforer"])
    assert 'name="content_hash"' in ordforer.get(url).text
    assert 'name="content_hash"' not in reauthenticated(client_for("moss_slt"), personas["moss_slt"]).get(url).text
    personas["moss_leder"].authenticator_set.all().delete()
    page = client_for("moss_leder").get(url).text
    assert 'name="content_hash"' not in page and "Du må ta i bruk totrinnsinnlogging" in page


def test_signing_without_a_fresh_second_factor_redirects_to_allauths_code_confirmation(client_for, personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    response = client_for("moss_ordforer").post(reverse("agreements:sign", args=[moss.pk]), {"place": "Moss"})
    assert response.status_code == 302
    assert response.url == f"/konto/2fa/reauthenticate/?next=%2Favtaler%2F{moss.pk}%2Fsignering%2F"
    assert not moss.signatures.exists()


def test_both_signatories_sign_through_the_views_and_the_sealed_pdf_downloads(
    client_for, personas, moss, django_capture_on_commit_callbacks
):
    client_for("moss_politikontakt").post(reverse("agreements:send_for_signature", args=[moss.pk]))
    assert post_sign(client_for, personas, moss, "moss_ordforer").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        post_sign(client_for, personas, moss, "moss_leder", place="Moss politistasjon")
    moss.refresh_from_db()
    assert moss.status == Agreement.Status.SIGNED
    response = client_for("moss_slt").get(reverse("agreements:pdf", args=[moss.pk]))
    pdf = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and pdf == SealedDocument.objects.get().file.read()
    text = pdf_text(pdf)
    assert "Signeringslogg" in text and moss.signing_rounds.get().content_hash in text.replace("\n", "")
    assert "Hege Tollefsen" in text and "Jon Kasper Hammer" in text and "Moss politistasjon" in text
    assert "UTKAST" not in "".join(pdf_text(pdf, raw=True).split())


def test_a_stale_content_hash_is_refused_with_a_clear_message(client_for, personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    client = reauthenticated(client_for("moss_ordforer"), personas["moss_ordforer"])
    response = client.post(
        reverse("agreements:sign", args=[moss.pk]), {"place": "Moss", "content_hash": "a" * 64}, follow=True
    )
    assert "Innholdet er endret siden du leste det" in response.text
    assert not moss.signatures.exists()


def test_returning_to_draft_through_the_view_records_the_reason(client_for, personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    url = reverse("agreements:return_to_draft", args=[moss.pk])
    response = client_for("moss_politikontakt").post(url, {"reason": ""}, follow=True)
    assert "Skriv hvorfor avtalen sendes tilbake til utkast." in response.text
    client_for("moss_politikontakt").post(url, {"reason": "Ny politikontakt"})
    moss.refresh_from_db()
    assert moss.status == Agreement.Status.DRAFT and moss.status_changes.last().reason == "Ny politikontakt"
    assert "Ny politikontakt" in client_for("moss_slt").get(reverse("agreements:signing", args=[moss.pk])).text


# --- PDF --------------------------------------------------------------------------------------------


def test_draft_pdf_preview_has_title_contents_with_pages_boxed_text_and_page_numbers(client_for, moss):
    response = client_for("moss_politikontakt").get(reverse("agreements:pdf", args=[moss.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.getvalue()  # streamed from the store: read once
    text = pdf_text(pdf)
    assert "Samarbeidsavtale mellom Moss kommune og Moss politistasjonsdistrikt" in text.replace("\n", " ")
    assert "Innhold" in text and "1. Innledning / formål" in text
    assert "politikontakten er på rådhuset hver tirsdag, også i Våler" in text  # æøå survive
    pages = pdf_page_count(pdf)
    assert f"Side 2 av {pages}" in text and f"Side {pages} av {pages}" in text
    assert re.search(
        r"1\. Innledning / formål +3\n", pdf_text(pdf, layout=True)
    )  # contents: the section starts on page 3
    raw = "".join(pdf_text(pdf, raw=True).split())
    assert raw.count("UTKAST") == pages
    assert "Signaturer" in text and "Sted og dato" in text


def test_luster_agreement_pdf_has_nynorsk_headings_and_labels(client_for, personas):
    luster = make_agreement(personas, unit="Sogn lensmannsdistrikt", numbers=("4644",), by="luster_slt")
    assert luster.malform == "nn"
    text = pdf_text(client_for("luster_slt").get(reverse("agreements:pdf", args=[luster.pk])).getvalue())
    assert "Innleiing / formål" in text and "Innhald" in text and "Stad og dato" in text
    assert "Samarbeidsavtale mellom Luster kommune og Sogn lensmannsdistrikt" in text.replace("\n", " ")
    assert "Side 2 av" in text


def test_pdf_of_another_tenants_agreement_is_404(client_for, moss):
    assert client_for("luster_slt").get(reverse("agreements:pdf", args=[moss.pk])).status_code == 404


# --- Verification -----------------------------------------------------------------------------------


@pytest.fixture
def sealed_pdf(personas, moss, django_capture_on_commit_callbacks):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    with django_capture_on_commit_callbacks(execute=True):
        for key in ["moss_ordforer", "moss_leder"]:
            moss.refresh_from_db()
            agreement_sign(
                moss,
                by=personas[key],
                place="Moss",
                signed_hash=moss.signing_rounds.get().content_hash,
                authentication=[{"method": "mfa", "type": "totp", "at": time.time()}],
            )
    return SealedDocument.objects.get(agreement=moss).file.read()


def verify(client, data: bytes):
    upload = SimpleUploadedFile("avtale.pdf", data, content_type="application/pdf")
    return client.post(reverse("agreements:verify"), {"file": upload})


def test_anyone_can_verify_an_authentic_sealed_agreement(sealed_pdf):
    response = verify(Client(), sealed_pdf)
    assert response.status_code == 200
    assert "Ekte og uendret." in response.text
    assert "Samarbeidsavtale mellom Moss kommune og Moss politistasjonsdistrikt" in response.text


def test_a_tampered_pdf_fails_verification_with_a_reason(sealed_pdf):
    tampered = bytearray(sealed_pdf)
    tampered[len(tampered) // 2] ^= 0x20
    response = verify(Client(), bytes(tampered))
    assert "Ikke godkjent." in response.text and "Ekte og uendret." not in response.text


def test_verification_refuses_non_pdf_uploads(db):
    response = verify(Client(), b"GIF89a not a pdf")
    assert "Filen er ikke en PDF." in response.text


# --- Query bounds -----------------------------------------------------------------------------------


# The signing page of an agreement sent for signature, seen by the police's signatory: the session and user (2), the
# agreement and the user's rights on it (3), its kommuner and sections (2), the live round, the signatories and their
# signatures (3), whether the user has an authenticator (1), the status history and the template's sections (2), the
# negotiation: proposals, comments with their threads, the parties' rules (3), the header's parties (1).
SIGNING_PAGE_QUERIES = 17


def test_signing_page_makes_the_same_queries_for_few_and_many_sections(client_for, personas, django_assert_num_queries):
    for key in ["moss_ordforer", "moss_leder"]:
        TOTP.activate(personas[key], generate_totp_secret())
    small, large = make_agreement(personas), make_agreement(personas, sections=15)
    for agreement in (small, large):
        agreement_send_for_signature(agreement, by=personas["moss_slt"])
        agreement.refresh_from_db()
        content_hash = agreement.signing_rounds.get().content_hash
        agreement_sign(
            agreement,
            by=personas["moss_ordforer"],
            place="Moss",
            signed_hash=content_hash,
            authentication=[{"method": "mfa", "type": "totp", "at": time.time()}],
        )
    client = client_for("moss_leder")
    client.get(reverse("agreements:signing", args=[small.pk]))  # warm the per-session caches
    for agreement in (small, large):
        with django_assert_num_queries(SIGNING_PAGE_QUERIES):
            assert client.get(reverse("agreements:signing", args=[agreement.pk])).status_code == 200
