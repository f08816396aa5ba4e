"""In a real browser: Moss's politikontakt proposes changes to the kommune's sections and comments on another,
Moss's SLT-koordinator accepts one proposal and declines the other, and the signing page shows both."""

import pytest

from agreements.models import ChangeProposal, Owner
from agreements.services import agreement_create, section_update
from samarbeid.models import Kommune, PoliceUnit

pytestmark = pytest.mark.e2e


@pytest.fixture
def moss_agreement(personas):
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )
    for section in agreement.sections.filter(owner=Owner.KOMMUNE).order_by("order"):
        section_update(
            section, local_text=f"<p>Kommunens tekst om {section.heading.lower()}.</p>", by=personas["moss_slt"]
        )
    return agreement


def section_block(page, heading):
    return page.locator(".agreement__block", has=page.get_by_role("heading", name=heading, exact=True))


def propose(page, detail, heading, words):
    page.goto(detail)
    page.get_by_role("link", name=f"Foreslå endring {heading}").click()
    editor = page.locator("[contenteditable][role=textbox]")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(words)
    page.get_by_label("Begrunnelse (valgfritt)").fill("Slik blir det tydeligere.")
    page.get_by_role("button", name="Send forslaget").click()
    page.get_by_text("Endringsforslaget er sendt til kommunen.").wait_for()


def answer(page, detail, heading, choice, reason=""):
    page.goto(detail)
    section_block(page, heading).get_by_role("link", name="Svar på forslaget").click()
    page.get_by_label(choice).check()
    if reason:
        page.get_by_label("Begrunnelse (må fylles ut ved avslag)").fill(reason)
    page.get_by_role("button", name="Lagre svaret").click()
    page.get_by_text("Svaret på forslaget er lagret.").wait_for()


def test_politikontakt_proposes_and_comments_slt_koordinator_accepts_one_and_declines_one_and_signing_shows_both(
    browser, live_server, page, login, personas, moss_agreement, assert_accessible
):
    first, second = moss_agreement.sections.filter(owner=Owner.KOMMUNE).order_by("order")[:2]
    third = moss_agreement.sections.filter(owner=Owner.FELLES).order_by("order").first()
    detail = f"/avtaler/{moss_agreement.pk}/"

    login("moss_politikontakt")
    propose(page, detail, first.heading, " Politikontakten er med på planleggingen.")
    assert_accessible(page)  # the agreement page with an open proposal
    propose(page, detail, second.heading, " Kommunen dekker alle kostnader.")
    block = section_block(page, third.heading)
    block.get_by_label(f"Ny kommentar til «{third.heading}»").fill("Hvem i kommunen følger opp? @slt-koordinator")
    block.get_by_role("button", name=f"Kommenter {third.heading}").click()
    page.get_by_text("Kommentaren er lagt inn.").wait_for()
    assert section_block(page, third.heading).locator("strong.mention", has_text="@slt-koordinator").is_visible()
    assert_accessible(page)

    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    slt = context.new_page()
    login("moss_slt", target=slt)
    slt.goto(detail)
    proposal = section_block(slt, first.heading).locator("article.proposal")
    assert proposal.locator("ins", has_text="planleggingen.").is_visible()  # the word diff
    section_block(slt, first.heading).get_by_role("link", name="Svar på forslaget").click()
    assert_accessible(slt)  # the proposal page with the answer form
    answer(slt, detail, first.heading, "Godta forslaget")
    answer(slt, detail, second.heading, "Avslå forslaget", reason="Kostnadene deles etter avtalen om politiråd.")
    assert "Politikontakten er med på planleggingen." in slt.locator(f"#{first.anchor}").inner_text()  # the new text
    assert_accessible(slt)

    slt.goto(f"/avtaler/{moss_agreement.pk}/signering/")
    negotiated = slt.locator("section", has=slt.get_by_role("heading", name="Hva partene har forhandlet om"))
    assert negotiated.get_by_text(
        f"«{first.heading}», forslag fra Moss politistasjonsdistrikt: godtatt av"
    ).is_visible()
    declined = negotiated.get_by_text(f"«{second.heading}», forslag fra Moss politistasjonsdistrikt: avslått av")
    assert declined.is_visible()
    assert negotiated.get_by_text("Kostnadene deles etter avtalen om politiråd.").is_visible()
    assert negotiated.get_by_text(f"Kommentar til «{third.heading}» fra Moss politistasjonsdistrikt").is_visible()
    assert_accessible(slt)
    context.close()

    statuses = dict(ChangeProposal.objects.values_list("section__heading", "status"))
    assert statuses == {first.heading: "godtatt", second.heading: "avslatt"}


def test_negotiation_overview_and_council_decision_pages_have_no_accessibility_violations(
    page, login, moss_agreement, assert_accessible
):
    login("moss_slt")
    for path in (f"/avtaler/{moss_agreement.pk}/forhandling/", f"/avtaler/{moss_agreement.pk}/kommunestyrevedtak/"):
        page.goto(path)
        assert_accessible(page)
