"""End to end: the ordfører and the police unit's leader sign in with TOTP, sign, and the sealed PDF downloads."""

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
from samarbeid.pdf import pdf_text, verify_pdf

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


def sign_in_with_totp(page, user, secret):
    page.goto("/konto/login/")
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/min-side/")


def sign_agreement(page, agreement, place, assert_accessible):
    page.goto(f"/avtaler/{agreement.pk}/signering/")
    assert_accessible(page)
    page.get_by_label("Sted").fill(place)
    page.get_by_role("button", name="Signer", exact=True).click()
    page.wait_for_url("**/reauthenticate/**")  # a fresh confirmation of the login before signing
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"**/avtaler/{agreement.pk}/signering/")
    assert page.get_by_text("Du har signert avtalen.").is_visible()


def test_both_signatories_sign_and_the_sealed_pdf_downloads(
    browser, live_server, page, personas, sent_agreement, assert_accessible
):
    signers = [("moss_ordforer", "Moss"), ("moss_leder", "Moss politistasjon")]
    for index, (key, place) in enumerate(signers):
        secret = generate_totp_secret()
        TOTP.activate(personas[key], secret)
        context = page.context if index == 0 else browser.new_context(base_url=live_server.url, locale="nb-NO")
        signer_page = page if index == 0 else context.new_page()
        sign_in_with_totp(signer_page, personas[key], secret)
        sign_agreement(signer_page, sent_agreement, place, assert_accessible)

    sent_agreement.refresh_from_db()
    assert sent_agreement.status == Agreement.Status.SIGNED
    signer_page.reload()
    link = signer_page.get_by_role("link", name="Last ned signert PDF")
    response = signer_page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert verify_pdf(pdf).ok
    assert "Signeringslogg" in pdf_text(pdf) and "Moss politistasjon" in pdf_text(pdf)
    context.close()
