"""In a real browser: the secretary logs in, lands on Min side with the task list and the count in the
navigation, follows the innkalling task to the meeting, sends the innkalling, and the task is gone."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime
import re

import pytest
from django.utils import timezone

from agreements.services import section_update
from councils.services import year_plan_add_meeting
from tests.test_councils_rules import moss_council  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def test_secretary_lands_on_min_side_follows_the_innkalling_task_and_it_is_done(
    page, login, personas, moss_council, assert_accessible
):
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions
    day = timezone.localdate() + datetime.timedelta(days=10)
    meeting = year_plan_add_meeting(moss_council, date=day, theme="Rus blant unge", by=personas["moss_slt"])

    login("moss_slt")  # waits for /min-side/: the start page after login
    tasks = page.get_by_role("region", name="Mine oppgaver")
    task = tasks.get_by_role("link", name=f"Send innkalling til {meeting}")
    assert task.is_visible()
    assert tasks.get_by_text("Innkallingen sendes senest 7 dager før møtet").is_visible()
    deadline = (day - datetime.timedelta(days=7)).strftime("%d.%m.%Y")
    assert tasks.get_by_text(f"Frist {deadline}").is_visible()
    assert re.fullmatch(r"\d+ oppgaver?", page.get_by_test_id("task-count").text_content())
    assert_accessible(page)

    task.click()
    page.wait_for_url(f"**/moter/{meeting.pk}/")
    page.get_by_role("button", name="Send innkalling").click()
    page.get_by_text("Innkallingen er sendt").wait_for()

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Min side").click()
    page.wait_for_url("**/min-side/")
    assert page.get_by_role("link", name=f"Send innkalling til {meeting}").count() == 0
    assert_accessible(page)


def test_politikontakt_follows_the_review_task_marks_the_section_reviewed_and_the_task_is_done(
    page, login, personas, assert_accessible
):
    from agreements.models import Owner
    from agreements.services import agreement_create
    from samarbeid.models import Kommune, PoliceUnit

    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )
    section = agreement.sections.filter(owner=Owner.KOMMUNE).order_by("order").first()
    section_update(section, local_text="<p>Kommunen stiller med kontor på rådhuset.</p>", by=personas["moss_slt"])

    login("moss_politikontakt")
    tasks = page.get_by_role("region", name="Mine oppgaver")
    task = tasks.get_by_role("link", name=f"Gå gjennom 1 avsnitt i «{agreement.title}»")
    assert task.is_visible()
    assert tasks.get_by_text("venter på gjennomgang fra Moss politistasjonsdistrikt").is_visible()
    assert_accessible(page)

    task.click()
    page.wait_for_url(f"**/avtaler/{agreement.pk}/#{section.anchor}")
    block = page.locator(f"#{section.anchor}")
    assert block.get_by_text("Ikke gjennomgått av Moss politistasjonsdistrikt").is_visible()
    assert_accessible(page)
    block.get_by_role("button", name=f"Merk som gjennomgått {section.heading}").click()  # htmx swaps the section
    page.locator(f"#{section.anchor}").get_by_text("Avsnittet er merket som gjennomgått.").wait_for()
    assert page.locator(f"#{section.anchor}").get_by_text("Gjennomgått av Moss politistasjonsdistrikt").is_visible()
    assert page.locator(f"#{section.anchor}").get_by_role("button", name="Merk som gjennomgått").count() == 0
    assert_accessible(page)

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Min side").click()
    page.wait_for_url("**/min-side/")
    assert page.get_by_role("link", name=f"Gå gjennom 1 avsnitt i «{agreement.title}»").count() == 0
