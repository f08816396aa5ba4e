"""Politiråd and meeting pages: the permission matrix across two councils, closed minutes, mail, feeds, PDF,
and query counts that do not grow with meetings, members, decisions or log entries."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils.models import Council, LogEntry
from councils.services import evaluation_submit, log_add, log_change, log_delete
from samarbeid.meetings import (
    action_add,
    decision_add,
    meeting_approve_minutes,
    meeting_mark_held,
    meeting_plan,
    membership_add,
)
from samarbeid.models import (
    CalendarFeedToken,
    FollowUpAction,
    ForumMembership,
    Meeting,
    Person,
    Role,
    User,
)
from samarbeid.roles import role_assign
from tests.test_councils_rules import at, moss_council, randaberg_council  # noqa: F401 (fixtures)

TODAY = timezone.localdate()


@pytest.fixture
def moss_meeting(moss_council):
    meeting = meeting_plan(
        moss_council.forum, starts_at=at(10), ends_at=at(10, 11), place="Moss rådhus", is_closed=True
    )
    item = meeting.agenda_items.get(number=2)
    item.minutes = "Hemmelig referattekst"
    item.description = "Sakspapir om en enkeltsak"
    item.save(update_fields=["minutes", "description"])
    return meeting


@pytest.fixture
def moss_radmann(moss_council):
    """A Moss role holder who reads the council but is not a member of it."""
    person = Person.objects.create(name="Rådmann Moss", email="radmann@moss.demo.no")
    user = User.objects.create_user("radmann@moss.demo.no", "x", person=person)
    role_assign(
        person=person, party=moss_council.host_kommune, role=Role.RADMANN, starts_on=TODAY - datetime.timedelta(days=10)
    )
    return User.objects.get(pk=user.pk)


def status(client, method: str, url: str, data=None) -> int:
    return (client.post(url, data or {}) if method == "post" else client.get(url)).status_code


@pytest.mark.parametrize(
    ("persona", "name", "method", "expected"),
    [
        ("moss_slt", "councils:detail", "get", 200),
        ("moss_leder", "councils:detail", "get", 200),
        ("randaberg_slt", "councils:detail", "get", 404),
        ("moss_slt", "councils:edit", "get", 200),
        ("moss_leder", "councils:edit", "get", 403),
        ("randaberg_ordforer", "councils:edit", "get", 404),
        ("moss_leder", "councils:members", "get", 200),
        ("moss_leder", "councils:members", "post", 403),
        ("randaberg_slt", "councils:members", "get", 404),
        ("moss_politikontakt", "councils:log", "get", 200),
        ("moss_slt", "councils:log", "post", 403),
        ("stavanger_politikontakt", "councils:log", "get", 404),
        ("moss_leder", "meetings:create", "get", 403),
        ("moss_politikontakt", "meetings:create", "get", 200),
        ("randaberg_slt", "meetings:create", "get", 404),
        ("moss_leder", "meetings:actions", "get", 200),
        ("stavanger_leder", "meetings:actions", "get", 404),
    ],
)
def test_permission_matrix_on_council_pages(moss_council, client_for, persona, name, method, expected):
    kwargs = {"forum_pk": moss_council.forum_id} if name.startswith("meetings:") else {"pk": moss_council.pk}
    assert status(client_for(persona), method, reverse(name, kwargs=kwargs)) == expected


@pytest.mark.parametrize(
    ("persona", "name", "method", "expected"),
    [
        ("moss_slt", "meetings:detail", "get", 200),
        ("randaberg_slt", "meetings:detail", "get", 404),
        ("moss_leder", "meetings:edit", "get", 403),
        ("moss_slt", "meetings:edit", "get", 200),
        ("randaberg_ordforer", "meetings:edit", "get", 404),
        ("moss_leder", "meetings:agenda_item_create", "post", 403),
        ("moss_ordforer", "meetings:ics", "get", 200),
        ("kvitsoy_ordforer", "meetings:ics", "get", 404),
    ],
)
def test_permission_matrix_on_meeting_pages(moss_meeting, client_for, persona, name, method, expected):
    assert status(client_for(persona), method, reverse(name, kwargs={"pk": moss_meeting.pk})) == expected


def test_only_people_who_act_for_a_kommune_may_create_a_council(personas, client_for):
    assert client_for("stavanger_politikontakt").get(reverse("councils:create")).status_code == 403
    moss_slt = client_for("moss_slt")
    assert moss_slt.get(reverse("councils:create")).status_code == 200
    from samarbeid.models import Kommune, PoliceUnit

    response = moss_slt.post(
        reverse("councils:create"),
        {
            "name": "Politirådet i Moss",
            "host_kommune": Kommune.objects.get(number="3103").pk,
            "police_unit": PoliceUnit.objects.get(name="Sogn lensmannsdistrikt").pk,
            "secretary_rule": Council.SecretaryRule.SLT_KOORDINATOR,
            "min_meetings_per_year": 2,
        },
    )
    assert "samme politidistrikt" in response.content.decode()
    response = moss_slt.post(
        reverse("councils:create"),
        {
            "name": "Politirådet i Moss",
            "host_kommune": Kommune.objects.get(number="3103").pk,
            "police_unit": PoliceUnit.objects.get(name="Moss politistasjonsdistrikt").pk,
            "secretary_rule": Council.SecretaryRule.SLT_KOORDINATOR,
            "min_meetings_per_year": 2,
        },
    )
    council = Council.objects.get()
    assert response.url == reverse("councils:detail", kwargs={"pk": council.pk})
    assert council.created_by == personas["moss_slt"]


def test_the_council_list_shows_only_the_users_own_councils(moss_council, randaberg_council, client_for):
    page = client_for("moss_leder").get(reverse("councils:list")).content.decode()
    assert "Politirådet i Moss" in page
    assert "Randaberg" not in page.split("<main")[1]


def test_closed_minutes_are_only_for_members(moss_meeting, moss_radmann, client_for, client):
    url = reverse("meetings:detail", kwargs={"pk": moss_meeting.pk})
    member_page = client_for("moss_leder").get(url).content.decode()
    assert "Hemmelig referattekst" in member_page and "Sakspapir om en enkeltsak" in member_page
    non_member = client
    non_member.force_login(moss_radmann)
    page = non_member.get(url)
    assert page.status_code == 200
    assert "Hemmelig referattekst" not in page.content.decode()
    assert "Sakspapir om en enkeltsak" not in page.content.decode()  # the sakliste shows titles only
    assert (
        non_member.get(reverse("meetings:pdf", kwargs={"pk": moss_meeting.pk, "document": "referat"})).status_code
        == 404
    )


def test_open_approved_minutes_are_public_and_closed_ones_are_not(moss_council, client):
    meeting = meeting_plan(moss_council.forum, starts_at=at(-3), ends_at=at(-3, 11))
    meeting = meeting_approve_minutes(meeting_mark_held(meeting, by=None), by=None)
    assert list(Meeting.objects.public()) == [meeting]
    assert client.get(reverse("meetings:detail", kwargs={"pk": meeting.pk})).status_code == 200
    Meeting.objects.filter(pk=meeting.pk).update(is_closed=True)
    response = client.get(reverse("meetings:detail", kwargs={"pk": meeting.pk}))
    assert response.status_code == 302 and response.url.startswith("/konto/login/")


def test_secretary_sends_innkalling_and_gets_a_warning_when_it_is_late(
    moss_council, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = meeting_plan(moss_council.forum, starts_at=at(3), ends_at=at(3, 11))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("moss_slt").post(
            reverse("meetings:transition", kwargs={"pk": meeting.pk, "action": "summon"}), follow=True
        )
    assert "sendt etter fristen: den skal sendes senest 7 dager før møtet" in response.content.decode()
    assert {m.to[0] for m in mailoutbox} >= {"ordforer@moss.demo.no", "politikontakt.moss@politiet.demo.no"}
    event = icalendar.Calendar.from_ical(mailoutbox[0].attachments[0][1]).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{meeting.uid}@samarbeid"
    assert (
        client_for("moss_leder")
        .post(reverse("meetings:transition", kwargs={"pk": meeting.pk, "action": "held"}))
        .status_code
        == 403
    )


def test_minutes_decision_follow_up_and_closing_through_the_pages(moss_meeting, client_for, personas):
    slt = client_for("moss_slt")
    item = moss_meeting.agenda_items.get(number=3)
    slt.post(
        reverse("meetings:agenda_item_minutes", kwargs={"pk": moss_meeting.pk, "item_pk": item.pk}),
        {f"referat-{item.pk}-minutes": "Kommunen orienterte.", f"referat-{item.pk}-version": 1},
    )
    slt.post(
        reverse("meetings:decision_create", kwargs={"pk": moss_meeting.pk, "item_pk": item.pk}),
        {f"vedtak-{item.pk}-text": "Felles innsats mot rus."},
    )
    decision = item.decisions.get()
    slt.post(
        reverse("meetings:action_create", kwargs={"pk": moss_meeting.pk, "decision_pk": decision.pk}),
        {
            f"oppfolging-{decision.pk}-description": "Lage plan",
            f"oppfolging-{decision.pk}-responsible_person": personas["moss_slt"].person_id,
            f"oppfolging-{decision.pk}-due_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        },
    )
    action = FollowUpAction.objects.get()
    page = slt.get(reverse("meetings:actions", kwargs={"forum_pk": moss_meeting.forum_id})).content.decode()
    assert "is-overdue" in page and "Lage plan" in page
    assert (
        client_for("moss_leder")
        .post(
            reverse("meetings:action_close", kwargs={"action_pk": action.pk}),
            {f"lukk-{action.pk}-closing_comment": "Ferdig"},
        )
        .status_code
        == 403
    )
    slt.post(
        reverse("meetings:action_close", kwargs={"action_pk": action.pk}),
        {f"lukk-{action.pk}-closing_comment": "Ferdig"},
    )
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.DONE and action.closed_by == personas["moss_slt"]
    item.refresh_from_db()
    assert item.minutes == "Kommunen orienterte." and item.minutes_updated_by == personas["moss_slt"]


def test_attendance_with_a_deputy_is_recorded(moss_meeting, client_for, personas):
    leader = moss_meeting.forum.memberships.get(kind=ForumMembership.Kind.LEADER)
    deputy_person = Person.objects.create(name="Varaordfører Moss")
    membership_add(moss_meeting.forum, deputy_person, ForumMembership.Kind.DEPUTY, deputy_for=leader)
    client_for("moss_slt").post(
        reverse("meetings:attendance", kwargs={"pk": moss_meeting.pk, "membership_pk": leader.pk}),
        {f"oppmote-{leader.pk}-status": "represented", f"oppmote-{leader.pk}-represented_by": deputy_person.pk},
    )
    attendance = moss_meeting.attendances.get()
    assert attendance.represented_by == deputy_person and attendance.recorded_by == personas["moss_slt"]


def test_the_personal_calendar_feed_needs_its_secret_and_shows_cancellations(moss_meeting, personas, client):
    token = CalendarFeedToken.objects.create(user=personas["moss_ordforer"]).token
    assert client.get(reverse("meetings:user_feed", kwargs={"token": "feil"})).status_code == 404
    client_for_ordforer = client
    Meeting.objects.filter(pk=moss_meeting.pk).update(status=Meeting.Status.CANCELLED, cancelled_at=timezone.now())
    feed = client_for_ordforer.get(reverse("meetings:user_feed", kwargs={"token": token}))
    assert feed["Content-Type"].startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    other_token = CalendarFeedToken.objects.create(user=personas["randaberg_slt"]).token
    url = reverse("meetings:forum_feed", kwargs={"token": other_token, "forum_pk": moss_meeting.forum_id})
    assert client.get(url).status_code == 404


def test_innkalling_pdf_is_rendered(moss_meeting, client_for):
    response = client_for("moss_slt").get(
        reverse("meetings:pdf", kwargs={"pk": moss_meeting.pk, "document": "innkalling"})
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.getvalue().startswith(b"%PDF")


def test_politikontakt_logs_presence_and_the_reminder_about_personal_data_is_shown(moss_council, client_for):
    client = client_for("moss_politikontakt")
    response = client.post(
        reverse("councils:log", kwargs={"pk": moss_council.pk}),
        {
            "kommune": moss_council.host_kommune.pk,
            "kind": LogEntry.Kind.OFFICE_HOURS,
            "date": TODAY.isoformat(),
            "duration_minutes": 240,
            "note": "Kontortid",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("councils:log", kwargs={"pk": moss_council.pk})).content.decode()
    assert "Ingen personopplysninger" in page and "Kontortid" in page


@pytest.mark.parametrize(
    ("note", "refusal"),
    [
        ("Samtale med gutt, fnr 01020312345, om rus", "fødselsnummer (11 siffer)"),
        ("Bekymring: 010203 12345", "fødselsnummer (11 siffer)"),
        ("Oppfølging av Ola Nordmann f. 01.02.2008", "navn med fødselsdato"),
        ("Møtte Kari Hansen (født 3.4.09) ved skolen", "navn med fødselsdato"),
        ("Ungdom (12.03.2009) på Torget", None),  # a date with no name before it identifies no one
        ("Foredrag for 10. klasse 12.03.2026 kl. 10", None),
        ("Tlf. 69 24 10 00, sak 20261234", None),
    ],
)
def test_a_log_note_that_identifies_a_person_is_refused_before_it_is_saved(moss_council, client_for, note, refusal):
    client = client_for("moss_politikontakt")
    response = client.post(
        reverse("councils:log", kwargs={"pk": moss_council.pk}),
        {
            "kommune": moss_council.host_kommune.pk,
            "kind": LogEntry.Kind.NETWORK_CONTACT,
            "date": TODAY.isoformat(),
            "duration_minutes": 30,
            "note": note,
        },
    )
    if refusal is None:
        assert response.status_code == 302 and LogEntry.objects.get().note == note
    else:
        assert response.status_code == 200 and refusal in response.text and not LogEntry.objects.exists()
        assert note in response.text  # what was typed is kept in the form


def test_year_plan_and_evaluation_pages(moss_council, client_for):
    year = TODAY.year
    client = client_for("moss_politikontakt")
    response = client.post(
        reverse("councils:year_plan", kwargs={"pk": moss_council.pk, "year": year}),
        {"date": f"{year}-12-01", "starts": "09:00", "ends": "11:00", "theme": "Rus"},
    )
    assert response.status_code == 302
    assert moss_council.forum.meetings.in_year(year).filter(theme="Rus").exists()
    assert (
        client_for("moss_leder")
        .post(reverse("councils:evaluation", kwargs={"pk": moss_council.pk, "year": year}), {"effect": "x"})
        .status_code
        == 403
    )
    response = client_for("moss_ordforer").post(
        reverse("councils:evaluation", kwargs={"pk": moss_council.pk, "year": year}),
        {"effect": "Færre saker", "version": 0},
    )
    assert response.status_code == 302


# --- query counts -----------------------------------------------------------------------------------------------


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_meeting_with_content(council: Council, days: int, n: int) -> Meeting:
    meeting = meeting_plan(council.forum, starts_at=at(days), ends_at=at(days, 11))
    for item in meeting.agenda_items.all()[:2]:
        decision = decision_add(item, text=f"Vedtak {n}", by=None)
        action_add(
            decision,
            description=f"Tiltak {n}",
            responsible_party=council.host_kommune,
            due_on=TODAY - datetime.timedelta(days=1),
        )
    membership_add(council.forum, Person.objects.create(name=f"Medlem {n}"), ForumMembership.Kind.MEMBER)
    log_add(council, kommune=council.host_kommune, kind=LogEntry.Kind.MEETING, date=TODAY, duration_minutes=30, by=None)
    return meeting


@pytest.mark.parametrize(
    "page",
    [
        "councils:detail",
        "councils:members",
        "councils:log",
        "councils:year_plan",
        "meetings:detail",
        "meetings:actions",
        "councils:list",
    ],
)
def test_query_count_does_not_grow_with_meetings_members_decisions_or_log(
    moss_council, client_for, django_assert_max_num_queries, page
):
    client = client_for("moss_slt")
    meeting = _add_meeting_with_content(moss_council, 5, 0)
    kwargs = {
        "councils:detail": {"pk": moss_council.pk},
        "councils:members": {"pk": moss_council.pk},
        "councils:log": {"pk": moss_council.pk},
        "councils:year_plan": {"pk": moss_council.pk, "year": TODAY.year},
        "meetings:detail": {"pk": meeting.pk},
        "meetings:actions": {"forum_pk": moss_council.forum_id},
        "councils:list": {},
    }[page]
    url = reverse(page, kwargs=kwargs)
    _count(client, url)  # warm the per-user caches
    before = _count(client, url)
    for n in range(1, 6):
        _add_meeting_with_content(moss_council, 5 + n, n)
    # more agenda items, decisions and actions on the meeting itself, too
    for item in meeting.agenda_items.all()[2:6]:
        action_add(
            decision_add(item, text="Mer", by=None), description="Mer", responsible_party=moss_council.host_kommune
        )
    with django_assert_max_num_queries(before):
        assert client.get(url).status_code == 200


# What each of the politiråd's own pages costs, the same after one year and after four (each year's meetings with
# decisions and follow-ups, its evaluation, members, a log of a page and more with its corrections, presence against
# the agreement). Lower is fine: change the number then.
COUNCIL_PAGE_QUERIES = {"councils:list": 6, "councils:detail": 19, "councils:log": 13}


@pytest.fixture
def moss_council_with_agreement(moss_council, personas):
    from agreements.models import PresenceCommitment
    from agreements.services import agreement_create

    agreement = agreement_create(
        police_party=moss_council.police_unit, kommuner=[moss_council.host_kommune], created_by=personas["moss_slt"]
    )
    PresenceCommitment.objects.create(agreement=agreement, kommune=moss_council.host_kommune, times=1)
    moss_council.agreement = agreement
    moss_council.save(update_fields=["agreement"])
    return moss_council


def _add_a_year_of_history(council: Council, year: int, by: User, n: int) -> None:
    """Meetings with decisions and follow-ups, the year's evaluation, members and a page and more of log entries
    (one of them corrected, one deleted)."""
    for month in (3, 9):
        _add_meeting_with_content(council, (datetime.date(year, month, 10 + n) - TODAY).days, n * 10 + month)
    evaluation_submit(council, year=year, by=by, expected_version=0, effect=f"Færre saker {n}")
    entries = [
        log_add(
            council,
            kommune=council.host_kommune,
            kind=LogEntry.Kind.OFFICE_HOURS,
            date=min(datetime.date(year, 1 + day % 12, 1 + day), TODAY),
            duration_minutes=60,
            by=by,
        )
        for day in range(26)
    ]
    log_change(entries[0], expected_version=entries[0].version, by=by, **_log_fields(entries[0], note="Rettet"))
    log_delete(entries[1], expected_version=entries[1].version, by=by)


def _log_fields(entry: LogEntry, **changed) -> dict:
    fields = {"kommune": entry.kommune, "kind": entry.kind, "date": entry.date, "duration_minutes": 60, "note": ""}
    return {**fields, **changed}


@pytest.mark.parametrize(
    ("page", "persona"),
    [("councils:list", "moss_slt"), ("councils:detail", "moss_slt"), ("councils:log", "moss_politikontakt")],
)
def test_a_council_page_costs_the_same_queries_with_years_of_history(
    moss_council_with_agreement, personas, client_for, page, persona
):
    council = moss_council_with_agreement
    client = client_for(persona)
    url = reverse(page, kwargs={} if page == "councils:list" else {"pk": council.pk})
    _add_a_year_of_history(council, TODAY.year, personas["moss_politikontakt"], 0)
    _count(client, url)  # warm the per-user caches (the day's role re-sync)
    one_year = _count(client, url)
    for n in range(1, 4):
        _add_a_year_of_history(council, TODAY.year - n, personas["moss_politikontakt"], n)
    assert (one_year, _count(client, url)) == (COUNCIL_PAGE_QUERIES[page],) * 2


def test_a_long_log_shows_one_page_of_entries_and_the_way_on(moss_council_with_agreement, personas, client_for):
    politikontakt = personas["moss_politikontakt"]
    for n, year in enumerate([TODAY.year - 1, TODAY.year]):
        _add_a_year_of_history(moss_council_with_agreement, year, politikontakt, n)
    url = reverse("councils:log", kwargs={"pk": moss_council_with_agreement.pk})
    page = client_for("moss_politikontakt").get(url).content.decode()
    assert page.count("<tr><td>") == 25  # the rows of the newest 25 entries (of 54)
    assert "Side 1 av 3" in page and "side=2" in page


def test_minutes_saved_with_htmx_return_only_the_agenda_item(moss_meeting, client_for):
    item = moss_meeting.agenda_items.get(number=1)
    url = reverse("meetings:agenda_item_minutes", kwargs={"pk": moss_meeting.pk, "item_pk": item.pk})
    response = client_for("moss_slt").post(
        url,
        {f"referat-{item.pk}-minutes": "Ingen merknader.", f"referat-{item.pk}-version": 1},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li class="agenda__item ds-card" id="sak-{item.pk}">')
    assert "Ingen merknader." in body and "<html" not in body


def test_a_member_gets_the_referat_as_pdf(moss_meeting, client_for):
    response = client_for("moss_leder").get(
        reverse("meetings:pdf", kwargs={"pk": moss_meeting.pk, "document": "referat"})
    )
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")


def test_log_pages_keep_the_kommune_filter(randaberg_council, client_for):
    kvitsoy = randaberg_council.forum.kommuner.get(number="1144")
    for n in range(26):
        log_add(
            randaberg_council, kommune=kvitsoy, kind=LogEntry.Kind.MEETING, date=TODAY, duration_minutes=30 + n, by=None
        )
    url = reverse("councils:log", kwargs={"pk": randaberg_council.pk}) + f"?kommune={kvitsoy.pk}"
    page = client_for("stavanger_politikontakt").get(url).content.decode()
    assert f"?kommune={kvitsoy.pk}&amp;side=2" in page


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_closed_meeting_attachments_are_only_for_members_and_must_be_real_pdf_docx_or_odt(
    moss_meeting, moss_radmann, client_for, client, private_media
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    slt = client_for("moss_slt")
    upload_url = reverse("meetings:attachment_upload", kwargs={"pk": moss_meeting.pk})
    fake = SimpleUploadedFile("notat.pdf", b"ikke en pdf", content_type="application/pdf")
    slt.post(upload_url, {"title": "Falsk", "file": fake})
    assert not moss_meeting.attachments.exists()
    real = SimpleUploadedFile("statistikk.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    slt.post(upload_url, {"title": "Statistikk", "file": real})
    attachment = moss_meeting.attachments.get()
    assert attachment.uploaded_by is not None and attachment.size == 15
    url = reverse("meetings:attachment", kwargs={"pk": moss_meeting.pk, "attachment_pk": attachment.pk})
    response = client_for("moss_leder").get(url)  # a member
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(moss_radmann)  # reads the council, not a member: closed meeting
    assert client.get(url).status_code == 404
    assert client_for("randaberg_slt").get(url).status_code == 404
    assert (
        client_for("moss_leder")
        .post(reverse("meetings:attachment_delete", kwargs={"pk": moss_meeting.pk, "attachment_pk": attachment.pk}))
        .status_code
        == 403
    )


def test_ending_a_membership_keeps_it_in_the_history_with_who_ended_it(moss_council, client_for, personas):
    membership = moss_council.forum.memberships.get(person=personas["moss_leder"].person)
    ForumMembership.objects.filter(pk=membership.pk).update(starts_on=TODAY - datetime.timedelta(days=30))
    url = reverse("councils:membership_end", kwargs={"pk": moss_council.pk, "membership_pk": membership.pk})
    client_for("moss_slt").post(url, {"ends_on": (TODAY - datetime.timedelta(days=1)).isoformat()})
    membership.refresh_from_db()
    assert membership.ended_by == personas["moss_slt"] and not membership.is_active()
    page = client_for("moss_slt").get(reverse("councils:members", kwargs={"pk": moss_council.pk})).content.decode()
    assert "Tidligere medlemmer" in page and personas["moss_leder"].person.name in page.split("Tidligere medlemmer")[1]


def _organiser_posts(council: Council, meeting: Meeting) -> dict[str, tuple[str, dict]]:
    item = meeting.agenda_items.first()
    decision = decision_add(item, text="Vedtak", by=None)
    membership = council.forum.memberships.get(kind=ForumMembership.Kind.LEADER)
    year = TODAY.year
    return {
        "agenda": (reverse("meetings:agenda_item_create", kwargs={"pk": meeting.pk}), {"title": "Ny sak"}),
        "minutes": (
            reverse("meetings:agenda_item_minutes", kwargs={"pk": meeting.pk, "item_pk": item.pk}),
            {f"referat-{item.pk}-minutes": "Tekst"},
        ),
        "decision": (
            reverse("meetings:decision_create", kwargs={"pk": meeting.pk, "item_pk": item.pk}),
            {f"vedtak-{item.pk}-text": "Vedtak"},
        ),
        "action": (
            reverse("meetings:action_create", kwargs={"pk": meeting.pk, "decision_pk": decision.pk}),
            {
                f"oppfolging-{decision.pk}-description": "Gjøre",
                f"oppfolging-{decision.pk}-responsible_party": council.host_kommune.pk,
            },
        ),
        "attendance": (
            reverse("meetings:attendance", kwargs={"pk": meeting.pk, "membership_pk": membership.pk}),
            {f"oppmote-{membership.pk}-status": "present"},
        ),
        "held": (reverse("meetings:transition", kwargs={"pk": meeting.pk, "action": "held"}), {}),
        "year_plan": (
            reverse("councils:year_plan", kwargs={"pk": council.pk, "year": year}),
            {"date": f"{year}-12-01", "starts": "09:00", "ends": "11:00"},
        ),
        "decide": (reverse("councils:year_plan_decide", kwargs={"pk": council.pk, "year": year}), {"version": 0}),
        "end_membership": (
            reverse("councils:membership_end", kwargs={"pk": council.pk, "membership_pk": membership.pk}),
            {"ends_on": TODAY.isoformat()},
        ),
    }


@pytest.mark.parametrize(
    "action",
    ["agenda", "minutes", "decision", "action", "attendance", "held", "year_plan", "decide", "end_membership"],
)
@pytest.mark.parametrize(("persona", "expected"), [("moss_slt", 302), ("moss_leder", 403), ("randaberg_slt", 404)])
def test_only_the_councils_organisers_change_meetings_and_plans(
    moss_meeting, moss_council, client_for, persona, expected, action
):
    url, data = _organiser_posts(moss_council, moss_meeting)[action]
    assert client_for(persona).post(url, data).status_code == expected


def test_the_calendar_page_gives_a_secret_feed_address_and_can_renew_it(moss_meeting, client_for, client, personas):
    ordforer = client_for("moss_ordforer")
    page = ordforer.get(reverse("meetings:calendar")).content.decode()
    token = CalendarFeedToken.objects.get(user=personas["moss_ordforer"]).token
    assert token in page
    forum_feed = reverse("meetings:forum_feed", kwargs={"token": token, "forum_pk": moss_meeting.forum_id})
    assert client.get(forum_feed).status_code == 200
    ordforer.post(reverse("meetings:calendar"))
    assert client.get(forum_feed).status_code == 404
    assert client.get(reverse("meetings:calendar")).status_code == 302  # logged out: to the login page


def test_the_edit_form_fills_the_date_picker_with_an_iso_date(moss_meeting, client_for):
    page = client_for("moss_slt").get(reverse("meetings:edit", kwargs={"pk": moss_meeting.pk})).content.decode()
    assert f'value="{timezone.localtime(moss_meeting.starts_at):%Y-%m-%d}"' in page
    assert 'value="09:00"' in page


def test_the_council_page_shows_status_from_slt_as_its_steering_group(moss_council, client_for):
    page = client_for("moss_ordforer").get(reverse("councils:detail", kwargs={"pk": moss_council.pk})).content
    assert "Status fra SLT" in page.decode() and "SLT-samarbeid" in page.decode()


def test_referatsaker_from_a_closed_meeting_are_shown_only_to_members(moss_meeting, moss_radmann, client_for, client):
    decision_add(moss_meeting.agenda_items.get(number=4), text="Lukket vedtak om en sak", by=None)
    next_meeting = meeting_plan(moss_meeting.forum, starts_at=at(40), ends_at=at(40, 11))
    url = reverse("meetings:detail", kwargs={"pk": next_meeting.pk})
    assert "Lukket vedtak om en sak" in client_for("moss_leder").get(url).content.decode()
    client.force_login(moss_radmann)
    assert "Lukket vedtak om en sak" not in client.get(url).content.decode()


def test_a_meeting_cannot_be_marked_held_before_it_starts(moss_meeting, moss_council, client_for):
    secretary = client_for("moss_slt")
    detail = reverse("meetings:detail", kwargs={"pk": moss_meeting.pk})
    held = reverse("meetings:transition", kwargs={"pk": moss_meeting.pk, "action": "held"})
    assert "Marker som avholdt" not in secretary.get(detail).text  # in ten days: no button yet
    page = secretary.post(held, follow=True).text
    assert "Møtet kan ikke markeres som avholdt før det har begynt" in page
    moss_meeting.refresh_from_db()
    assert moss_meeting.status == Meeting.Status.PLANNED

    started = meeting_plan(moss_council.forum, starts_at=at(0, 0), ends_at=at(0, 0) + datetime.timedelta(hours=1))
    assert "Marker som avholdt" in secretary.get(reverse("meetings:detail", kwargs={"pk": started.pk})).text
    secretary.post(reverse("meetings:transition", kwargs={"pk": started.pk, "action": "held"}))
    started.refresh_from_db()
    assert started.status == Meeting.Status.HELD and started.held_marked_by is not None


# --- Refused input comes back in its form, with the reason in Norwegian ------------------------------------------

HTMX = {"HX-Request": "true"}


def test_a_follow_up_without_a_description_or_with_an_unknown_person_is_refused_in_its_form(moss_meeting, client_for):
    item = moss_meeting.agenda_items.get(number=3)
    decision = decision_add(item, text="Felles innsats mot rus.", by=None)
    prefix = f"oppfolging-{decision.pk}"
    response = client_for("moss_slt").post(
        reverse("meetings:action_create", kwargs={"pk": moss_meeting.pk, "decision_pk": decision.pk}),
        {f"{prefix}-description": "", f"{prefix}-responsible_person": "999999"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body  # the agenda item, for htmx to swap in
    assert "Oppfølgingspunktet mangler beskrivelse." in body and "Velg et gyldig valg" in body
    assert "<details open>" in body  # the refused form stays open
    assert not FollowUpAction.objects.filter(decision=decision).exists()


def test_attendance_names_what_is_wrong_and_records_nothing(moss_meeting, client_for):
    leader = moss_meeting.forum.memberships.get(kind=ForumMembership.Kind.LEADER)
    stranger = Person.objects.create(name="Ikke medlem av politirådet")
    url = reverse("meetings:attendance", kwargs={"pk": moss_meeting.pk, "membership_pk": leader.pk})
    slt = client_for("moss_slt")
    prefix = f"oppmote-{leader.pk}"
    for data, reason in [
        ({f"{prefix}-status": "kanskje"}, "Velg oppmøte."),
        ({f"{prefix}-status": "represented", f"{prefix}-represented_by": stranger.pk}, "Velg et gyldig valg"),
        ({f"{prefix}-status": "represented"}, "Velg stedfortrederen som møtte."),
    ]:
        response = slt.post(url, data, headers=HTMX)
        assert response.status_code == 200 and reason in response.content.decode(), data
    assert not moss_meeting.attendances.exists()
    not_a_member = reverse("meetings:attendance", kwargs={"pk": moss_meeting.pk, "membership_pk": 999999})
    assert slt.post(not_a_member, {"oppmote-999999-status": "present"}).status_code == 404


def test_the_log_filter_offers_the_councils_kommuner_and_explains_a_wrong_one(randaberg_council, client_for):
    url = reverse("councils:log", kwargs={"pk": randaberg_council.pk})
    client = client_for("stavanger_politikontakt")
    page = client.get(url).content.decode()
    assert 'id="filter-kommune"' in page and "Kvitsøy kommune" in page
    for wrong in ("999999", "abc"):
        response = client.get(url, {"kommune": wrong})
        assert response.status_code == 200 and "Velg en av kommunene i politirådet." in response.content.decode()
