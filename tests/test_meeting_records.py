"""Records of a meeting: opening a closed meeting is a recorded decision for members only, the history of the
closed flag and of the minutes, the read log of closed minutes and attachments; and two inputs that used to
break the meeting page, its PDF, the innkalling e-mail and every .ics."""

import datetime
import re
import subprocess

import icalendar
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils.services import council_create
from samarbeid import meetings
from samarbeid.append_only import LogIsAppendOnly
from samarbeid.models import (
    CalendarFeedToken,
    Forum,
    ForumMembership,
    Kommune,
    Meeting,
    MeetingClosedChange,
    MeetingRead,
    MinutesVersion,
    Person,
    PoliceUnit,
    Role,
    User,
)
from samarbeid.roles import role_assign
from slt.services import group_create, slt_model_create
from tests.pdfs import pdf_text

TODAY = timezone.localdate()


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = TODAY + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def council(personas):
    return council_create(
        name="Politirådet i Moss",
        host_kommune=Kommune.objects.get(number="3103"),
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        by=personas["moss_slt"],
    )


@pytest.fixture
def closed(council):
    return meetings.meeting_plan(council.forum, starts_at=at(5), ends_at=at(5, 12), is_closed=True)


@pytest.fixture
def outside_organiser(council):
    """A second politikontakt of Moss: plans and minutes the council's meetings (role), but is no member."""
    person = Person.objects.create(name="Petter Politikontakt", email="pk2@politiet.demo.no")
    User.objects.create_user("pk2@politiet.demo.no", "x", person=person)
    role_assign(
        person=person, party=council.police_unit, role=Role.POLITIKONTAKT, starts_on=TODAY - datetime.timedelta(days=5)
    )
    return User.objects.get(email="pk2@politiet.demo.no")


def client_of(client, user):
    client.force_login(user)
    return client


def edit(client, meeting: Meeting, **data):
    starts = timezone.localtime(meeting.starts_at)
    meeting.refresh_from_db(fields=["version"])
    form = {
        "date": starts.date().isoformat(),
        "starts": "10:00",
        "ends": "12:00",
        "place": "Rådhuset",
        "version": meeting.version,
        **data,
    }
    return client.post(reverse("meetings:edit", kwargs={"pk": meeting.pk}), form, follow=True)


# --- opening a closed meeting -------------------------------------------------------------------------------------


def test_an_organiser_who_is_not_a_member_is_not_offered_to_open_a_closed_meeting(closed, outside_organiser, client):
    page = client_of(client, outside_organiser).get(reverse("meetings:edit", kwargs={"pk": closed.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "disabled" in re.search(r'<input[^>]*name="is_closed"[^>]*>', body).group(0)
    assert "Bare lederen eller et medlem av forumet kan åpne møtet." in body
    assert 'name="reason"' not in body


def test_unticking_closed_as_a_non_member_organiser_leaves_the_meeting_closed_and_records_nothing(
    closed, outside_organiser, client
):
    response = edit(client_of(client, outside_organiser), closed, reason="Ingen grunn")  # is_closed unticked
    assert response.status_code == 200
    closed.refresh_from_db()
    assert closed.is_closed
    assert not MeetingClosedChange.objects.exists()


def test_the_service_refuses_a_non_member_in_norwegian(closed, outside_organiser):
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_update(closed, by=outside_organiser, is_closed=False, reason="Offentleglova § 3")
    assert refused.value.messages == ["Bare lederen eller et medlem av forumet kan åpne et lukket møte."]
    closed.refresh_from_db()
    assert closed.is_closed and not MeetingClosedChange.objects.exists()


def test_a_member_opens_a_closed_meeting_only_with_a_legal_basis_and_it_is_recorded(closed, client_for, personas):
    leader = client_for("moss_ordforer")
    without = edit(leader, closed, reason="  ")
    assert "Oppgi hjemmel eller grunn for å åpne møtet." in without.content.decode()
    closed.refresh_from_db()
    assert closed.is_closed
    page = edit(leader, closed, reason="Saken gjelder ikke enkeltpersoner; offentleglova § 3.")
    closed.refresh_from_db()
    assert not closed.is_closed
    [change] = MeetingClosedChange.objects.all()
    assert (change.meeting, change.was_closed, change.is_closed) == (closed, True, False)
    assert change.changed_by == personas["moss_ordforer"] and change.changed_at is not None
    assert change.reason == "Saken gjelder ikke enkeltpersoner; offentleglova § 3."
    body = page.content.decode()  # the meeting page after the save shows the decision
    assert "Lukket eller åpent – historikk" in body and "offentleglova § 3" in body and "åpnet" in body


def test_closing_is_always_allowed_for_organisers_and_recorded(council, outside_organiser, client):
    meeting = meetings.meeting_plan(council.forum, starts_at=at(5), ends_at=at(5, 12))
    edit(client_of(client, outside_organiser), meeting, is_closed="on")
    meeting.refresh_from_db()
    assert meeting.is_closed
    [change] = MeetingClosedChange.objects.all()
    assert (change.was_closed, change.is_closed, change.changed_by) == (False, True, outside_organiser)


def test_a_coordination_group_meeting_cannot_be_opened_by_anyone(personas, client_for):
    slt_model = slt_model_create(
        name="SLT Moss", kommuner=[Kommune.objects.get(number="3103")], created_by=personas["moss_slt"]
    )
    group = group_create(slt_model=slt_model, name="Utøvergruppe", meetings_per_year=4, created_by=personas["moss_slt"])
    meeting = meetings.meeting_plan(group.forum, starts_at=at(5), ends_at=at(5, 12))
    page = client_for("moss_slt").get(reverse("meetings:edit", kwargs={"pk": meeting.pk})).content.decode()
    assert "Møter i koordineringsgrupper er alltid lukket." in page
    edit(client_for("moss_slt"), meeting, reason="Vil åpne")
    meeting.refresh_from_db()
    assert meeting.is_closed and not MeetingClosedChange.objects.exists()


def test_the_closed_flag_history_refuses_an_opening_without_a_reason_in_the_database(closed):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingClosedChange.objects.create(meeting=closed, was_closed=True, is_closed=False, reason="")


# --- minutes history ----------------------------------------------------------------------------------------------


def test_every_change_of_minutes_is_kept_and_members_read_the_history(closed, client_for, client, personas):
    item = closed.agenda_items.get(number=2)
    url = reverse("meetings:agenda_item_minutes", kwargs={"pk": closed.pk, "item_pk": item.pk})
    secretary = client_for("moss_slt")
    for text in ["Første utkast HISTA", "Andre utkast HISTB", "Andre utkast HISTB"]:  # the last is no change
        item.refresh_from_db(fields=["version"])
        secretary.post(url, {f"referat-{item.pk}-minutes": text, f"referat-{item.pk}-version": item.version})
    versions = list(MinutesVersion.objects.filter(agenda_item=item).order_by("written_at", "pk"))
    assert [v.text for v in versions] == ["Første utkast HISTA", "Andre utkast HISTB"]
    assert {v.written_by for v in versions} == {personas["moss_slt"]}
    page = client_for("moss_ordforer").get(reverse("meetings:detail", kwargs={"pk": closed.pk})).content.decode()
    assert "Historikk" in page and "HISTA" in page and "HISTB" in page
    radmann = Person.objects.create(name="Rådmann", email="r@moss.demo.no")
    role_assign(person=radmann, party=closed.forum.kommuner.get(), role=Role.RADMANN, starts_on=TODAY)
    client.force_login(User.objects.create_user("r@moss.demo.no", "x", person=radmann))
    outside = client.get(reverse("meetings:detail", kwargs={"pk": closed.pk})).content.decode()
    assert "HISTA" not in outside and "Historikk" not in outside


# --- read log -----------------------------------------------------------------------------------------------------


@pytest.fixture
def attachment(closed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("notat.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    return meetings.meeting_attach(closed, upload=upload, title="Notat", by=None)


def test_reading_closed_minutes_and_attachments_is_logged(closed, attachment, client_for, personas):
    member = client_for("moss_leder")
    member.get(reverse("meetings:detail", kwargs={"pk": closed.pk}))
    member.get(reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "referat"}))
    member.get(reverse("meetings:attachment", kwargs={"pk": closed.pk, "attachment_pk": attachment.pk}))
    member.get(reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "innkalling"}))  # not minutes
    reads = list(MeetingRead.objects.order_by("read_at", "pk"))
    assert [(r.user, r.what) for r in reads] == [
        (personas["moss_leder"], MeetingRead.What.PAGE),
        (personas["moss_leder"], MeetingRead.What.REFERAT_PDF),
        (personas["moss_leder"], MeetingRead.What.ATTACHMENT),
    ]
    assert reads[2].attachment == attachment and reads[2].attachment_title == "Notat"
    assert all(r.meeting == closed and r.read_at for r in reads)


def test_nothing_is_logged_for_who_reads_no_closed_minutes_or_for_open_meetings(council, closed, client_for):
    client_for("randaberg_slt").get(reverse("meetings:detail", kwargs={"pk": closed.pk}))  # another tenant: 404
    open_meeting = meetings.meeting_plan(council.forum, starts_at=at(9), ends_at=at(9, 12))
    client_for("moss_leder").get(reverse("meetings:detail", kwargs={"pk": open_meeting.pk}))
    assert not MeetingRead.objects.exists()


def test_organisers_see_who_read_and_readers_do_not(closed, client_for):
    client_for("moss_leder").get(reverse("meetings:detail", kwargs={"pk": closed.pk}))
    organiser_page = client_for("moss_slt").get(reverse("meetings:detail", kwargs={"pk": closed.pk})).content
    assert "Lest av" in organiser_page.decode() and "Jon Kasper Hammer" in organiser_page.decode()
    member_page = client_for("moss_leder").get(reverse("meetings:detail", kwargs={"pk": closed.pk})).content
    assert "Lest av" not in member_page.decode()


def test_the_read_list_costs_the_same_queries_whatever_the_number_of_readers(closed, client_for, council):
    url = reverse("meetings:detail", kwargs={"pk": closed.pk})
    organiser = client_for("moss_slt")
    client_for("moss_leder").get(url)
    organiser.get(url)
    with CaptureQueriesContext(connection) as few:
        organiser.get(url)
    for n in range(6):
        person = Person.objects.create(name=f"Medlem {n}", email=f"m{n}@moss.demo.no")
        user = User.objects.create_user(f"m{n}@moss.demo.no", "x", person=person)
        meetings.membership_add(council.forum, person, ForumMembership.Kind.MEMBER)
        client_for_user = organiser.__class__()
        client_for_user.force_login(User.objects.get(pk=user.pk))
        client_for_user.get(url)
    with CaptureQueriesContext(connection) as many:
        page = organiser.get(url).content.decode()
    assert "Medlem 5" in page
    assert len(many.captured_queries) == len(few.captured_queries)


# --- a follow-up with a person and no party -----------------------------------------------------------------------


def test_a_follow_up_with_a_responsible_person_but_no_party_shows_on_the_page_and_in_the_referat(
    closed, client_for, personas
):
    decision = meetings.decision_add(closed.agenda_items.get(number=2), text="Kartlegge", by=None)
    meetings.action_add(decision, description="Kartlegging av miljøet", responsible_person=personas["moss_slt"].person)
    meetings.action_add(decision, description="Møte med skolen", responsible_party=closed.forum.kommuner.get())
    member = client_for("moss_ordforer")
    page = member.get(reverse("meetings:detail", kwargs={"pk": closed.pk}))
    assert page.status_code == 200
    assert "Kartlegging av miljøet – Vilde Haugen Berg" in page.content.decode()
    assert "Møte med skolen – Moss" in page.content.decode()
    pdf = member.get(reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "referat"}))
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.getvalue(), capture_output=True, check=True).stdout
    text = text.decode()
    assert "Vilde Haugen Berg" in text


# --- a line break in a forum's name -------------------------------------------------------------------------------


def test_a_forum_name_with_a_line_break_is_refused_with_a_norwegian_message(personas):
    with pytest.raises(ValidationError) as refused:
        meetings.forum_create(
            kind=Forum.Kind.POLITIRAD, name="Politirådet\ni Moss", kommuner=[], police_party=None, policy={}
        )
    assert refused.value.message_dict["name"] == ["Navnet kan ikke ha linjeskift eller andre kontrolltegn."]


def test_a_line_break_already_in_a_forum_name_breaks_neither_the_innkalling_nor_any_calendar(
    closed, client_for, personas, mailoutbox, django_capture_on_commit_callbacks
):
    Forum.objects.filter(pk=closed.forum_id).update(name="Politirådet\r\ni Moss")  # data from before the rule
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("moss_slt").post(
            reverse("meetings:transition", kwargs={"pk": closed.pk, "action": "summon"})
        )
    assert response.status_code == 302
    assert mailoutbox and all(m.subject.startswith("Innkalling: Politirådet i Moss ") for m in mailoutbox)
    calendars = [mailoutbox[0].attachments[0][1].encode()]
    member = client_for("moss_ordforer")
    token = CalendarFeedToken.objects.create(user=personas["moss_ordforer"]).token
    for url in [
        reverse("meetings:ics", kwargs={"pk": closed.pk}),
        reverse("meetings:user_feed", kwargs={"token": token}),
        reverse("meetings:forum_feed", kwargs={"token": token, "forum_pk": closed.forum_id}),
    ]:
        response = member.get(url)
        assert response.status_code == 200
        calendars.append(response.content)
    for payload in calendars:
        calendar = icalendar.Calendar.from_ical(payload)
        assert str(calendar["X-WR-CALNAME"]) in ("Politirådet i Moss", "Mine møter")
        assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Politirådet i Moss"


def test_the_personal_feed_costs_the_same_queries_whatever_the_number_of_meetings(council, personas, client):
    token = CalendarFeedToken.objects.create(user=personas["moss_ordforer"]).token
    url = reverse("meetings:user_feed", kwargs={"token": token})
    # one closed and one open meeting first: each kind has its fixed queries (an open one its exemptions and
    # publications), then more of both must cost nothing more
    meetings.meeting_plan(council.forum, starts_at=at(3), ends_at=at(3, 12), is_closed=True)
    meetings.meeting_plan(council.forum, starts_at=at(4), ends_at=at(4, 12), is_closed=False)
    client.get(url)
    cache.clear()  # both times the feed is built, not served from the cache of built feeds
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        meetings.meeting_plan(council.forum, starts_at=at(10 + n), ends_at=at(10 + n, 12), is_closed=n % 2 == 0)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert len(icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.fixture
def meeting_logs(closed, personas, attachment):
    """One row in each meeting log: a minutes version, a read of the attachment and a closed-flag change."""
    leader, item = personas["moss_ordforer"], closed.agenda_items.get(number=2)
    meetings.agenda_item_write_minutes(item, text="Første utkast", by=leader)
    meetings.meeting_read_record(
        meetings.meeting_reading(leader, closed), what=MeetingRead.What.ATTACHMENT, attachment=attachment
    )
    meetings.meeting_update(closed, by=leader, is_closed=False, reason="Offentleglova § 3.")
    return [MinutesVersion, MeetingClosedChange, MeetingRead]


def test_the_meeting_logs_cannot_be_changed_or_deleted_through_the_orm(meeting_logs):
    for model in meeting_logs:
        entry = model.objects.first()
        with pytest.raises(LogIsAppendOnly):
            entry.save()
        with pytest.raises(LogIsAppendOnly):
            entry.delete()
        with pytest.raises(LogIsAppendOnly):
            model.objects.all().delete()
        assert model.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist only on PostgreSQL")
def test_on_postgresql_raw_sql_cannot_change_or_delete_a_meeting_log_entry(meeting_logs):
    for model in meeting_logs:
        table = model._meta.db_table
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(IntegrityError, match="logg"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        assert model.objects.count() == 1


def test_deleting_an_attachment_keeps_its_read_log_entry_with_the_title(meeting_logs, attachment):
    meetings.attachment_delete(attachment)
    read = MeetingRead.objects.get()
    assert (read.attachment, read.attachment_title) == (None, "Notat")


# --- who approved the minutes ---------------------------------------------------------------------------------------


def test_the_referat_says_it_is_a_draft_until_approved_and_then_who_approved_it_and_when(closed, client_for, personas):
    member = client_for("moss_ordforer")
    url = reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "referat"})
    assert "Utkast: referatet er ikke godkjent ennå." in pdf_text(member.get(url, follow=True).getvalue())
    Meeting.objects.filter(pk=closed.pk).update(starts_at=at(-2), ends_at=at(-2, 12))  # it has been held since
    closed.refresh_from_db()
    meetings.meeting_mark_held(closed, by=personas["moss_slt"])
    meetings.meeting_approve_minutes(closed, by=personas["moss_slt"])
    text = " ".join(pdf_text(member.get(url, follow=True).getvalue()).split())
    approved = timezone.localdate().strftime("%d.%m.%Y")
    assert f"Referatet ble godkjent {approved} av Vilde Haugen Berg." in text and "Utkast" not in text
    page = member.get(reverse("meetings:detail", kwargs={"pk": closed.pk})).text
    assert "Referat godkjent" in page and "Vilde Haugen Berg" in page
