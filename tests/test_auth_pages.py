"""The login and security pages (allauth's) speak the user's målform and use the app's own terms.

allauth ships bokmål but no nynorsk; without our catalogue a nynorsk user would see its pages in bokmål
(Django falls back from nn to LANGUAGE_CODE). Every string such a page looks up while it is rendered in
nynorsk must therefore have an entry in the nynorsk catalogue itself, not only in the fallback. The second
factor has one name across the app: "totrinnsinnlogging" (with an "autentiseringsapp"); allauth's own
bokmål terms ("tofaktorautentisering" ...) are overridden.
"""

import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from samarbeid.demo import DEMO_PASSWORD
from tests.test_signing_mfa import sent, signing_settings  # noqa: F401, F811 (fixtures)

RETIRED_TERMS = ("tofaktor", "two-factor", "mfa)")


def code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def looked_up(monkeypatch):
    """Every message id (with its context, if any) looked up while the active language is nynorsk."""
    seen: set[str] = set()
    original_gettext, original_ngettext = trans_real.gettext, trans_real.ngettext

    def gettext(message):
        if translation.get_language() == "nn" and message:
            seen.add(str(message))
        return original_gettext(message)

    def ngettext(singular, plural, number):
        if translation.get_language() == "nn":
            seen.add(str(singular))
        return original_ngettext(singular, plural, number)

    for target in (trans_real, translation._trans):
        monkeypatch.setattr(target, "gettext", gettext)
        monkeypatch.setattr(target, "ngettext", ngettext)
    return seen


def missing_in_nynorsk(message_ids: set[str]) -> list[str]:
    """The ids the nynorsk catalogue has no entry for (they would be shown from the bokmål fallback)."""
    catalogue = trans_real.translation("nn")._catalog
    return sorted(m for m in message_ids if m not in catalogue and (m, 0) not in catalogue)


def client_in(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def log_in(client: Client, user, secret: str | None = None):
    response = client.post("/konto/login/", {"login": user.email, "password": DEMO_PASSWORD})
    if secret:
        assert response.url == "/konto/2fa/authenticate/"
        response = client.post("/konto/2fa/authenticate/", {"code": code(secret)}, follow=True)
    return response


def page(client: Client, url: str, method: str = "get", data=None):
    response = getattr(client, method)(url, data or {}, follow=True)
    assert response.status_code == 200, url
    return response.content.decode()


def walk(language: str, user, secret: str) -> dict[str, str]:
    """Every login and security page, as its user sees it, by name."""
    client = client_in(language)
    pages = {}
    pages["login"] = page(client, "/konto/login/")
    pages["login, wrong password"] = page(client, "/konto/login/", "post", {"login": user.email, "password": "x"})
    client.post("/konto/login/", {"login": user.email, "password": DEMO_PASSWORD})
    pages["mfa authenticate"] = page(client, "/konto/2fa/authenticate/")
    pages["mfa authenticate, wrong code"] = page(client, "/konto/2fa/authenticate/", "post", {"code": "000000"})
    pages["logged in"] = page(client, "/konto/2fa/authenticate/", "post", {"code": code(secret)})
    pages["mfa index"] = page(client, "/konto/2fa/")
    pages["reauthenticate"] = page(client, "/konto/reauthenticate/")
    pages["mfa reauthenticate"] = page(client, "/konto/2fa/reauthenticate/")
    pages["mfa reauthenticate, wrong code"] = page(client, "/konto/2fa/reauthenticate/", "post", {"code": "000000"})
    page(client, "/konto/reauthenticate/", "post", {"password": DEMO_PASSWORD})
    pages["recovery codes"] = page(client, "/konto/2fa/recovery-codes/")
    pages["recovery codes, generate"] = page(client, "/konto/2fa/recovery-codes/generate/")
    pages["recovery codes generated"] = page(client, "/konto/2fa/recovery-codes/generate/", "post")
    pages["recovery codes download"] = page(client, "/konto/2fa/recovery-codes/download/")
    pages["totp deactivate"] = page(client, "/konto/2fa/totp/deactivate/")
    pages["password change"] = page(client, "/konto/password/change/")
    pages["password change, wrong"] = page(
        client, "/konto/password/change/", "post", {"oldpassword": "x", "password1": "a", "password2": "b"}
    )
    pages["email"] = page(client, "/konto/email/")
    pages["totp deactivated"] = page(client, "/konto/2fa/totp/deactivate/", "post")
    pages["totp activate"] = page(client, "/konto/2fa/totp/activate/")
    pages["totp activate, wrong code"] = page(client, "/konto/2fa/totp/activate/", "post", {"code": "000000"})
    fresh = client.session["mfa.totp.secret"]
    pages["totp activated"] = page(client, "/konto/2fa/totp/activate/", "post", {"code": code(fresh)})
    user.set_unusable_password()
    user.save()
    pages["password set"] = page(client, "/konto/password/set/")
    pages["logout"] = page(client, "/konto/logout/")
    pages["logged out"] = page(client, "/konto/logout/", "post")
    anonymous = client_in(language)
    pages["password reset"] = page(anonymous, "/konto/password/reset/")
    pages["password reset sent"] = page(anonymous, "/konto/password/reset/", "post", {"email": user.email})
    pages["password reset, bad key"] = page(anonymous, "/konto/password/reset/key/1-bad/")
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    pages["password reset from key"] = page(anonymous, f"/konto/password/reset/key/{key}/")
    pages["password reset from key done"] = page(anonymous, "/konto/password/reset/key/done/")
    return pages


def enrolled(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def test_every_string_on_the_login_and_security_pages_has_a_nynorsk_translation(personas, looked_up):
    user = personas["luster_slt"]
    pages = walk("nn", user, enrolled(user))

    assert looked_up, "the recorder saw the pages' strings"
    assert missing_in_nynorsk(looked_up) == []
    assert "Logg inn" in pages["login"] and "Hugs meg" in pages["login"]
    assert "E-postadressa eller passordet er feil." in pages["login, wrong password"]
    assert "Skriv inn koden frå autentiseringsappen" in pages["mfa authenticate"]
    assert "Du er logga inn som" in pages["logged in"]
    assert "Totrinnsinnlogging" in pages["mfa index"] and "Gjenopprettingskodar" in pages["mfa index"]
    assert "Ta i bruk autentiseringsapp" in pages["totp activate"]
    assert "Noverande passord" in pages["password change"]


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_second_factor_has_one_name_on_every_page(personas, language):
    user = personas["luster_slt"]
    pages = walk(language, user, enrolled(user))
    client = client_in(language)
    log_in(client, personas["moss_slt"])
    pages["min side"] = page(client, reverse("min_side"))

    for name, text in pages.items():
        assert not any(term in text.lower() for term in RETIRED_TERMS), name
    assert "Totrinnsinnlogging" in pages["mfa index"] and "Totrinnsinnlogging" in pages["min side"]
    assert "Bruk autentiseringsappen eller e" in pages["reauthenticate"]  # "en"/"ein" gjenopprettingskode


# --- enrolling from the signing page returns to it -------------------------------------------------------------


def test_enrolling_the_second_factor_from_the_signing_page_returns_to_it(personas, sent):  # noqa: F811
    signer = personas["moss_ordforer"]
    client = Client()
    log_in(client, signer)
    signing = reverse("agreements:signing", args=[sent.pk])
    link = f"{reverse('mfa_activate_totp')}?next={signing}"
    assert link in client.get(signing).content.decode()

    confirm_password = client.get(link)  # allauth asks for the password again before enrolment ...
    back = client.post(confirm_password.url, {"password": DEMO_PASSWORD})
    assert back.url == link  # ... and comes back with the signing page still in `next`
    assert f'name="next" value="{signing}"' in client.get(link).content.decode()
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret), "next": signing})

    assert response.status_code == 302 and response.url == signing
    assert "Signer avtalen" in client.get(signing).content.decode()


def test_a_next_to_another_site_is_ignored(personas):
    user = personas["moss_ordforer"]
    client = Client()
    log_in(client, user)
    client.post("/konto/reauthenticate/", {"password": DEMO_PASSWORD})
    assert (
        'name="next" value="https://evil.example/"'
        not in client.get(f"{reverse('mfa_activate_totp')}?next=https://evil.example/").content.decode()
    )
    secret = client.session["mfa.totp.secret"]
    response = client.post(
        f"{reverse('mfa_activate_totp')}?next=https://evil.example/", {"code": code(secret), "next": "//evil.example/"}
    )

    assert response.status_code == 302 and response.url == reverse("mfa_view_recovery_codes")
