"""Rules read from the agreement itself: one test per rule, with the veileder default and the agreement value."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Owner
from agreements.rules import (
    AgreementStatus,
    agreement_status,
    agreement_terms,
    expires_on,
    innkalling_days,
    kommunevalg_on,
    revision_due_on,
    terms_from_text,
)
from agreements.services import agreement_create, section_add
from councils.rules import evaluation_due_on, min_meetings_per_year, year_plan_due_on
from councils.services import council_compliance, council_create
from oversight.figures import kommune_figures
from samarbeid.meetings import innkalling_deadline, innkalling_was_late, meeting_plan
from samarbeid.models import Kommune, Meeting, PoliceUnit
from samarbeid.mytasks import tasks_for

TODAY = datetime.date(2026, 12, 1)


def aware(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def moss(personas):
    return Kommune.objects.get(number="3103")


@pytest.fixture
def make_agreement(personas, moss):
    def make(text: str = "", **period) -> Agreement:
        agreement = agreement_create(
            police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
            kommuner=[moss],
            created_by=personas["moss_slt"],
            **period,
        )
        if text:
            section_add(
                agreement,
                heading="Politirådet",
                owner=Owner.FELLES,
                by=personas["moss_slt"],
                local_text=f"<p>{text}</p>",
            )
        return Agreement.objects.get(pk=agreement.pk)

    return make


@pytest.fixture
def make_council(personas, moss):
    def make(agreement: Agreement | None = None, min_meetings: int = 2):
        return council_create(
            name="Politirådet i Moss",
            host_kommune=moss,
            other_kommuner=[],
            police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
            min_meetings_per_year=min_meetings,
            agreement=agreement,
            by=personas["moss_slt"],
        )

    return make


def plan(council, day: datetime.date, by):
    return meeting_plan(council.forum, starts_at=aware(day), ends_at=aware(day, 20), by=by)


def sign(agreement: Agreement) -> Agreement:
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.SIGNED)
    return Agreement.objects.get(pk=agreement.pk)


# --- reading the text -----------------------------------------------------------------------------------------


def test_the_moss_seed_states_its_revision_rule_minimum_meetings_evaluation_and_year_plan():
    text = (settings.REFERENCE_DATA_DIR / "seeds" / "moss-ost-2018.txt").read_text()
    terms = terms_from_text([line for line in text.splitlines() if line.strip()])
    assert terms.revise_after_kommunevalg
    assert terms.min_meetings_per_year == 2
    assert terms.evaluation_at_last_meeting
    assert terms.year_plan_at_last_meeting


def test_the_luster_seed_in_nynorsk_promises_four_meetings_a_year():
    text = (settings.REFERENCE_DATA_DIR / "seeds" / "luster-vest-2019-nynorsk.txt").read_text()
    assert terms_from_text(text.splitlines()).min_meetings_per_year == 4


def test_a_nynorsk_innkalling_sentence_in_weeks_counts_seven_days_a_week():
    assert terms_from_text(["Innkalling vert send ut seinast to veker før møtet."]).innkalling_days == 14


# --- innkalling -------------------------------------------------------------------------------------------------


def test_innkalling_deadline_is_seven_days_before_when_the_agreement_is_silent(make_council, personas):
    council = make_council()
    meeting = plan(council, datetime.date(2027, 3, 10), personas["moss_slt"])
    assert innkalling_deadline(meeting) == datetime.date(2027, 3, 3)


def test_one_deadline_from_the_agreement_decides_the_task_the_meeting_page_the_compliance_and_the_oversight(
    make_agreement, make_council, personas, moss, client_for
):
    """The agreement says "senest 14 dager før": an innkalling ten days ahead is late everywhere it is counted,
    though the veileder's seven days would call it on time."""
    council = make_council(make_agreement("Innkalling sendes ut senest 14 dager før møtet."))
    year = timezone.localdate().year
    held = plan(council, datetime.date(year, 6, 15), personas["moss_slt"])
    Meeting.objects.filter(pk=held.pk).update(
        status=Meeting.Status.SUMMONED, summoned_at=aware(datetime.date(year, 6, 5))
    )
    held = Meeting.objects.get(pk=held.pk)
    assert innkalling_deadline(held) == datetime.date(year, 6, 1) and innkalling_was_late(held)

    compliance = council_compliance(council, year)
    assert compliance.late_agendas == [held] and compliance.notice_days == 14
    [figures] = [row.council for row in kommune_figures(Kommune.objects.filter(pk=moss.pk)).rows]
    assert (figures.innkallinger, figures.innkallinger_on_time) == (1, 0)
    page = client_for("moss_slt").get(reverse("meetings:detail", args=[held.pk])).text
    assert "Innkallingen ble sendt etter fristen, senest 14 dager før" in page
    council_page = client_for("moss_slt").get(reverse("councils:detail", args=[council.pk])).text
    assert "1 innkalling sendt etter fristen" in council_page and "(fristen er 14 dager før møtet)" in council_page

    ahead = plan(council, timezone.localdate() + datetime.timedelta(days=20), personas["moss_slt"])
    [task] = [t for t in tasks_for(personas["moss_slt"]) if t.key == f"meeting:{ahead.pk}:innkalling"]
    assert task.due_on == innkalling_deadline(ahead) == timezone.localdate() + datetime.timedelta(days=6)


def test_without_a_rule_in_the_agreement_the_same_innkalling_is_on_time(make_council, personas, moss):
    council = make_council()
    year = timezone.localdate().year
    held = plan(council, datetime.date(year, 6, 15), personas["moss_slt"])
    Meeting.objects.filter(pk=held.pk).update(
        status=Meeting.Status.SUMMONED, summoned_at=aware(datetime.date(year, 6, 5))
    )
    held = Meeting.objects.get(pk=held.pk)
    assert not innkalling_was_late(held) and not held.notice_was_late
    assert council_compliance(council, year).late_agendas == []
    [figures] = [row.council for row in kommune_figures(Kommune.objects.filter(pk=moss.pk)).rows]
    assert (figures.innkallinger, figures.innkallinger_on_time) == (1, 1)


def test_innkalling_deadline_follows_the_agreements_senest_rule(make_agreement, make_council, personas):
    agreement = make_agreement("Innkalling sendes ut senest 14 dager før møtet.")
    meeting = plan(make_council(agreement), datetime.date(2027, 3, 10), personas["moss_slt"])
    assert innkalling_days(agreement) == 14
    assert innkalling_deadline(meeting) == datetime.date(2027, 2, 24)


# --- minimum meetings -------------------------------------------------------------------------------------------


def test_min_meetings_is_the_councils_own_setting_without_an_agreement(make_council):
    assert min_meetings_per_year(make_council(min_meetings=3)) == 3


def test_min_meetings_is_what_the_agreement_promises(make_agreement, make_council):
    agreement = make_agreement("Det skal haldast 4 møter i politirådet kvart år.")
    assert min_meetings_per_year(make_council(agreement, min_meetings=2)) == 4


def test_a_council_that_sets_itself_more_meetings_than_the_agreement_promises_keeps_its_own(
    make_agreement, make_council
):
    agreement = make_agreement("Det skal haldast 4 møter i politirådet kvart år.")
    assert min_meetings_per_year(make_council(agreement, min_meetings=6)) == 6


def test_the_national_template_itself_promises_two_meetings_a_year(make_agreement):
    assert agreement_terms(make_agreement()).min_meetings_per_year == 2


# --- evaluation and årshjul -------------------------------------------------------------------------------------


def test_evaluation_is_due_at_years_end_by_default(make_council, personas):
    council = make_council()
    plan(council, datetime.date(2026, 11, 18), personas["moss_slt"])
    assert evaluation_due_on(council, 2026) == datetime.date(2026, 12, 31)


def test_evaluation_is_due_at_the_last_meeting_where_the_agreement_says_so(make_agreement, make_council, personas):
    council = make_council(make_agreement("Årlig evaluering settes til det siste politirådet hvert år."))
    for day in (datetime.date(2026, 4, 1), datetime.date(2026, 11, 18)):
        plan(council, day, personas["moss_slt"])
    assert evaluation_due_on(council, 2026) == datetime.date(2026, 11, 18)


def test_year_plan_is_due_by_the_end_of_the_year_before_by_default(make_council):
    assert year_plan_due_on(make_council(), 2027) == datetime.date(2026, 12, 31)


def test_year_plan_is_due_at_the_last_meeting_the_year_before_where_the_agreement_says_so(
    make_agreement, make_council, personas
):
    council = make_council(make_agreement("Møteplan for påfølgende kalenderår settes opp på siste møtet året før."))
    plan(council, datetime.date(2026, 11, 18), personas["moss_slt"])
    plan(council, datetime.date(2027, 2, 1), personas["moss_slt"])
    assert year_plan_due_on(council, 2027) == datetime.date(2026, 11, 18)


# --- period, revision, status -----------------------------------------------------------------------------------


def test_kommunevalg_is_the_second_monday_of_september():
    assert [kommunevalg_on(y) for y in (2019, 2023, 2027)] == [
        datetime.date(2019, 9, 9),
        datetime.date(2023, 9, 11),
        datetime.date(2027, 9, 13),
    ]


def test_an_agreement_until_revised_is_due_for_revision_after_the_next_kommunevalg(make_agreement):
    agreement = make_agreement(period_start=datetime.date(2024, 1, 1))
    assert expires_on(agreement) is None
    assert revision_due_on(agreement) == datetime.date(2027, 9, 13)


def test_an_agreement_with_an_end_date_and_no_revision_rule_is_never_due_for_revision(make_agreement):
    agreement = make_agreement(period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2028, 12, 31))
    assert expires_on(agreement) == datetime.date(2028, 12, 31)
    assert revision_due_on(agreement) is None


def test_the_agreements_revision_rule_applies_even_with_an_end_date(make_agreement):
    agreement = make_agreement(
        "Avtalen revideres etter hvert kommunevalg.",
        period_start=datetime.date(2018, 6, 1),
        period_end=datetime.date(2030, 12, 31),
    )
    assert revision_due_on(agreement) == datetime.date(2019, 9, 9)


def test_agreement_status_walks_from_none_to_expired(make_agreement):
    assert agreement_status(None, TODAY) == AgreementStatus.NONE
    draft = make_agreement(period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2027, 3, 31))
    assert agreement_status(draft, TODAY) == AgreementStatus.DRAFT
    Agreement.objects.filter(pk=draft.pk).update(status=Agreement.Status.SENT)
    assert agreement_status(Agreement.objects.get(pk=draft.pk), TODAY) == AgreementStatus.AWAITING_SIGNATURE
    signed = sign(draft)
    assert agreement_status(signed, datetime.date(2026, 9, 30)) == AgreementStatus.SIGNED
    assert agreement_status(signed, TODAY) == AgreementStatus.EXPIRING  # ends within six months
    assert agreement_status(signed, datetime.date(2027, 4, 1)) == AgreementStatus.EXPIRED


def test_agreement_status_is_revision_due_after_the_kommunevalg(make_agreement):
    signed = sign(make_agreement(period_start=datetime.date(2024, 1, 1)))
    assert agreement_status(signed, datetime.date(2027, 9, 12)) == AgreementStatus.SIGNED
    assert agreement_status(signed, datetime.date(2027, 9, 13)) == AgreementStatus.REVISION_DUE


def test_the_nynorsk_template_promises_two_meetings_a_year_in_its_own_words(personas):
    luster = agreement_create(
        police_party=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        kommuner=[Kommune.objects.get(number="4644")],
        created_by=personas["luster_slt"],
        malform="nn",
    )
    assert agreement_terms(luster).min_meetings_per_year == 2


def test_a_number_is_read_only_as_a_whole_word():
    assert terms_from_text(["Gruppa besto møter i året."]).min_meetings_per_year is None
