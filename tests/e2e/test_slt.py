"""The SLT-koordinator creates a coordination group, holds a meeting and updates a tiltak, in a real browser."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from samarbeid.models import Kommune
from slt.services import plan_create, slt_model_create, tiltak_create

pytestmark = pytest.mark.e2e


@pytest.fixture
def moss_plan(personas):
    user = personas["moss_slt"]
    slt_model = slt_model_create(name="SLT Moss", kommuner=[Kommune.objects.get(number="3103")], created_by=user)
    plan = plan_create(
        slt_model=slt_model, title="Handlingsplan", start_year=2024, end_year=2027, focus_areas=["Rus"], created_by=user
    )
    tiltak_create(plan=plan, created_by=user, focus_area=plan.focus_areas.get(), title="Årlig SLT-fagdag")
    return plan


def test_koordinator_creates_a_group_holds_a_meeting_and_updates_a_tiltak(page, login, moss_plan, assert_accessible):
    login("moss_slt")
    page.get_by_role("link", name="SLT", exact=True).click()
    page.get_by_role("link", name="SLT Moss").click()
    page.get_by_text("Koordineringsnivå").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Ny koordineringsgruppe").click()
    page.get_by_label("Navn").fill("SLT-utøvergruppe")
    page.get_by_label("Møtehyppighet").select_option(label="Tre ganger i året")
    page.get_by_label("Faste punkter på sakslisten").fill("Referatsaker\nStatus for tiltak mot cannabis")
    page.get_by_role("button", name="Lagre").click()
    page.get_by_role("heading", name="SLT-utøvergruppe").wait_for()
    assert page.get_by_text("Taushetsplikt").first.is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Legg til medlem").click()
    page.get_by_label("Navn").fill("Nina NAV")
    page.get_by_label("Organisasjon").fill("NAV")
    page.get_by_role("button", name="Legg til").click()
    page.get_by_role("cell", name="Nina NAV").wait_for()

    page.get_by_role("link", name="Planlegg møte").click()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.get_by_label("Dato").fill(yesterday.isoformat())
    page.get_by_label("Fra kl.").fill("09:00")
    page.get_by_label("Til kl.").fill("10:30")
    page.get_by_label("Sted").fill("Rådhuset")
    page.get_by_role("button", name="Planlegg møtet").click()
    page.get_by_text("Taushetsplikt").first.wait_for()
    page.get_by_label("Referat", exact=True).last.fill("Gjennomgang av tiltak mot cannabis på systemnivå.")
    page.get_by_role("button", name="Lagre referat").last.click()
    page.get_by_text("Sist lagret").first.wait_for()
    page.get_by_role("button", name="Marker som avholdt").click()
    page.get_by_text("Avholdt").first.wait_for()

    page.goto(reverse("slt:detail", args=[moss_plan.slt_model_id]))
    assert page.get_by_text("1 av").first.is_visible()

    page.get_by_role("link", name="Handlingsplan 2024–2027").click()
    assert_accessible(page)
    page.get_by_role("link", name="Årlig SLT-fagdag").click()
    page.get_by_label("Status").select_option(label="I gang")
    page.get_by_label("Fremdriftsnotat").fill("Dato og tema er bestemt.")
    page.get_by_role("button", name="Registrer fremdrift").click()
    page.get_by_text("status endret fra Planlagt til I gang").wait_for()
    assert page.get_by_text("Dato og tema er bestemt.").is_visible()
    assert_accessible(page)
