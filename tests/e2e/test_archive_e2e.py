"""End to end: the footer's accessibility statement and privacy page (nb and nn), the verification page an anonymous
visitor reaches from the address in a sealed PDF, and the archive package downloaded from the signing page — every
page axe-clean."""

import io
import zipfile

import pytest
from lxml import etree

from agreements.verification import verification_path
from samarbeid.archive import SCHEMA_FILE
from tests.test_archive_export import archive_settings, signed  # noqa: F401  (fixture and helper)

pytestmark = pytest.mark.e2e


@pytest.fixture
def sealed(personas, django_capture_on_commit_callbacks):
    return signed(
        personas,
        django_capture_on_commit_callbacks,
        police="Moss politistasjonsdistrikt",
        kommune="3103",
        signers=["moss_ordforer", "moss_leder"],
    )


def test_accessibility_statement_and_privacy_page_from_the_footer_in_bokmal(page, assert_accessible):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Tilgjengelighetserklæring").click()
    page.wait_for_url("**/tilgjengelighet/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tilgjengelighetserklæring for Samarbeid"
    body = page.locator("main").inner_text()
    assert "WCAG 2.1" in body and "EN 301 549" in body and "Kjente avvik" in body
    assert "Tilsynet for universell utforming av ikt" in body and "Postboks 1382 Vika, 0114 Oslo" in body
    assert_accessible(page)
    page.get_by_role("contentinfo").get_by_role("link", name="Personvern").click()
    page.wait_for_url("**/personvern/")
    body = page.locator("main").inner_text()
    for heading in (
        "Behandlingsansvarlig",
        "Formål og rettslig grunnlag",
        "Hvor lenge opplysningene lagres",
        "Dine rettigheter",
    ):
        assert heading in body
    assert "artikkel 6 nr. 1 bokstav e" in body and "Datatilsynet" in body
    assert_accessible(page)


def test_the_two_pages_in_nynorsk(browser, live_server, reference_data, assert_accessible):
    context = browser.new_context(
        base_url=live_server.url, locale="nn-NO", extra_http_headers={"Accept-Language": "nn"}
    )
    page = context.new_page()
    try:
        page.goto("/tilgjengelighet/")
        assert page.get_by_role("heading", level=1).inner_text() == "Tilgjengeerklæring for Samarbeid"
        assert page.locator("html").get_attribute("lang") == "nn"
        assert_accessible(page)
        page.goto("/personvern/")
        assert "Kor lenge opplysningane blir lagra" in page.locator("main").inner_text()
        assert_accessible(page)
    finally:
        context.close()


def test_anonymous_visitor_checks_a_sealed_agreement_at_its_printed_address(page, sealed, assert_accessible):
    page.goto(verification_path(sealed))
    main = page.locator("main").inner_text()
    assert "Avtalen er signert av alle parter." in main and sealed.title in main and "Versjon 1" in main
    assert "Hege Tollefsen" in main and "Jon Kasper Hammer" in main
    assert_accessible(page)


def test_archive_package_downloads_from_the_signing_page(page, login, sealed, assert_accessible):
    login("moss_slt")
    page.goto(f"/avtaler/{sealed.pk}/signering/")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned arkivpakke (Noark 5)").click()
    package = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    etree.XMLSchema(etree.parse(str(SCHEMA_FILE))).assertValid(etree.fromstring(package.read("metadata.xml")))
    assert f"dokumenter/samarbeidsavtale-{sealed.pk}.pdf" in package.namelist()
