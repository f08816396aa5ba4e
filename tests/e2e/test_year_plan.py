"""In a real browser: the secretary writes last year's evaluation beside its figures, sets a theme for a month of
this year's årshjul, and plans a meeting that gets it on its agenda; both pages pass axe."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime

import pytest
from django.utils import timezone

from tests.test_councils_rules import moss_council  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_the_evaluation_feeds_the_year_plan_and_the_theme_lands_on_the_agenda(
    browser, live_server, page, login, moss_council, assert_accessible
):
    today = timezone.localdate()
    year = today.year + 1
    login("moss_slt")
    page.goto(f"/politirad/{moss_council.pk}/evaluering/{year - 1}/")
    assert_accessible(page)
    page.get_by_label("Hva bør endres neste år").fill("Legg fram politiets innbyggerundersøkelse i første møte.")
    page.get_by_label("Hvilke tema bør politirådet ta opp neste år").fill("Nettmobbing")
    page.get_by_role("button", name="Lagre evalueringen").click()
    page.get_by_text("Årsevalueringen er lagret.").wait_for()
    assert_accessible(page)

    page.goto(f"/politirad/{moss_council.pk}/arshjul/{year}/")
    page.get_by_text("Legg fram politiets innbyggerundersøkelse i første møte.").wait_for()
    page.get_by_label("Tema i mars").fill("Nettmobbing")
    page.get_by_role("button", name="Lagre årshjulet").click()
    page.get_by_text("Årshjulet er lagret.").wait_for()
    assert page.locator("li.ds-card", has_text="Mars").get_by_text("Tema: Nettmobbing").is_visible()
    assert_accessible(page)

    page.get_by_label("Dato").fill(datetime.date(year, 3, 10).isoformat())
    page.get_by_role("button", name="Legg inn møtet").click()
    page.get_by_text("Møtet er lagt inn i årshjulet.").wait_for()
    page.locator("li.ds-card", has_text="Mars").get_by_role("link").first.click()
    page.get_by_text("Tema fra årshjul: Nettmobbing").first.wait_for()

    member_context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    member = member_context.new_page()
    login("moss_leder", target=member)  # a member reads the evaluation, without a form
    member.goto(f"/politirad/{moss_council.pk}/evaluering/{year - 1}/")
    member.get_by_text("Legg fram politiets innbyggerundersøkelse i første møte.").wait_for()
    assert member.get_by_role("button", name="Lagre evalueringen").count() == 0
    assert_accessible(member)
    member_context.close()
