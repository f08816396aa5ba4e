"""Politiråd rules: councils on the meeting machinery, secretary by role, compliance, årshjul, log, presence."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from councils.models import Council, Evaluation, LogEntry
from councils.services import (
    council_compliance,
    council_create,
    council_presence,
    evaluation_submit,
    log_add,
    year_plan_add_meeting,
    year_plan_decide,
)
from samarbeid.meetings import meeting_mark_held, meeting_plan, meeting_send_innkalling
from samarbeid.models import ForumMembership, Kommune, Meeting, PoliceUnit, Role
from samarbeid.roles import role_assign, role_end

TODAY = timezone.localdate()


def at(days: int, hour: int = 9) -> datetime.datetime:
    day = TODAY + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def randaberg_council(personas):
    return council_create(
        name="Politirådet i Randaberg og Kvitsøy",
        host_kommune=Kommune.objects.get(number="1127"),
        other_kommuner=[Kommune.objects.get(number="1144")],
        police_unit=PoliceUnit.objects.get(name="Tjenesteenhet Stavanger"),
        min_meetings_per_year=2,
        by=personas["randaberg_slt"],
    )


@pytest.fixture
def moss_council(personas):
    return council_create(
        name="Politirådet i Moss",
        host_kommune=Kommune.objects.get(number="3103"),
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        min_meetings_per_year=4,
        by=personas["moss_slt"],
    )


def test_a_new_council_is_led_by_the_host_ordforer_with_the_slt_koordinator_as_secretary(randaberg_council, personas):
    members = {m.person_id: m.kind for m in randaberg_council.forum.memberships.active()}
    assert members[personas["randaberg_ordforer"].person_id] == ForumMembership.Kind.LEADER
    assert members[personas["randaberg_slt"].person_id] == ForumMembership.Kind.SECRETARY
    assert members[personas["kvitsoy_ordforer"].person_id] == ForumMembership.Kind.MEMBER
    assert members[personas["stavanger_politikontakt"].person_id] == ForumMembership.Kind.MEMBER
    assert members[personas["stavanger_leder"].person_id] == ForumMembership.Kind.MEMBER
    assert randaberg_council.leader().person == personas["randaberg_ordforer"].person
    assert randaberg_council.forum.standard_agenda_points()[0] == "Referatsaker"


def test_the_secretary_alternates_between_kommune_and_police_every_second_year(randaberg_council, personas):
    randaberg_council.secretary_rule = Council.SecretaryRule.ALTERNATING
    randaberg_council.alternation_start_year = 2024
    assert randaberg_council.secretary(2026).person == personas["randaberg_slt"].person
    assert randaberg_council.secretary(2027).person == personas["stavanger_politikontakt"].person


def test_alternating_secretary_needs_a_start_year_in_the_database(randaberg_council):
    with pytest.raises(IntegrityError), transaction.atomic():
        Council.objects.filter(pk=randaberg_council.pk).update(secretary_rule=Council.SecretaryRule.ALTERNATING)


def test_meetings_get_the_fixed_agenda_points_numbered_sak_n_of_year(randaberg_council):
    meeting = year_plan_add_meeting(randaberg_council, date=TODAY + datetime.timedelta(days=20), theme="Rus")
    titles = [item.title for item in meeting.agenda_items.all()]
    assert titles == [
        "Referatsaker",
        "Nytt fra politiet",
        "Nytt fra kommunen",
        "Vold i nære relasjoner",
        "Radikalisering",
        "Tema fra årshjul: Rus",  # the meeting's theme, written into the fixed point
        "Eventuelt",
    ]
    year = meeting.starts_at.year
    assert meeting.agenda_items.last().case_number == f"Sak 7/{year}"


def test_innkalling_mails_every_member_with_an_ics_and_warns_when_late(
    randaberg_council, personas, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = meeting_plan(randaberg_council.forum, starts_at=at(3), ends_at=at(3, 11))
    with django_capture_on_commit_callbacks(execute=True):
        recipients, late = meeting_send_innkalling(meeting, by=personas["randaberg_slt"])
    assert late
    assert len(mailoutbox) == len(recipients) == 5
    assert mailoutbox[0].attachments[0][0] == "mote.ics"
    assert "Sak 1/" in mailoutbox[0].body
    assert mail.outbox is mailoutbox


def test_compliance_counts_held_and_planned_against_the_minimum_and_late_agendas(moss_council, personas):
    year = TODAY.year
    held = meeting_plan(moss_council.forum, starts_at=at(-400 if TODAY.month == 1 else -1), ends_at=at(-1, 11))
    held = Meeting.objects.get(pk=held.pk)
    meeting_mark_held(held, by=None)
    compliance = council_compliance(moss_council, year, today=datetime.date(year, 6, 1))
    assert compliance.minimum == 4
    assert not compliance.on_track
    assert not compliance.evaluation_due
    assert council_compliance(moss_council, year, today=datetime.date(year, 12, 2)).evaluation_due
    evaluation_submit(moss_council, year=year, by=personas["moss_slt"], effect="Færre saker")
    assert not council_compliance(moss_council, year, today=datetime.date(year, 12, 2)).evaluation_due
    assert Evaluation.objects.filter(council=moss_council).count() == 1


def test_the_year_plan_is_decided_at_a_meeting_of_the_year_before(moss_council):
    last_year = meeting_plan(moss_council.forum, starts_at=at(-400), ends_at=at(-400, 11))
    this_year = meeting_plan(moss_council.forum, starts_at=at(1), ends_at=at(1, 11))
    plan_year = timezone.localtime(last_year.starts_at).year + 1
    assert year_plan_decide(moss_council, year=plan_year, decided_at=last_year, by=None).decided_at == last_year
    with pytest.raises(ValidationError):
        year_plan_decide(moss_council, year=timezone.localtime(this_year.starts_at).year, decided_at=this_year, by=None)


def test_the_log_only_takes_the_councils_kommuner_and_no_future_dates(randaberg_council, personas):
    kvitsoy = Kommune.objects.get(number="1144")
    politikontakt = personas["stavanger_politikontakt"]
    entry = log_add(
        randaberg_council,
        kommune=kvitsoy,
        kind=LogEntry.Kind.PRESENCE_DAY,
        date=TODAY,
        duration_minutes=240,
        note="Kontordag på Kvitsøy",
        by=politikontakt,
    )
    assert entry.duration_display == "4:00"
    with pytest.raises(ValidationError):
        log_add(
            randaberg_council,
            kommune=Kommune.objects.get(number="3103"),
            kind=LogEntry.Kind.MEETING,
            date=TODAY,
            duration_minutes=60,
            by=None,
        )
    with pytest.raises(ValidationError):
        log_add(
            randaberg_council,
            kommune=kvitsoy,
            kind=LogEntry.Kind.MEETING,
            date=TODAY + datetime.timedelta(days=1),
            duration_minutes=60,
            by=None,
        )


def test_presence_is_compared_week_by_week_with_the_agreements_commitment(moss_council, personas):
    from agreements.models import PresenceCommitment
    from agreements.services import agreement_create

    moss = Kommune.objects.get(number="3103")
    agreement = agreement_create(
        police_party=moss_council.police_unit, kommuner=[moss], created_by=personas["moss_slt"]
    )
    PresenceCommitment.objects.create(agreement=agreement, kommune=moss, times=1, per=PresenceCommitment.Per.WEEK)
    moss_council.agreement = agreement
    moss_council.save(update_fields=["agreement"])
    log_add(moss_council, kommune=moss, kind=LogEntry.Kind.OFFICE_HOURS, date=TODAY, duration_minutes=240, by=None)
    [row] = council_presence(moss_council, periods=3, today=TODAY)
    assert [met for _start, _count, met in row.periods] == [True, False, False]
    assert row.commitment.kommune == moss


def test_after_an_election_the_new_ordforer_leads_and_the_old_membership_is_kept(randaberg_council, personas):
    from councils.services import council_add_members_by_role
    from samarbeid.meetings import membership_end
    from samarbeid.models import Person, RoleAssignment

    randaberg = Kommune.objects.get(number="1127")
    old_role = RoleAssignment.objects.get(person=personas["randaberg_ordforer"].person, role=Role.ORDFORER)
    role_end(old_role, on=TODAY - datetime.timedelta(days=1))
    new = Person.objects.create(name="Ny Ordfører", email="ny@randaberg.demo.no")
    role_assign(person=new, party=randaberg, role=Role.ORDFORER, starts_on=TODAY)
    randaberg_council.forum.memberships.update(starts_on=TODAY - datetime.timedelta(days=30))
    old = randaberg_council.forum.memberships.get(kind=ForumMembership.Kind.LEADER)
    membership_end(old, on=TODAY - datetime.timedelta(days=1))
    council_add_members_by_role(randaberg_council)
    assert randaberg_council.leader().person == new
    assert randaberg_council.forum.memberships.active().get(kind=ForumMembership.Kind.LEADER).person == new
    assert randaberg_council.forum.memberships.filter(pk=old.pk).exists()


def test_a_council_hosted_by_a_nynorsk_kommune_gets_its_fixed_points_in_nynorsk(personas):
    luster = council_create(
        name="Lokalt politiråd i Luster",
        host_kommune=Kommune.objects.get(number="4644"),
        police_unit=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        min_meetings_per_year=4,
    )
    points = luster.forum.standard_agenda_points()
    assert "Nytt frå politiet" in points and "Vald i nære relasjonar" in points
    assert luster.leader().person == personas["luster_ordforer"].person
