"""End to end: the ordfører confirms with a TOTP code from the signing page, the police unit's leader signs
right after a login with TOTP, and the sealed PDF downloads and states what each of them used."""

import datetime
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.management import call_command

from agreements.models import Agreement
from agreements.services import agreement_create
from agreements.signing import agreement_send_for_signature
from samarbeid.demo import DEMO_PASSWORD
from samarbeid.models import Kommune, PoliceUnit
from samarbeid.pdf import verify_pdf
from tests.pdfs import pdf_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def sent_agreement(personas, settings, tmp_path):
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("make_seal", verbosity=0)
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    return agreement


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, user, secret=None):
    page.goto("/konto/login/")
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    if secret:
        page.wait_for_url("**/2fa/authenticate/")
        page.locator("input[name=code]").fill(totp_code(secret))
        page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/min-side/")


def confirm_with_code(page, agreement, secret, assert_accessible):
    """A session without a recent second factor: the signing page sends the signer to the code and back."""
    page.goto(f"/avtaler/{agreement.pk}/signering/")
    assert page.locator("input[name=content_hash]").count() == 0
    page.get_by_role("link", name="Bekreft med kode fra autentiseringsappen").click()
    page.wait_for_url("**/2fa/reauthenticate/**")
    assert_accessible(page)
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"**/avtaler/{agreement.pk}/signering/")


def sign_agreement(page, agreement, place, assert_accessible):
    page.goto(f"/avtaler/{agreement.pk}/signering/")
    assert_accessible(page)
    page.get_by_label("Sted").fill(place)
    page.get_by_role("button", name="Signer", exact=True).click()
    page.wait_for_url(f"**/avtaler/{agreement.pk}/signering/")
    assert page.get_by_text("Du har signert avtalen.").is_visible()


def test_both_signatories_sign_and_the_sealed_pdf_downloads(
    browser, live_server, page, personas, sent_agreement, assert_accessible
):
    ordforer, leder = personas["moss_ordforer"], personas["moss_leder"]
    sign_in(page, ordforer)  # a password-only login: no authenticator yet
    ordforer_secret = generate_totp_secret()
    TOTP.activate(ordforer, ordforer_secret)  # set up since; this session has not used it
    confirm_with_code(page, sent_agreement, ordforer_secret, assert_accessible)
    sign_agreement(page, sent_agreement, "Moss", assert_accessible)

    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    leder_page = context.new_page()
    leder_secret = generate_totp_secret()
    TOTP.activate(leder, leder_secret)
    sign_in(leder_page, leder, leder_secret)  # the code at login is fresh enough to sign with
    sign_agreement(leder_page, sent_agreement, "Moss politistasjon", assert_accessible)

    sent_agreement.refresh_from_db()
    assert sent_agreement.status == Agreement.Status.SIGNED
    leder_page.reload()
    link = leder_page.get_by_role("link", name="Last ned signert PDF")
    response = leder_page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert verify_pdf(pdf).ok
    text = " ".join(pdf_text(pdf).split())
    assert "Signeringslogg" in text and "Moss politistasjon" in text
    assert "Innlogget med passord " in text and "Bekreftet med engangskode fra autentiseringsapp (TOTP)" in text
    assert "Innlogget med passord + engangskode fra autentiseringsapp (TOTP)" in text
    context.close()
