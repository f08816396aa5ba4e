"""Calendar feeds are bounded and cheap to ask again: the past year and everything planned; a calendar app that
asks with the ETag or Last-Modified it got gets 304 from a few aggregate queries, without the calendar being
built; a feed already built for its version comes from the cache; any change gives a new version."""

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

import samarbeid.meetings
from samarbeid import meetings
from samarbeid.models import CalendarFeedToken
from tests.test_meeting_confidentiality import at, moss_politirad


@pytest.fixture
def builds(monkeypatch):
    """The calendars built, by name."""
    built = []
    real = samarbeid.meetings.meeting_ical

    def counting(readings, name, **kwargs):
        built.append(name)
        return real(readings, name, **kwargs)

    monkeypatch.setattr(samarbeid.meetings, "meeting_ical", counting)
    return built


@pytest.fixture
def forum(personas):
    forum, _leader, _page = moss_politirad(personas)
    return forum


@pytest.fixture
def feed(personas):
    token = CalendarFeedToken.objects.create(user=personas["moss_slt"]).token
    return reverse("meetings:user_feed", kwargs={"token": token})


def summaries(response) -> list[str]:
    return [str(event["SUMMARY"]) for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]


def test_the_feed_holds_the_past_year_and_everything_planned(forum, feed, personas):
    by = personas["moss_slt"]
    for days, theme in [(-400, "For lenge siden"), (-300, "I fjor"), (700, "Om to år")]:
        meetings.meeting_plan(forum, starts_at=at(days), ends_at=at(days, 12), theme=theme, by=by)
    themes = [summary.split(": ")[-1] for summary in summaries(Client().get(feed))]
    assert themes == ["I fjor", "Om to år"]


def test_asking_again_with_the_etag_or_the_date_gets_304_without_building_the_calendar(
    forum, feed, personas, builds, django_assert_max_num_queries
):
    meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), theme="Rus", by=personas["moss_slt"])
    client = Client()
    first = client.get(feed)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert first["Cache-Control"] == "private, no-cache"
    with django_assert_max_num_queries(8):
        again = client.get(feed, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert client.get(feed, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert builds == ["Mine møter"]


def test_a_feed_asked_for_without_conditions_comes_from_the_cache_until_something_changes(
    forum, feed, personas, builds
):
    by = personas["moss_slt"]
    meeting = meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), theme="Rus", by=by)
    client = Client()
    first = client.get(feed)
    assert client.get(feed).content == first.content and len(builds) == 1
    meetings.meeting_update(meeting, by=by, expected_version=meeting.version, place="Rådhuset")
    moved = client.get(feed, HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200 and moved["ETag"] != first["ETag"]
    [event] = icalendar.Calendar.from_ical(moved.content).walk("VEVENT")
    assert str(event["LOCATION"]) == "Rådhuset" and len(builds) == 2
    meetings.agenda_item_add(meeting, title="Narkotika i sentrum", by=by)
    added = client.get(feed, HTTP_IF_NONE_MATCH=moved["ETag"])
    assert added.status_code == 200 and "Narkotika i sentrum" in added.content.replace(b"\r\n ", b"").decode()


def test_a_new_meeting_in_a_forum_the_reader_sees_changes_the_version(forum, feed, personas):
    client = Client()
    first = client.get(feed)
    meetings.meeting_plan(forum, starts_at=at(10), ends_at=at(10, 12), theme="Vold", by=personas["moss_slt"])
    second = client.get(feed, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and any("Vold" in s for s in summaries(second))


def test_the_version_is_per_language(forum, feed, personas):
    meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), by=personas["moss_slt"])
    bokmal = Client().get(feed)
    nynorsk = Client(headers={"accept-language": "nn"}).get(feed, HTTP_IF_NONE_MATCH=bokmal["ETag"])
    assert nynorsk.status_code == 200 and nynorsk["ETag"] != bokmal["ETag"]
