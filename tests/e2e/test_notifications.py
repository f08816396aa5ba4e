"""End to end: the signing request arrives by SMTP, its link opens the signing page, and the signatory signs."""

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
from tests.test_notifications import parts, smtp_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def smtp(settings, live_server, tmp_path):
    with smtp_server(settings, tmp_path, site_url=live_server.url) as inbox:
        call_command("make_seal", verbosity=0)
        yield inbox


def test_the_signing_request_email_links_the_signatory_to_the_signing_page(
    page, live_server, personas, smtp, assert_accessible
):
    ordforer = personas["moss_ordforer"]
    secret = generate_totp_secret()
    TOTP.activate(ordforer, secret)
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2028, 12, 31),
    )
    agreement_send_for_signature(agreement, by=personas["moss_slt"])  # live server: committed at once
    smtp.wait_for(2)
    [message] = smtp.to(ordforer.email)
    html = parts(message)["text/html"]

    page.goto("/konto/login/")  # the signatory logs in first, with the code from the app
    page.get_by_label("E-post").fill(ordforer.email)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/2fa/authenticate/")
    if time.time() % 30 > 25:  # a code made in a window's last seconds may expire before the server reads it
        time.sleep(30 - time.time() % 30)
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/min-side/")

    page.set_content(html)  # the e-mail as a mail client shows it
    assert_accessible(page)
    page.get_by_role("link", name="Les avtalen og signer").click()
    page.wait_for_url(f"{live_server.url}/avtaler/{agreement.pk}/signering/")
    assert_accessible(page)
    page.get_by_label("Sted").fill("Moss")
    page.get_by_role("button", name="Signer", exact=True).click()
    page.wait_for_url(f"**/avtaler/{agreement.pk}/signering/")
    assert page.get_by_text("Du har signert avtalen.").is_visible()
    assert agreement.signing_rounds.get().signatures.get().user == ordforer
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SENT  # the police leader has yet to sign
