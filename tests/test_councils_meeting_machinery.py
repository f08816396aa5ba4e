"""The shared meeting machinery (samarbeid/meetings.py): numbering, workflow, access through forum groups, iCalendar."""

import datetime

import icalendar
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from samarbeid.meetings import (
    action_add,
    action_close,
    decision_add,
    forum_create,
    forums_visible_to,
    meeting_cancel,
    meeting_for,
    meeting_ical,
    meeting_plan,
    meeting_reading,
    meeting_update,
    membership_add,
    membership_end,
)
from samarbeid.models import Forum, ForumMembership, Kommune, Meeting, Person, PoliceUnit, Role, User

POLICY = {Role.SLT_KOORDINATOR: ["samarbeid.view_forum", "samarbeid.manage_meetings"]}


@pytest.fixture
def forum(personas):
    return forum_create(
        kind=Forum.Kind.COORDINATION_GROUP,
        name="OSG Moss",
        kommuner=[Kommune.objects.get(number="3103")],
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        policy=POLICY,
        standard_agenda="Referatsaker\nEventuelt",
    )


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_agenda_is_prefilled_and_numbered_per_forum_and_year(forum):
    first = meeting_plan(forum, starts_at=at(10), ends_at=at(10, 12))
    second = meeting_plan(forum, starts_at=at(20), ends_at=at(20, 12))
    year = timezone.localtime(first.starts_at).year
    numbers = [item.case_number for item in [*first.agenda_items.all(), *second.agenda_items.all()]]
    assert numbers[0] == f"Sak 1/{year}"
    assert len(set(numbers)) == 4
    assert first.agenda_items.get(number=1).is_referatsaker


def test_a_member_gets_access_through_the_forum_group_and_loses_it_when_membership_ends(forum):
    person = Person.objects.create(name="Barnevernleder", email="bv@moss.demo.no")
    user = User.objects.create_user("bv@moss.demo.no", "x", person=person)
    meeting = meeting_plan(forum, starts_at=at(5), ends_at=at(5, 12), is_closed=True)
    with pytest.raises(Http404):
        meeting_for(User.objects.get(pk=user.pk), meeting.pk)
    membership = membership_add(
        forum,
        person,
        ForumMembership.Kind.MEMBER,
        organisation="barnevern",
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    user = User.objects.get(pk=user.pk)
    assert meeting_for(user, meeting.pk) == meeting
    assert meeting_reading(user, meeting).minutes
    membership_end(membership, on=timezone.localdate() - datetime.timedelta(days=1))
    assert not forums_visible_to(User.objects.get(pk=user.pk)).exists()


def test_role_holder_who_is_not_a_member_reads_open_but_not_closed_minutes(forum, personas):
    closed = meeting_plan(forum, starts_at=at(5), ends_at=at(5, 12), is_closed=True)
    moss_slt = personas["moss_slt"]
    assert meeting_for(moss_slt, closed.pk) == closed
    assert not meeting_reading(moss_slt, closed).minutes


def test_ical_has_stable_uid_and_sequence_grows_and_cancellation_propagates(forum):
    meeting = meeting_plan(forum, starts_at=at(5), ends_at=at(5, 12), place="Rådhuset")
    before = icalendar.Calendar.from_ical(meeting_ical([meeting_reading(AnonymousUser(), meeting)], "OSG")).walk(
        "VEVENT"
    )[0]
    meeting_update(meeting, by=None, place="Politihuset")
    meeting = meeting_cancel(meeting, by=None)
    after = icalendar.Calendar.from_ical(meeting_ical([meeting_reading(AnonymousUser(), meeting)], "OSG")).walk(
        "VEVENT"
    )[0]
    assert str(before["UID"]) == str(after["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 2
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["LOCATION"]) == "Politihuset"


def test_referatsaker_list_last_meetings_decisions_and_closing_needs_a_comment(forum, personas):
    first = meeting_plan(forum, starts_at=at(-30), ends_at=at(-30, 12))
    decision = decision_add(first.agenda_items.last(), text="Kartlegge ungdomsmiljøet", by=None)
    action = action_add(
        decision,
        description="Kartlegging",
        responsible_person=personas["moss_slt"].person,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    second = meeting_plan(forum, starts_at=at(5), ends_at=at(5, 12))
    membership_add(forum, personas["moss_slt"].person, ForumMembership.Kind.MEMBER)  # the group's minutes are closed
    member = User.objects.get(pk=personas["moss_slt"].pk)
    assert [d.text for d in meeting_reading(member, second).referatsaker] == ["Kartlegge ungdomsmiljøet"]
    assert action.is_overdue
    with pytest.raises(ValidationError):
        action_close(action, comment=" ", by=None)
    action = action_close(action, comment="Gjort", by=personas["moss_slt"])
    assert action.closed_at and not action.is_overdue
    assert Meeting.objects.public().count() == 0


def test_the_shared_meeting_pages_work_for_an_organiser_and_are_404_for_another_tenant(forum, client_for, mailoutbox):
    moss = client_for("moss_slt")
    response = moss.post(
        f"/moter/forum/{forum.pk}/nytt/",
        {
            "date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "starts": "10:00",
            "ends": "12:00",
            "place": "Rådhuset",
            "theme": "Rus",
        },
    )
    meeting = Meeting.objects.get(forum=forum)
    assert response.status_code == 302
    assert moss.get(f"/moter/{meeting.pk}/").status_code == 200
    assert client_for("randaberg_slt").get(f"/moter/{meeting.pk}/").status_code == 404


def test_ical_times_are_utc_even_for_a_meeting_just_planned_in_oslo_time(forum):
    meeting = meeting_plan(forum, starts_at=at(5), ends_at=at(5, 12))
    event = icalendar.Calendar.from_ical(meeting_ical([meeting_reading(AnonymousUser(), meeting)], "OSG")).walk(
        "VEVENT"
    )[0]
    assert event.decoded("DTSTART") == meeting.starts_at
    assert b"DTSTART:" in meeting_ical(
        [meeting_reading(AnonymousUser(), meeting)], "OSG"
    ) and b"TZID" not in meeting_ical([meeting_reading(AnonymousUser(), meeting)], "OSG")
