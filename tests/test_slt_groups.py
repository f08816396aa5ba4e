"""SLT coordination groups on the shared meeting machinery: members, convener, taushetsplikt, compliance."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from samarbeid import meetings
from samarbeid.models import Forum, ForumMembership, Kommune, Meeting, Person, User
from slt.models import Compliance, CoordinationGroup
from slt.services import group_create, group_member_add, groups_with_compliance, slt_model_create


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def moss_slt_model(personas):
    return slt_model_create(
        name="SLT Moss", kommuner=[Kommune.objects.get(number="3103")], created_by=personas["moss_slt"]
    )


@pytest.fixture
def utovergruppe(moss_slt_model, personas):
    return group_create(
        slt_model=moss_slt_model,
        name="SLT-utøvergruppe",
        meetings_per_year=12,
        standard_agenda="Referatsaker\nRunde rundt bordet",
        created_by=personas["moss_slt"],
    )


@pytest.fixture
def barnevern(utovergruppe, personas):
    """A member with a login who is not the koordinator: the barnevern's representative."""
    person = Person.objects.create(name="Bente Barnevern", email="bv@moss.demo.no")
    User.objects.create_user("bv@moss.demo.no", "x", person=person)
    group_member_add(
        utovergruppe, person=person, kind=ForumMembership.Kind.MEMBER, organisation="Barnevern", by=personas["moss_slt"]
    )
    return User.objects.get(email="bv@moss.demo.no")


def test_koordinator_creates_a_group_that_is_a_forum_of_the_shared_machinery(client_for, moss_slt_model):
    response = client_for("moss_slt").post(
        reverse("slt:group_create", args=[moss_slt_model.pk]),
        {"name": "OSG", "meetings_per_year": 3, "purpose": "Operativ samordning", "standard_agenda": "Referatsaker"},
    )
    group = CoordinationGroup.objects.get()
    assert response.url == reverse("slt:group", args=[group.pk])
    assert group.forum.kind == Forum.Kind.COORDINATION_GROUP
    assert group.get_meetings_per_year_display() == "Tre ganger i året"
    assert list(group.forum.kommuner.values_list("number", flat=True)) == ["3103"]


@pytest.mark.parametrize("persona", ["moss_ordforer", "moss_politikontakt", "randaberg_slt"])
def test_only_the_koordinator_creates_groups(client_for, moss_slt_model, persona):
    response = client_for(persona).get(reverse("slt:group_create", args=[moss_slt_model.pk]))
    assert response.status_code == (404 if persona == "randaberg_slt" else 403)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("moss_slt", 200),
        ("moss_ordforer", 200),
        ("moss_politikontakt", 200),
        ("randaberg_slt", 404),
        ("sogn_politikontakt", 404),
    ],
)
def test_group_page_is_read_by_the_parties_and_404_for_other_tenants(client_for, utovergruppe, persona, status):
    assert client_for(persona).get(reverse("slt:group", args=[utovergruppe.pk])).status_code == status


def test_member_without_login_is_added_with_organisation(client_for, utovergruppe):
    response = client_for("moss_slt").post(
        reverse("slt:member_add", args=[utovergruppe.pk]),
        {"name": "Nina NAV", "organisation": "NAV", "role_title": "Veileder", "kind": "member"},
    )
    assert response.status_code == 302
    membership = utovergruppe.forum.memberships.get(person__name="Nina NAV")
    assert membership.organisation == "NAV" and not User.objects.filter(person=membership.person).exists()
    page = client_for("moss_slt").get(reverse("slt:group", args=[utovergruppe.pk])).content.decode()
    assert "Nina NAV" in page and "NAV" in page


def test_member_needs_a_person_or_a_name(client_for, utovergruppe):
    response = client_for("moss_slt").post(reverse("slt:member_add", args=[utovergruppe.pk]), {"kind": "member"})
    assert "Velg en person eller skriv navnet på en ny." in response.content.decode()


@pytest.mark.parametrize("persona, status", [("moss_ordforer", 403), ("moss_politikontakt", 403), ("luster_slt", 404)])
def test_readers_cannot_manage_members(client_for, utovergruppe, persona, status):
    assert client_for(persona).get(reverse("slt:member_add", args=[utovergruppe.pk])).status_code == status


def test_a_convener_calls_meetings_and_manages_the_group(client_for, personas, utovergruppe):
    group_member_add(
        utovergruppe,
        person=personas["moss_politikontakt"].person,
        by=personas["moss_slt"],
        kind=ForumMembership.Kind.SECRETARY,
        organisation="Politikontakt",
    )
    client = client_for("moss_politikontakt")
    assert client.get(reverse("slt:member_add", args=[utovergruppe.pk])).status_code == 200
    assert client.get(reverse("meetings:create", args=[utovergruppe.forum.pk])).status_code == 200


def test_ending_a_membership_keeps_history_and_takes_away_access(client_for, utovergruppe, barnevern):
    membership = utovergruppe.forum.memberships.get(person=barnevern.person)
    meeting = meetings.meeting_plan(utovergruppe.forum, starts_at=at(3), ends_at=at(3, 12))
    assert meetings.meeting_reading(User.objects.get(pk=barnevern.pk), meeting).minutes
    membership.starts_on = timezone.localdate() - datetime.timedelta(days=10)
    membership.save(update_fields=["starts_on"])
    response = client_for("moss_slt").post(reverse("slt:member_end", args=[utovergruppe.pk, membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ends_on == timezone.localdate()


def test_group_meetings_are_always_closed_even_if_planned_as_open(client_for, utovergruppe):
    client = client_for("moss_slt")
    client.post(
        reverse("meetings:create", args=[utovergruppe.forum.pk]),
        {
            "date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "starts": "09:00",
            "ends": "10:30",
            "place": "Rådhuset",
            "theme": "Cannabis",
        },
    )
    meeting = Meeting.objects.get(forum=utovergruppe.forum)
    assert meeting.is_closed
    meetings.meeting_update(meeting, by=None, is_closed=False)
    meeting.refresh_from_db()
    assert meeting.is_closed


def test_group_minutes_are_read_only_by_members_and_the_koordinator(client_for, personas, utovergruppe, barnevern):
    meeting = meetings.meeting_plan(utovergruppe.forum, starts_at=at(-2), ends_at=at(-2, 12))
    item = meeting.agenda_items.first()
    meetings.agenda_item_write_minutes(item, text="Drøftet tiltak mot cannabis på systemnivå", by=personas["moss_slt"])
    meetings.meeting_mark_held(meeting, by=personas["moss_slt"])
    meetings.meeting_approve_minutes(meeting, by=personas["moss_slt"])
    url = reverse("meetings:detail", args=[meeting.pk])
    minutes = "Drøftet tiltak mot cannabis"
    assert minutes in client_for("moss_slt").get(url).content.decode()
    member = client_for("moss_slt").__class__()
    member.force_login(barnevern)
    assert minutes in member.get(url).content.decode()
    reader = client_for("moss_ordforer").get(url)
    assert reader.status_code == 200 and minutes not in reader.content.decode()
    assert client_for("randaberg_slt").get(url).status_code == 404
    anonymous = client_for("moss_slt").__class__()
    assert anonymous.get(url).status_code in (302, 404)
    assert not Meeting.objects.public().exists()


def test_the_group_page_reminds_of_taushetsplikt(client_for, utovergruppe):
    content = client_for("moss_slt").get(reverse("slt:group", args=[utovergruppe.pk])).content.decode()
    assert "Taushetsplikt" in content


def test_meeting_page_reminds_of_taushetsplikt_where_minutes_are_written(client_for, utovergruppe):
    meeting = meetings.meeting_plan(utovergruppe.forum, starts_at=at(1), ends_at=at(1, 12))
    content = client_for("moss_slt").get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Taushetsplikt" in content and re.search(r'name="referat-\d+-minutes"', content)


def test_meeting_page_links_back_to_the_group(client_for, utovergruppe):
    meeting = meetings.meeting_plan(utovergruppe.forum, starts_at=at(1), ends_at=at(1, 12))
    content = client_for("moss_slt").get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert reverse("slt:group", args=[utovergruppe.pk]) in content


@pytest.mark.parametrize(
    "per_year, held, today, expected, on_track",
    [
        (12, 5, datetime.date(2025, 6, 30), 5, True),  # monthly, end of June: 5 whole months expected
        (12, 4, datetime.date(2025, 6, 30), 5, False),
        (3, 1, datetime.date(2025, 5, 10), 1, True),  # three a year: one expected once a third of the year is gone
        (3, 0, datetime.date(2025, 5, 10), 1, False),
        (12, 12, datetime.date(2025, 12, 31), 12, True),
        (3, 0, datetime.date(2025, 1, 10), 0, True),
    ],
)
def test_compliance_counts_held_meetings_against_the_frequency(per_year, held, today, expected, on_track):
    compliance = Compliance(per_year, held, today=today)
    assert (compliance.expected_so_far, compliance.on_track) == (expected, on_track)


def test_a_past_year_expects_every_meeting():
    compliance = Compliance(12, 10, year=2024, today=datetime.date(2025, 2, 1))
    assert compliance.expected_so_far == 12 and not compliance.on_track


def test_only_held_meetings_of_the_year_count(utovergruppe, personas):
    forum = utovergruppe.forum
    this_year = timezone.localdate().year
    held = meetings.meeting_plan(forum, starts_at=at(-1), ends_at=at(-1, 12))
    meetings.meeting_mark_held(held, by=None)
    meetings.meeting_plan(forum, starts_at=at(-1, 13), ends_at=at(-1, 14))  # planned, never held
    cancelled = meetings.meeting_plan(forum, starts_at=at(-1, 15), ends_at=at(-1, 16))
    meetings.meeting_cancel(cancelled, by=None)
    last_year = timezone.make_aware(datetime.datetime(this_year - 1, 6, 1, 10))
    old = meetings.meeting_plan(forum, starts_at=last_year, ends_at=last_year + datetime.timedelta(hours=2))
    meetings.meeting_mark_held(old, by=None)
    [group] = groups_with_compliance(CoordinationGroup.objects.filter(pk=utovergruppe.pk))
    assert group.compliance_this_year.held == 1
    [group] = groups_with_compliance(CoordinationGroup.objects.filter(pk=utovergruppe.pk), year=this_year - 1)
    assert group.compliance_this_year.held == 1 and group.compliance_this_year.expected_so_far == 12


def _grow(slt_model, personas, n):
    for i in range(n):
        group = group_create(
            slt_model=slt_model, name=f"Gruppe {i}", meetings_per_year=4, created_by=personas["moss_slt"]
        )
        for j in range(3):
            group_member_add(
                group, name=f"Medlem {i}-{j}", organisation="Skole", kind="member", by=personas["moss_slt"]
            )
        meeting = meetings.meeting_plan(group.forum, starts_at=at(-i - 1), ends_at=at(-i - 1, 12))
        meetings.meeting_mark_held(meeting, by=None)


SLT_DETAIL_QUERIES = 11  # session, user, the SLT-samarbeid, its rights, kommuner, koordinatorer, plans, groups, …


def test_slt_page_queries_do_not_grow_with_groups(client_for, personas, moss_slt_model, django_assert_num_queries):
    client = client_for("moss_ordforer")
    url = reverse("slt:detail", args=[moss_slt_model.pk])
    _grow(moss_slt_model, personas, 1)
    client.get(url)
    with django_assert_num_queries(SLT_DETAIL_QUERIES):
        client.get(url)
    _grow(moss_slt_model, personas, 10)
    with django_assert_num_queries(SLT_DETAIL_QUERIES):
        assert client.get(url).status_code == 200


GROUP_QUERIES = 9


def test_group_page_queries_do_not_grow_with_members_and_meetings(
    client_for, personas, utovergruppe, django_assert_num_queries
):
    client = client_for("moss_slt")
    url = reverse("slt:group", args=[utovergruppe.pk])

    def grow(n, start):
        for i in range(start, start + n):
            group_member_add(
                utovergruppe, name=f"Medlem {i}", organisation="PPT", kind="member", by=personas["moss_slt"]
            )
            meetings.meeting_plan(utovergruppe.forum, starts_at=at(i + 1), ends_at=at(i + 1, 12))

    grow(1, 0)
    client.get(url)
    with django_assert_num_queries(GROUP_QUERIES):
        client.get(url)
    grow(30, 1)  # more meetings than a page
    with django_assert_num_queries(GROUP_QUERIES):
        assert client.get(url).status_code == 200


def test_groups_follow_the_slt_models_kommuner(client_for, personas, moss_slt_model, utovergruppe):
    from slt.services import slt_model_update

    url = reverse("slt:group", args=[utovergruppe.pk])
    assert client_for("randaberg_ordforer").get(url).status_code == 404
    kommuner = [Kommune.objects.get(number="3103"), Kommune.objects.get(number="1127")]
    slt_model_update(moss_slt_model, changed_by=personas["moss_slt"], kommuner=kommuner)
    assert client_for("randaberg_ordforer").get(url).status_code == 200
    slt_model_update(moss_slt_model, changed_by=personas["moss_slt"], kommuner=kommuner[:1])
    assert client_for("randaberg_ordforer").get(url).status_code == 404


@pytest.mark.parametrize(
    "persona, status", [("moss_slt", 200), ("moss_ordforer", 403), ("moss_politikontakt", 403), ("luster_slt", 404)]
)
def test_permission_matrix_for_changing_a_group(client_for, utovergruppe, barnevern, persona, status):
    client = client_for(persona)
    assert client.get(reverse("slt:group_edit", args=[utovergruppe.pk])).status_code == status
    membership = utovergruppe.forum.memberships.get(person=barnevern.person)
    response = client.post(reverse("slt:member_end", args=[utovergruppe.pk, membership.pk]))
    assert response.status_code == (302 if status == 200 else status)


def test_a_member_who_is_not_convener_cannot_change_the_group(client_for, utovergruppe, barnevern):
    member = client_for("moss_slt").__class__()
    member.force_login(barnevern)
    assert member.get(reverse("slt:group", args=[utovergruppe.pk])).status_code == 200
    assert member.get(reverse("slt:group_edit", args=[utovergruppe.pk])).status_code == 403


def test_koordinator_changes_the_frequency(client_for, utovergruppe):
    response = client_for("moss_slt").post(
        reverse("slt:group_edit", args=[utovergruppe.pk]),
        {
            "name": "SLT-utøvergruppa",
            "meetings_per_year": 3,
            "purpose": "",
            "standard_agenda": "Referatsaker",
            "version": 1,
        },
    )
    assert response.status_code == 302
    utovergruppe.refresh_from_db()
    utovergruppe.forum.refresh_from_db()
    assert (utovergruppe.meetings_per_year, utovergruppe.forum.name) == (3, "SLT-utøvergruppa")


def test_the_convener_is_listed_first_and_guests_last(client_for, personas, utovergruppe, barnevern):
    by = personas["moss_slt"]
    group_member_add(utovergruppe, name="Bjørn BUP", organisation="BUP", kind=ForumMembership.Kind.GUEST, by=by)
    group_member_add(
        utovergruppe, name="Åse Innkaller", organisation="Helsestasjon", kind=ForumMembership.Kind.SECRETARY, by=by
    )
    content = client_for("moss_slt").get(reverse("slt:group", args=[utovergruppe.pk])).content.decode()
    assert content.index("Åse Innkaller") < content.index("Bente Barnevern") < content.index("Bjørn BUP")
