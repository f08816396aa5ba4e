"""End to end: an SLT-koordinator imports an agreement that does not name its parties, in a real browser."""

import pytest

from agreements.models import Agreement

pytestmark = pytest.mark.e2e

NAMELESS = (
    "Samarbeidsavtale\n\nInnledning\n\nAvtalen gjelder samarbeidet om forebygging.\n\n"
    "Politikontakten\n\nPolitikontakten er til stede minst én gang per uke:\n- på rådhuset\n- på skolene\n"
)


def test_slt_koordinator_imports_an_agreement_and_is_asked_only_for_the_missing_parties(
    page, login, assert_accessible, tmp_path
):
    login("moss_slt")
    page.goto("/avtaler/")
    page.get_by_role("link", name="Importer avtale").click()
    assert_accessible(page)
    upload = tmp_path / "avtale.txt"
    upload.write_text(NAMELESS, encoding="utf-8")
    page.get_by_label("Avtalen som fil").set_input_files(upload)
    page.get_by_role("button", name="Les avtalen").click()

    page.get_by_text("Teksten nevner ikke alle partene").wait_for()
    assert_accessible(page)
    page.get_by_label("Politiet").select_option(label="Moss politistasjonsdistrikt")
    page.get_by_label("Moss kommune").check()
    page.get_by_role("button", name="Lag utkast fra avtalen").click()

    page.get_by_text("Avtalen er importert med 2 avsnitt").wait_for()
    agreement = Agreement.objects.get()
    assert page.url.endswith(f"/avtaler/{agreement.pk}/")
    assert page.get_by_text("Politikontakten er til stede minst én gang per uke").is_visible()
