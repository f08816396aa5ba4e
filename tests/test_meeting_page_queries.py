"""The meeting pages cost a fixed number of queries, the same with one meeting and with a forum of many years:
the meeting page (organiser, member, a reader who is not a member and meets an exemption), the follow-ups of a
forum (open and all, paginated) and the calendar page of a coordinator and of a district-wide politimester."""

# ruff: noqa: F811 (the moss_council fixture imported from tests.test_councils_rules is used as an argument)

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.services import council_create
from samarbeid import meetings
from samarbeid.exemptions import meeting_exemption_set
from samarbeid.models import FollowUpAction, ForumMembership, Kommune, LegalBasis, Meeting, Person, PoliceUnit
from tests.test_councils_rules import TODAY, at, moss_council  # noqa: F401 (fixture)
from tests.test_meeting_confidentiality import login, radmann_of_moss


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _held_with_content(forum, days: int, n: int, *, closed: bool = False) -> Meeting:
    """A held meeting whose items have decisions, follow-ups (one overdue) and minutes with a history."""
    meeting = meetings.meeting_plan(forum, starts_at=at(days), ends_at=at(days, 11), is_closed=closed)
    for item in meeting.agenda_items.all():
        meetings.agenda_item_write_minutes(item, text=f"Referat {n}", by=None)
        meetings.agenda_item_write_minutes(item, text=f"Referat {n}, rettet", by=None)
        decision = meetings.decision_add(item, text=f"Vedtak {n}", by=None)
        for due in (-1, 30):
            meetings.action_add(
                decision,
                description=f"Oppfølging {n}",
                responsible_party=forum.kommuner.get(),
                due_on=TODAY + datetime.timedelta(days=due),
            )
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    return meeting


def _grow(forum, start: int, count: int) -> None:
    """Years of meetings before the page's meeting, and more members."""
    for n in range(count):
        _held_with_content(forum, start - 30 * (n + 1), n, closed=n % 2 == 0)
        meetings.membership_add(forum, Person.objects.create(name=f"Medlem {start} {n}"), ForumMembership.Kind.MEMBER)


def _at_two_sizes(client, url: str, forum, days: int) -> tuple[int, int]:
    client.get(url)  # the day's role re-sync and the per-user caches
    few = _count(client, url)
    _grow(forum, days, 4)
    return few, _count(client, url)


@pytest.fixture
def page_meeting(moss_council):
    """A meeting with a previous one (its referatsaker) and content on every item; an open one."""
    _held_with_content(moss_council.forum, -40, 0)
    return _held_with_content(moss_council.forum, -5, 1)


# --- the meeting page --------------------------------------------------------------------------------------------

MEETING_PAGE = {"moss_slt": 20, "moss_ordforer": 20}  # the secretary and the leader, both with every form


@pytest.mark.parametrize("persona", MEETING_PAGE)
def test_the_meeting_page_costs_the_same_queries_however_many_meetings_items_and_members(
    page_meeting, moss_council, client_for, persona
):
    url = reverse("meetings:detail", kwargs={"pk": page_meeting.pk})
    few, many = _at_two_sizes(client_for(persona), url, moss_council.forum, -60)
    assert (few, many) == (MEETING_PAGE[persona], MEETING_PAGE[persona])


def test_the_meeting_page_of_a_reader_who_is_no_member_costs_the_same_with_exemptions(
    page_meeting, moss_council, personas
):
    item = page_meeting.agenda_items.first()
    meeting_exemption_set(page_meeting, exempt=True, legal_basis=LegalBasis.values[0], agenda_item=item, by=None)
    reader = login(radmann_of_moss())
    url = reverse("meetings:detail", kwargs={"pk": page_meeting.pk})
    page = reader.get(url).content.decode()
    assert "Unntatt offentlighet" in page and "Vedtak 1" in page  # the exempt item's decision is withheld, not all
    assert _at_two_sizes(reader, url, moss_council.forum, -60) == (17, 17)


# --- the follow-ups of a forum -----------------------------------------------------------------------------------

FOLLOW_UPS = {"moss_slt": 9, "moss_ordforer": 9}


@pytest.mark.parametrize("persona", FOLLOW_UPS)
@pytest.mark.parametrize("show", ["open", "alle"])
def test_the_follow_ups_cost_the_same_queries_however_many_years_the_forum_has(
    page_meeting, moss_council, client_for, persona, show
):
    url = reverse("meetings:actions", kwargs={"forum_pk": moss_council.forum_id}) + f"?vis={show}"
    few, many = _at_two_sizes(client_for(persona), url, moss_council.forum, -60)
    assert (few, many) == (FOLLOW_UPS[persona], FOLLOW_UPS[persona])


def test_a_reader_who_is_no_member_gets_the_follow_ups_of_open_meetings_only_at_a_fixed_cost(
    page_meeting, moss_council
):
    item = page_meeting.agenda_items.first()
    meeting_exemption_set(page_meeting, exempt=True, legal_basis=LegalBasis.values[0], agenda_item=item, by=None)
    reader = login(radmann_of_moss())
    url = reverse("meetings:actions", kwargs={"forum_pk": moss_council.forum_id}) + "?vis=alle"
    assert _at_two_sizes(reader, url, moss_council.forum, -60) == (10, 10)  # the exemptions: one more
    shown = meetings.actions_for_forums(reader.get(url).wsgi_request.user, [moss_council.forum])
    expected = FollowUpAction.objects.filter(
        decision__agenda_item__meeting__forum=moss_council.forum, decision__agenda_item__meeting__is_closed=False
    ).exclude(decision__agenda_item=item)
    assert set(shown) == set(expected) and expected.count() > 25  # more than one page


def test_a_long_follow_up_list_is_paginated(page_meeting, moss_council, client_for):
    _grow(moss_council.forum, -60, 4)
    url = reverse("meetings:actions", kwargs={"forum_pk": moss_council.forum_id}) + "?vis=alle"
    page = client_for("moss_slt").get(url).context["page"]
    assert len(page.object_list) == 25 and page.paginator.num_pages > 1


# --- the calendar page -------------------------------------------------------------------------------------------


def test_the_calendar_page_costs_the_same_for_one_forum_and_many(moss_council, personas, client_for):
    client = client_for("moss_slt")
    url = reverse("meetings:calendar")
    client.get(url)
    few = _count(client, url)
    for n in range(3):
        council_create(
            name=f"Politirådet nr. {n}",
            host_kommune=moss_council.host_kommune,
            police_unit=moss_council.police_unit,
            by=personas["moss_slt"],
        )
    response = client.get(url)
    assert response.content.decode().count("Politirådet nr. ") == 3
    assert (few, _count(client, url)) == (5, 5)


def test_the_calendar_page_of_a_district_wide_politimester_costs_the_same_for_more_councils(personas, client_for):
    district = Kommune.objects.get(number="1127").district
    unit = PoliceUnit.objects.filter(district=district).first()
    kommuner = list(Kommune.objects.filter(district=district).order_by("number")[:4])
    client = client_for("sorvest_politimester")
    url = reverse("meetings:calendar")

    def council_in(kommune):
        council_create(
            name=f"Politirådet i {kommune.name}", host_kommune=kommune, police_unit=unit, by=personas["randaberg_slt"]
        )

    council_in(kommuner[0])
    client.get(url)
    few = _count(client, url)
    for kommune in kommuner[1:]:
        council_in(kommune)
    assert (few, _count(client, url)) == (5, 5)
