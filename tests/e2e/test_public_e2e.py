"""A resident in a real browser: landing page → kommune (found by typing) → signed agreement → the sealed PDF →
published minutes with an exempt item; axe finds nothing on any public page, and the search works."""

import pytest
from django.urls import reverse

from tests.public_scene import PUBLISHED, build_public_scene

pytestmark = pytest.mark.e2e


@pytest.fixture
def scene(personas, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    return build_public_scene(personas, django_capture_on_commit_callbacks)


def test_a_resident_reads_the_signed_agreement_and_the_published_minutes(page, scene, assert_accessible):
    page.goto("/")
    assert_accessible(page)
    page.get_by_label("Søk etter kommune (navn eller nummer)").fill("Mos")
    page.locator("#kommune-treff").get_by_role("link", name="Moss kommune", exact=True).click()  # live results (htmx)
    page.wait_for_url("**/kommune/3103-moss/")
    page.get_by_role("heading", name="Moss kommune", level=1).wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Les avtalen").click()
    page.get_by_role("heading", name="Signaturer").wait_for()
    assert page.get_by_text("Unntatt offentlighet, offl. § 13 jf. fvl. § 13").is_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned signert PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # the agreement's own verification page names who signed, and checks the file just downloaded
    page.get_by_role("link", name="Kontroller signaturene").click()
    page.get_by_role("heading", name="Kontroller signert avtale").wait_for()
    signers = page.get_by_role("table", name="Signaturer")
    assert signers.get_by_text("Moss kommune").first.is_visible()
    assert_accessible(page)
    page.get_by_label("PDF-fil").set_input_files(download.value.path())
    page.get_by_role("button", name="Kontroller").click()
    page.get_by_text("Ekte og uendret.").wait_for()
    assert_accessible(page)

    page.goto(reverse("public:meeting", args=[scene["published"].pk]))
    assert page.get_by_text(PUBLISHED).is_visible()
    assert page.get_by_text("Unntatt offentlighet, offl. § 13 jf. fvl. § 13").first.is_visible()
    assert_accessible(page)


def test_every_other_public_page_is_accessible(page, scene, assert_accessible):
    council = scene["council"]
    for url in [
        "/kommune/",
        "/kommune/?q=xyzzy",
        "/politidistrikt/",
        reverse("public:district", args=[council.host_kommune.district.code]),
        reverse("public:council", args=[council.pk]),
        reverse("public:meeting", args=[scene["closed"].pk]),
        reverse("public:meeting", args=[scene["minutes_exempt"].pk]),
        reverse("public:search") + "?q=referat",
        reverse("public:search") + "?q=zzqqxx",
    ]:
        page.goto(url)
        page.locator("h1").first.wait_for()
        assert_accessible(page)


def test_search_updates_while_typing_and_pages(page, scene, assert_accessible):
    page.goto("/sok/")
    page.get_by_label("Søk i offentlige avtaler, referater og handlingsplaner").fill(PUBLISHED.lower())
    page.locator("#sok-treff").get_by_text("1 treff").wait_for()
    assert page.locator("#sok-treff mark").count() >= 1
    assert_accessible(page)
