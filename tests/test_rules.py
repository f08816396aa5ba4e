"""Rules read from the agreement itself: one test per rule, with the veileder default and the agreement value."""

import datetime

import pytest
from django.conf import settings
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
from agreements.services import agreement_create
from councils.rules import evaluation_due_on, innkalling_deadline, min_meetings_per_year, year_plan_due_on
from councils.services import council_create
from samarbeid.meetings import meeting_plan
from samarbeid.models import Kommune, PoliceUnit

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
            police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"), kommuner=[moss],
            created_by=personas["moss_slt"], **period,
        )  # fmt: skip
        if text:
            agreement.add_local_section(heading="Politirådet", owner=Owner.FELLES, by=personas["moss_slt"],
                                        local_text=f"<p>{text}</p>")  # fmt: skip
        return Agreement.objects.get(pk=agreement.pk)

    return make


@pytest.fixture
def make_council(personas, moss):
    def make(agreement: Agreement | None = None, min_meetings: int = 2):
        return council_create(
            name="Politirådet i Moss", host_kommune=moss, other_kommuner=[],
            police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"), min_meetings_per_year=min_meetings,
            agreement=agreement, by=personas["moss_slt"],
        )  # fmt: skip

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
        datetime.date(2019, 9, 9), datetime.date(2023, 9, 11), datetime.date(2027, 9, 13),
    ]  # fmt: skip


def test_an_agreement_until_revised_is_due_for_revision_after_the_next_kommunevalg(make_agreement):
    agreement = make_agreement(period_start=datetime.date(2024, 1, 1))
    assert expires_on(agreement) is None
    assert revision_due_on(agreement) == datetime.date(2027, 9, 13)


def test_an_agreement_with_an_end_date_and_no_revision_rule_is_never_due_for_revision(make_agreement):
    agreement = make_agreement(period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2028, 12, 31))
    assert expires_on(agreement) == datetime.date(2028, 12, 31)
    assert revision_due_on(agreement) is None


def test_the_agreements_revision_rule_applies_even_with_an_end_date(make_agreement):
    agreement = make_agreement("Avtalen revideres etter hvert kommunevalg.", period_start=datetime.date(2018, 6, 1),
                               period_end=datetime.date(2030, 12, 31))  # fmt: skip
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
