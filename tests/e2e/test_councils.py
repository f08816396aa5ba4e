"""In a real browser: the secretary plans a politiråd meeting, sends the innkalling (captured e-mail), writes
minutes with a decision and a follow-up, and a member of the council sees it. The politikontakt's log and the
other council pages are walked in tests/e2e/test_persona_walk.py."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime

import pytest
from django.utils import timezone

from tests.test_councils_rules import moss_council  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_secretary_plans_summons_and_minutes_a_meeting_and_a_member_sees_it(
    browser, live_server, page, login, moss_council, mailoutbox, assert_accessible
):
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions
    day = timezone.localdate() + datetime.timedelta(days=14)

    login("moss_slt")
    page.goto(f"/politirad/{moss_council.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Planlegg møte").click()
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Fra kl.").fill("09:00")
    page.get_by_label("Til kl.").fill("11:00")
    page.get_by_label("Sted").fill("Moss rådhus")
    page.get_by_label("Tema").fill("Rus blant unge")
    page.get_by_role("button", name="Planlegg møtet").click()
    page.get_by_text("Møtet er planlagt").wait_for()

    page.get_by_role("button", name="Send innkalling").click()
    page.get_by_text("Innkallingen er sendt").wait_for()
    assert {message.to[0] for message in mailoutbox} >= {"ordforer@moss.demo.no", "slt@moss.demo.no"}
    assert "Nytt fra politiet" in mailoutbox[0].body
    assert mailoutbox[0].attachments[0][0] == "mote.ics"

    item = page.locator("li.agenda__item", has_text="Nytt fra politiet")
    item.get_by_label("Referat").fill("Politiet orienterte om russetiden.")
    item.get_by_role("button", name="Lagre referat").click()
    item.get_by_text("Sist lagret").wait_for()
    item.get_by_label("Nytt vedtak").fill("Felles tiltak mot rus i russetiden.")
    item.get_by_role("button", name="Legg til vedtak").click()
    item.get_by_text("Felles tiltak mot rus i russetiden.").wait_for()
    item.get_by_text("Legg til oppfølging").first.click()
    item.get_by_label("Oppfølging", exact=True).fill("Plan for russetiden")
    item.get_by_label("Ansvarlig part").select_option(label="Moss kommune")
    item.get_by_label("Frist").fill((day + datetime.timedelta(days=30)).isoformat())
    item.get_by_role("button", name="Legg til oppfølging").click()
    item.get_by_text("Plan for russetiden").wait_for()
    assert_accessible(page)
    meeting_url = page.url.split("#")[0]

    member_context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    member = member_context.new_page()
    login("moss_leder", target=member)  # a member, not an organiser
    member.goto(meeting_url)
    assert member.get_by_text("Politiet orienterte om russetiden.").is_visible()
    assert member.get_by_text("Felles tiltak mot rus i russetiden.").is_visible()
    assert member.get_by_text("Plan for russetiden").is_visible()
    assert not member.get_by_role("button", name="Legg til vedtak").count()
    member.goto(f"/moter/forum/{moss_council.forum_id}/oppfolging/")
    assert member.get_by_text("Plan for russetiden").is_visible()
    member_context.close()
