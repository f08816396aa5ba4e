"""In a real browser: the SLT-koordinator and the politikontakt each write their own section of one draft. The
agreement's other pages and the template editor are walked in tests/e2e/test_persona_walk.py."""

import pytest

from agreements.models import Owner
from agreements.services import agreement_create, section_update
from samarbeid.models import Kommune, PoliceUnit

pytestmark = pytest.mark.e2e


@pytest.fixture
def moss_agreement(personas):
    return agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )


def edit_button(page, heading):
    return page.get_by_role("link", name=f"Rediger {heading}")


def write_in_editor(page, heading, words, *, after_list=False):
    section = page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))
    edit_button(page, heading).click()
    editor = section.locator("[contenteditable][role=textbox]")  # the rich-text editor over the textarea
    editor.click()
    page.keyboard.press("Control+End")
    if after_list:  # Enter twice leaves the list the text ends with
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
    page.keyboard.type(words)
    page.keyboard.press("Enter")
    section.get_by_role("button", name="Punktliste").click()
    page.keyboard.type("første punkt")
    section.get_by_role("button", name="Lagre").click()
    return section


def test_slt_koordinator_and_politikontakt_each_edit_their_own_section_and_are_refused_the_others(
    browser, live_server, page, login, personas, moss_agreement, assert_accessible
):
    slt_heading = moss_agreement.sections.get(owner=Owner.KOMMUNE, kind="slt").heading
    police_section = moss_agreement.sections.get(owner=Owner.POLICE, kind="politikontakt")
    section_update(
        police_section, local_text="<p>Fra før</p><ul><li>eksisterende punkt</li></ul>", by=personas["moss_leder"]
    )
    police_heading = police_section.heading
    detail = f"/avtaler/{moss_agreement.pk}/"

    login("moss_slt")
    page.goto(detail)
    assert_accessible(page)
    assert not edit_button(page, police_heading).count()
    section = write_in_editor(page, slt_heading, "Handlingsplanen for 2025–2027 gjelder.")
    section.get_by_text("Handlingsplanen for 2025–2027 gjelder.").wait_for()
    assert section.locator("ul li", has_text="første punkt").is_visible()
    assert page.url.endswith(detail)  # saved inline with htmx, no page load
    police_section_id = moss_agreement.sections.get(heading=police_heading).pk
    refused = page.goto(f"{detail}avsnitt/{police_section_id}/rediger/")
    assert refused.status == 403

    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    other = context.new_page()
    login("moss_politikontakt", target=other)
    other.goto(detail)
    assert other.get_by_text("Handlingsplanen for 2025–2027 gjelder.").is_visible()  # reads the kommune's text
    assert not edit_button(other, slt_heading).count()
    section = write_in_editor(other, police_heading, "Til stede i kommunen minst én gang per uke.", after_list=True)
    section.get_by_text("Til stede i kommunen minst én gang per uke.").wait_for()
    slt_section_id = moss_agreement.sections.get(heading=slt_heading).pk
    assert other.goto(f"{detail}avsnitt/{slt_section_id}/rediger/").status == 403
    context.close()

    stored = moss_agreement.sections.get(heading=police_heading)
    assert stored.local_text == (
        "<p>Fra før</p><ul><li>eksisterende punkt</li></ul>"  # loaded into the editor and kept
        "<p>Til stede i kommunen minst én gang per uke.</p><ul><li>første punkt</li></ul>"
    )
    assert stored.version == 3


def test_leaving_with_unsaved_changes_warns(page, login, moss_agreement):
    heading = moss_agreement.sections.get(owner=Owner.KOMMUNE, kind="slt").heading
    login("moss_slt")
    page.goto(f"/avtaler/{moss_agreement.pk}/")
    edit_button(page, heading).click()
    section = page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))
    section.locator("[contenteditable][role=textbox]").click()
    page.keyboard.type("Ikke lagret")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(200)
    assert dialogs == ["beforeunload"]
