"""Follow-ups can be edited, given to someone else and reopened; each change keeps what the follow-up said before."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samarbeid import meetings
from samarbeid.append_only import LogIsAppendOnly
from samarbeid.models import FollowUpAction, FollowUpChange, Kommune, Person, Role, User
from samarbeid.roles import role_assign
from tests.test_councils_rules import TODAY, at, moss_council, randaberg_council  # noqa: F401 (fixtures)


@pytest.fixture
def action(moss_council, personas):
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(-3), ends_at=at(-3, 11))
    decision = meetings.decision_add(meeting.agenda_items.get(position=2), text="Trygg skolevei", by=None)
    return meetings.action_add(
        decision,
        description="Befaring av skoleveien",
        due_on=at(20).date(),
        responsible_person=personas["moss_politikontakt"].person,
    )


def edit_url(action):
    return reverse("meetings:action_edit", args=[action.pk])


def form_data(action, **changes):
    data = {
        "description": action.description,
        "responsible_person": action.responsible_person_id or "",
        "responsible_party": action.responsible_party_id or "",
        "version": action.version,
        "due_on": action.due_on.isoformat() if action.due_on else "",
    }
    return {**data, **changes}


def test_the_secretary_gives_a_follow_up_to_the_kommune_and_the_new_responsible_is_told(
    action, client_for, personas, mailoutbox, django_capture_on_commit_callbacks
):
    moss = Kommune.objects.get(number="3103")
    secretary = client_for("moss_slt")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary.post(
            edit_url(action),
            form_data(action, responsible_person="", responsible_party=moss.pk, description="Befaring med rektor"),
            follow=True,
        )
    assert "Oppfølgingspunktet er endret." in response.text
    action.refresh_from_db()
    assert (action.responsible_party_id, action.responsible_person, action.version) == (moss.pk, None, 2)
    [change] = action.changes.all()
    assert change.kind == FollowUpChange.Kind.REASSIGNED and change.before["responsible"] == "Lars Øien"
    assert "Ny ansvarlig" in response.text and "Før: «Befaring av skoleveien», ansvarlig Lars Øien" in response.text
    assert {message.to[0] for message in mailoutbox} == {"slt@moss.demo.no", "ordforer@moss.demo.no"}
    actions_page = secretary.get(reverse("meetings:actions", args=[action.decision.agenda_item.meeting.forum_id]))
    assert "Befaring med rektor" in actions_page.text and edit_url(action) in actions_page.text


def test_an_edit_that_keeps_the_responsible_is_a_change_and_tells_no_one(
    action, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for("moss_slt").post(edit_url(action), form_data(action, due_on=at(40).date().isoformat()))
    action.refresh_from_db()
    assert action.due_on == at(40).date() and action.changes.get().kind == FollowUpChange.Kind.CHANGED
    assert mailoutbox == []


def test_a_done_follow_up_is_reopened_with_a_reason_and_its_closing_comment_is_kept(action, client_for, personas):
    meetings.action_close(action, comment="Befaring gjort", by=personas["moss_slt"])
    secretary = client_for("moss_slt")
    page = secretary.get(edit_url(action)).text
    assert "Åpne oppfølgingspunktet igjen" in page
    response = secretary.post(
        reverse("meetings:action_reopen", args=[action.pk]), {"reason": "Skiltet mangler"}, follow=True
    )
    assert "Oppfølgingspunktet er åpnet igjen." in response.text
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.OPEN and action.closed_at is None and action.closing_comment == ""
    change = action.changes.get()
    assert (change.kind, change.reason, change.before["closing_comment"]) == (
        "reopened",
        "Skiltet mangler",
        "Befaring gjort",
    )
    assert "Skiltet mangler" in response.text and "Befaring gjort" in response.text
    assert "Åpne oppfølgingspunktet igjen" not in response.text  # open again: nothing to reopen


def test_reopening_needs_a_reason_and_a_done_follow_up(action, personas):
    with pytest.raises(ValidationError, match="allerede åpent"):
        meetings.action_reopen(action, reason="Hvorfor", by=personas["moss_slt"])
    meetings.action_close(action, comment="Gjort", by=personas["moss_slt"])
    with pytest.raises(ValidationError):
        meetings.action_reopen(action, reason="  ", by=personas["moss_slt"])
    assert not FollowUpChange.objects.exists()


def test_a_follow_up_needs_someone_responsible(action, client_for):
    response = client_for("moss_slt").post(edit_url(action), form_data(action, responsible_person=""))
    assert response.status_code == 200 and "Oppgi ansvarlig person eller part." in response.text
    action.refresh_from_db()
    assert action.responsible_person is not None and not action.changes.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("moss_slt", 200),
        ("moss_politikontakt", 200),
        ("moss_leder", 403),  # reads the council, does not organise its meetings
        ("randaberg_slt", 404),  # another kommune's council
        ("stavanger_politikontakt", 404),
    ],
)
def test_only_the_organisers_change_follow_ups(action, client_for, persona, status, personas):
    client = client_for(persona)
    assert client.get(edit_url(action)).status_code == status
    posted = client.post(edit_url(action), form_data(action, description="Endret av noen"))
    assert posted.status_code == (302 if status == 200 else status)
    meetings.action_close(FollowUpAction.objects.get(pk=action.pk), comment="Gjort", by=personas["moss_slt"])
    reopened = client.post(reverse("meetings:action_reopen", args=[action.pk]), {"reason": "Igjen"})
    assert reopened.status_code == (302 if status == 200 else status)
    assert FollowUpAction.objects.get(pk=action.pk).status == ("open" if status == 200 else "done")


def test_in_a_closed_meeting_an_organiser_who_is_no_member_gets_404_and_sees_nothing(moss_council, client_for):
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(-3), ends_at=at(-3, 11), is_closed=True)
    decision = meetings.decision_add(meeting.agenda_items.get(position=2), text="Enkeltsak", by=None)
    action = meetings.action_add(
        decision, description="Hemmelig oppfølging", responsible_party=Kommune.objects.get(number="3103")
    )
    member = client_for("moss_slt").get(edit_url(action))
    assert member.status_code == 200 and "Hemmelig oppfølging" in member.text
    # A second politikontakt of Moss organises the council's meetings by role, but is no member of it.
    person = Person.objects.create(name="Petter Politikontakt", email="pk2@politiet.demo.no")
    user = User.objects.create_user(person.email, "x", person=person)
    role_assign(
        person=person,
        party=moss_council.police_unit,
        role=Role.POLITIKONTAKT,
        starts_on=TODAY - datetime.timedelta(days=5),
    )
    outsider = Client()
    outsider.force_login(user)
    for response in (outsider.get(edit_url(action)), outsider.post(edit_url(action), form_data(action))):
        assert response.status_code == 404 and "Hemmelig oppfølging" not in response.text
    assert not action.changes.exists()


def test_the_history_cannot_be_changed(action, personas):
    meetings.action_update(
        action,
        expected_version=action.version,
        description="Ny tekst",
        responsible_person=action.responsible_person,
        by=personas["moss_slt"],
    )
    with pytest.raises(LogIsAppendOnly):
        FollowUpChange.objects.get().delete()


def test_the_page_runs_the_same_number_of_queries_with_a_longer_history(action, client_for, personas):
    secretary = client_for("moss_slt")
    secretary.get(edit_url(action))
    with CaptureQueriesContext(connection) as few:
        secretary.get(edit_url(action))
    for n in range(4):
        action = meetings.action_update(
            action,
            expected_version=action.version,
            description=f"Tekst {n}",
            responsible_person=action.responsible_person,
            by=personas["moss_slt"],
        )
    with CaptureQueriesContext(connection) as many:
        secretary.get(edit_url(action))
    assert len(many) == len(few)
