"""Each person is spoken to in their own målform: their choice, else that of the kommune they hold a role in.

The browser's language (or the switch's cookie) holds for everyone without one: the public, police people and
people of neutral kommuner who have not chosen. E-mail follows the same choice (see tests/test_notifications.py
for the mail itself)."""

from unittest import mock

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from samarbeid.demo import DEMO_PASSWORD
from samarbeid.models import Malform, Person
from tests.test_auth_pages import code

NYNORSK_PAGE = '<html lang="nn"'
BOKMAL_PAGE = '<html lang="nb"'


@pytest.fixture(autouse=True)
def no_login_limits_used(db):
    cache.clear()


def log_in(client: Client, email: str, **headers) -> str:
    """Log in through the login form and return the text of the first page after it."""
    response = client.post(
        reverse("account_login"), {"login": email, "password": DEMO_PASSWORD}, follow=True, headers=headers
    )
    assert response.status_code == 200 and response.wsgi_request.user.is_authenticated
    return response.text


def test_the_nynorsk_persona_sees_nynorsk_from_the_first_page_after_login(personas, client):
    page = log_in(client, "slt@luster.demo.no", accept_language="nb")
    assert NYNORSK_PAGE in page and "Mi side" in page
    assert "Du er logga inn som Ingrid Høyheim." in page  # the login's own message too


def test_the_second_factors_page_is_in_the_persons_malform_already(personas, client):
    luster = personas["luster_slt"]
    secret = generate_totp_secret()
    TOTP.activate(luster, secret)
    response = client.post(
        reverse("account_login"),
        {"login": luster.email, "password": DEMO_PASSWORD},
        follow=True,
        headers={"accept_language": "nb"},
    )
    assert response.wsgi_request.path == "/konto/2fa/authenticate/" and not response.wsgi_request.user.is_authenticated
    assert NYNORSK_PAGE in response.text and "Skriv inn koden frå autentiseringsappen" in response.text
    page = client.post("/konto/2fa/authenticate/", {"code": code(secret)}, follow=True).text
    assert NYNORSK_PAGE in page and "Du er logga inn som Ingrid Høyheim." in page


def test_a_person_of_a_neutral_kommune_keeps_the_browsers_language(personas, client):
    assert BOKMAL_PAGE in log_in(Client(), "slt@moss.demo.no", accept_language="nb")
    assert NYNORSK_PAGE in log_in(client, "slt@moss.demo.no", accept_language="nn")


def test_a_police_person_keeps_the_browsers_language(personas, client):
    assert NYNORSK_PAGE in log_in(client, "politikontakt.luster@politiet.demo.no", accept_language="nn")


def test_the_language_switch_is_kept_as_the_persons_own_choice(personas, client):
    log_in(client, "slt@luster.demo.no")
    response = client.post(reverse("set_language"), {"language": "nb", "next": reverse("min_side")}, follow=True)
    assert BOKMAL_PAGE in response.text and "Min side" in response.text
    assert Person.objects.get(email="slt@luster.demo.no").language == Malform.BOKMAL

    # From the next login on too, on another browser that asks for nynorsk.
    client.post(reverse("account_logout"))
    assert BOKMAL_PAGE in log_in(Client(), "slt@luster.demo.no", accept_language="nn")


def test_the_switch_for_someone_not_logged_in_only_sets_the_cookie(personas, client):
    response = client.post(reverse("set_language"), {"language": "nn", "next": "/"}, follow=True)
    assert NYNORSK_PAGE in response.text
    assert not Person.objects.exclude(language="").exists()


def test_the_own_choice_wins_over_the_kommunes_and_decides_the_email_malform(personas):
    person = personas["luster_slt"].person
    assert person.own_malform() == person.malform() == Malform.NYNORSK
    person.language = Malform.BOKMAL
    assert person.own_malform() == person.malform() == Malform.BOKMAL


def test_email_malform_without_an_own_choice(personas):
    assert personas["moss_slt"].person.own_malform() is None
    assert personas["moss_slt"].person.malform(default=Malform.NYNORSK) == Malform.BOKMAL  # has a role
    guest = Person.objects.create(name="Gjest Gjestesen", email="gjest@example.no")
    assert guest.own_malform() is None and guest.malform(default=Malform.NYNORSK) == Malform.NYNORSK


def test_the_malform_is_worked_out_once_per_login(personas, client):
    log_in(client, "slt@luster.demo.no")
    with mock.patch.object(Person, "own_malform", autospec=True, return_value=Malform.BOKMAL) as own_malform:
        page = client.get(reverse("accessibility")).text
    assert NYNORSK_PAGE in page and not own_malform.called
