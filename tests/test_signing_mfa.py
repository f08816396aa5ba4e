"""Signing needs a second factor used in THIS session, lately; the sealed PDF states what each signer used.

Every client here logs in through the real forms (allauth's login, its TOTP step and its code confirmation),
so the session's authentication record is the one allauth writes, not one a test made up.
"""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from agreements.models import SealedDocument
from agreements.signing import agreement_send_for_signature, authentication_summary, second_factor_step
from samarbeid.demo import DEMO_PASSWORD
from tests.pdfs import pdf_text
from tests.test_signing_views import make_agreement


@pytest.fixture(autouse=True)
def signing_settings(settings, tmp_path):
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("make_seal", verbosity=0)


@pytest.fixture
def sent(personas):
    agreement = make_agreement(personas)
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    return agreement


def code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def enrol(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def log_in(client: Client, user, secret: str | None = None):
    response = client.post("/konto/login/", {"login": user.email, "password": DEMO_PASSWORD})
    if secret:
        assert response.url == "/konto/2fa/authenticate/"
        response = client.post("/konto/2fa/authenticate/", {"code": code(secret)})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return response


def signing_url(agreement) -> str:
    return reverse("agreements:signing", args=[agreement.pk])


def post_sign(client: Client, agreement, place="Moss"):
    content_hash = agreement.signing_rounds.last().content_hash
    return client.post(reverse("agreements:sign", args=[agreement.pk]), {"place": place, "content_hash": content_hash})


def confirm_with_code(client: Client, agreement, secret: str, typed: str | None = None):
    """The signing page's button: allauth's code confirmation, and back to the signing page."""
    page = client.get(signing_url(agreement)).text
    href = re.search(r'href="(/konto/2fa/reauthenticate/\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert client.get(href).status_code == 200
    return client.post(href, {"code": typed or code(secret), "next": signing_url(agreement)})


def refused_and_sent_to_the_code(client: Client, agreement) -> bool:
    page = client.get(signing_url(agreement)).text
    response = post_sign(client, agreement)
    return (
        'name="content_hash"' not in page
        and "Bekreft med kode fra autentiseringsappen" in page
        and response.status_code == 302
        and response.url.startswith("/konto/2fa/reauthenticate/?next=")
        and not agreement.signatures.exists()
    )


def test_a_password_only_login_cannot_sign_until_the_code_is_confirmed(client, personas, sent):
    """The finding: an enrolled authenticator let a password-only session sign."""
    ordforer = personas["moss_ordforer"]
    log_in(client, ordforer)  # no authenticator yet: allauth asks for no code
    secret = enrol(ordforer)  # set up since, e.g. in another browser
    assert refused_and_sent_to_the_code(client, sent)
    response = confirm_with_code(client, sent, secret)
    assert response.status_code == 302 and response.url == signing_url(sent)
    assert 'name="content_hash"' in client.get(signing_url(sent)).text
    assert post_sign(client, sent).status_code == 302
    signature = sent.signatures.get()
    assert [
        (step["method"], step.get("type"), bool(step.get("reauthenticated"))) for step in signature.authentication
    ] == [
        ("password", None, False),
        ("mfa", "totp", True),
    ]


def test_a_session_made_without_the_login_form_cannot_sign_until_the_code_is_confirmed(client_for, personas, sent):
    secret = enrol(personas["moss_ordforer"])
    client = client_for("moss_ordforer")  # force_login: the session has no authentication record at all
    assert refused_and_sent_to_the_code(client, sent)
    confirm_with_code(client, sent, secret)
    assert post_sign(client, sent).status_code == 302 and sent.signatures.count() == 1


def test_confirming_with_the_password_is_not_enough_to_sign(client, personas, sent):
    ordforer = personas["moss_ordforer"]
    log_in(client, ordforer)
    enrol(ordforer)
    client.post("/konto/reauthenticate/", {"password": DEMO_PASSWORD})  # allauth's other confirmation
    assert refused_and_sent_to_the_code(client, sent)


def test_the_admin_login_gives_no_session_that_can_sign(client, personas, sent):
    ordforer = personas["moss_ordforer"]
    ordforer.is_staff = True
    ordforer.save(update_fields=["is_staff"])
    enrol(ordforer)
    response = client.post("/admin/login/", {"username": ordforer.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.url.startswith("/konto/login/")
    assert "_auth_user_id" not in client.session  # the admin's own login form no longer logs anyone in
    response = post_sign(client, sent)
    assert response.status_code == 302 and response.url.startswith("/konto/login/")
    assert not sent.signatures.exists()


def test_a_login_with_password_and_code_signs_at_once(client, personas, sent):
    leder = personas["moss_leder"]
    log_in(client, leder, enrol(leder))
    assert 'name="content_hash"' in client.get(signing_url(sent)).text
    assert post_sign(client, sent, place="Moss politistasjon").status_code == 302
    assert [step["method"] for step in sent.signatures.get().authentication] == ["password", "mfa"]


def test_a_confirmation_older_than_the_window_must_be_made_again(client, personas, sent, settings):
    ordforer = personas["moss_ordforer"]
    secret = enrol(ordforer)
    log_in(client, ordforer, secret)
    session = client.session
    window = settings.SIGNING_SECOND_FACTOR_MAX_AGE
    for step in session["account_authentication_methods"]:
        step["at"] -= window + 1  # as if the code was typed just over the window ago
    session.save()
    assert refused_and_sent_to_the_code(client, sent)
    cache.clear()  # time has passed: the login code's used-mark (kept for its 30-second period) is gone
    confirm_with_code(client, sent, secret)
    assert post_sign(client, sent).status_code == 302 and sent.signatures.count() == 1


def test_the_window_is_the_setting_counted_from_the_latest_second_factor_step(settings):
    settings.SIGNING_SECOND_FACTOR_MAX_AGE = 300
    steps = [{"method": "password", "at": 1000.0}, {"method": "mfa", "type": "totp", "at": 1000.0}]
    assert second_factor_step(steps, now=1299.0) == steps[1]
    assert second_factor_step(steps, now=1300.0) is None
    assert second_factor_step(steps, now=999.0) is None  # a step from the future is not trusted
    assert second_factor_step([{"method": "password", "at": 1000.0}], now=1001.0) is None


def test_a_code_used_once_does_not_confirm_again(client, personas, sent):
    ordforer = personas["moss_ordforer"]
    log_in(client, ordforer)
    secret = enrol(ordforer)
    typed = code(secret)
    confirm_with_code(client, sent, secret, typed)
    session = client.session
    session["account_authentication_methods"] = session["account_authentication_methods"][:1]  # back to password
    session.save()
    response = confirm_with_code(client, sent, secret, typed)
    assert response.status_code == 200 and "Feil kode." in response.text
    assert 'name="content_hash"' not in client.get(signing_url(sent)).text


def test_the_sealed_pdf_states_each_signers_actual_methods_not_a_blanket_claim(
    personas, sent, django_capture_on_commit_callbacks
):
    ordforer, leder = personas["moss_ordforer"], personas["moss_leder"]
    ordforer_client, leder_client = Client(), Client()
    log_in(ordforer_client, ordforer)  # password, then a code confirmation before signing
    confirm_with_code(ordforer_client, sent, enrol(ordforer))
    log_in(leder_client, leder, enrol(leder))  # password and code at login
    post_sign(ordforer_client, sent)
    with django_capture_on_commit_callbacks(execute=True):
        post_sign(leder_client, sent, place="Moss politistasjon")
    text = " ".join(pdf_text(SealedDocument.objects.get(agreement=sent).file.read()).split())
    log = text[text.rindex("Signeringslogg") :]
    date = r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d"
    assert re.search(
        rf"Hege Tollefsen .*? Innlogget med passord {date}\. Bekreftet med engangskode fra autentiseringsapp \(TOTP\) "
        rf"{date}\.",
        log,
    ), log
    assert re.search(
        rf"Jon Kasper Hammer .*? Innlogget med passord \+ engangskode fra autentiseringsapp \(TOTP\) {date}\.", log
    ), log
    assert log.count("Bekreftet med") == 1  # the police leader confirmed nothing after login, and it says so
    assert "Hver signatar logget inn med totrinnsinnlogging" not in text


def test_the_signing_log_line_is_in_the_agreements_malform():
    steps = [{"method": "password", "at": 1764583200.0}, {"method": "mfa", "type": "totp", "at": 1764583300.0}]
    with translation.override("nn"):
        assert authentication_summary(steps) == (
            "Logga inn med passord + eingongskode frå autentiseringsapp (TOTP) 01.12.2025 11:01:40."
        )
    with translation.override("nb"):
        assert authentication_summary([]) == "Innloggingen er ikke registrert."


def test_the_signing_log_names_the_second_factor_confirmation_even_if_a_password_one_came_after():
    steps = [
        {"method": "password", "at": 1764583200.0},
        {"method": "mfa", "type": "recovery_codes", "at": 1764583260.0, "reauthenticated": True},
        {"method": "password", "at": 1764583320.0, "reauthenticated": True},
    ]
    assert authentication_summary(steps) == (
        "Innlogget med passord 01.12.2025 11:00:00. Bekreftet med gjenopprettingskode 01.12.2025 11:01:00."
    )
