"""Notifications, sent through a real SMTP server on loopback (aiosmtpd) and read as a mail client reads them."""

import contextlib
import datetime
import email
import email.policy
import socket
import threading
import time

import icalendar
import pytest
from aiosmtpd.controller import Controller
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from agreements.services import agreement_create
from agreements.signing import agreement_send_for_signature, agreement_sign
from councils.services import council_create
from samarbeid import meetings
from samarbeid.models import (
    DigestItem,
    ForumMembership,
    Kommune,
    NotificationKind,
    NotificationPreference,
    Person,
    PoliceUnit,
    SentReminder,
)
from samarbeid.notifications import preferences_for, preferences_set, send_digests, send_reminders

Delivery = NotificationPreference.Delivery


class Inbox:
    """aiosmtpd handler: every message that arrives, parsed as a mail client would."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int) -> None:
        """The SMTP server stores a message in its own thread; give it a moment after the client is done."""
        deadline = time.monotonic() + 5
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(settings, tmp_path, *, site_url: str):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to, with tasks run at once and the seal and
    private files in tmp; yields the inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port},
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = site_url
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(settings, tmp_path):
    with smtp_server(settings, tmp_path, site_url="https://samarbeid.test") as inbox:
        yield inbox


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the code under test leaves for after the commit (the queued e-mails) as the commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def parts(message) -> dict[str, str]:
    """The message's text parts by content type (text/plain, text/html, text/calendar)."""
    return {
        part.get_content_type(): part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    }


def calendar_of(message) -> tuple[str, icalendar.Event, icalendar.Calendar]:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_content())
    return part.get_param("method"), calendar.walk("VEVENT")[0], calendar


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def confirmed_just_now() -> list[dict]:
    return [{"method": "password", "at": time.time() - 60}, {"method": "mfa", "type": "totp", "at": time.time()}]


@pytest.fixture
def moss_draft(personas):
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2028, 12, 31),
    )
    for key in ("moss_ordforer", "moss_leder"):
        TOTP.activate(personas[key], generate_totp_secret())
    return agreement


@pytest.fixture
def luster_council(personas):
    return council_create(
        name="Politirådet i Luster",
        host_kommune=Kommune.objects.get(number="4644"),
        police_unit=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        by=personas["luster_slt"],
    )


@pytest.fixture
def moss_council(personas):
    return council_create(
        name="Politirådet i Moss",
        host_kommune=Kommune.objects.get(number="3103"),
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        by=personas["moss_slt"],
    )


# --- agreements -----------------------------------------------------------------------------------------------


def test_each_signatory_gets_the_signing_request_with_text_html_and_the_link_to_the_signing_page(
    smtp, committed, personas, moss_draft
):
    with committed():
        agreement_send_for_signature(moss_draft, by=personas["moss_slt"])
    smtp.wait_for(2)
    link = f"https://samarbeid.test{reverse('agreements:signing', kwargs={'pk': moss_draft.pk})}"
    for address in ("ordforer@moss.demo.no", "tjenesteenhetsleder.moss@politiet.demo.no"):
        [message] = smtp.to(address)
        assert message["Subject"] == f"Til signering: {moss_draft.title}"
        body = parts(message)
        assert "er sendt til signering" in body["text/plain"] and link in body["text/plain"]
        assert f'href="{link}"' in body["text/html"]
    assert {m["To"] for m in smtp.messages} == {"ordforer@moss.demo.no", "tjenesteenhetsleder.moss@politiet.demo.no"}


def test_signed_by_all_goes_to_every_role_holder_of_the_parties_with_the_sealed_pdf_link(
    smtp, committed, personas, moss_draft, client_for
):
    call_command("make_seal", verbosity=0)
    with committed():
        agreement_send_for_signature(moss_draft, by=personas["moss_slt"])
    smtp.wait_for(2)
    smtp.messages.clear()
    with committed():
        for key in ("moss_ordforer", "moss_leder"):
            moss_draft.refresh_from_db()
            agreement_sign(
                moss_draft,
                by=personas[key],
                place="Moss",
                authentication=confirmed_just_now(),
                signed_hash=moss_draft.signing_rounds.last().content_hash,
            )
    smtp.wait_for(4)
    pdf_path = reverse("agreements:pdf", kwargs={"pk": moss_draft.pk})
    everyone = {
        "slt@moss.demo.no",
        "ordforer@moss.demo.no",
        "politikontakt.moss@politiet.demo.no",
        "tjenesteenhetsleder.moss@politiet.demo.no",
    }
    assert {m["To"] for m in smtp.messages} == everyone
    message = smtp.to("politikontakt.moss@politiet.demo.no")[0]
    assert message["Subject"].startswith("Signert av alle: ")
    assert f"https://samarbeid.test{pdf_path}" in parts(message)["text/plain"]
    assert "text/html" in parts(message)
    response = client_for("moss_politikontakt").get(pdf_path)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert moss_draft.sealed_document.sha256


def test_a_nynorsk_kommune_person_reads_the_message_in_nynorsk_and_the_police_in_bokmal(
    smtp, committed, personas, luster_council
):
    meeting = meetings.meeting_plan(luster_council.forum, starts_at=at(10), ends_at=at(10, 12), theme="Russetid")
    with committed():
        meetings.meeting_send_innkalling(meeting, by=personas["luster_slt"])
    smtp.wait_for(3)
    ordforer = parts(smtp.to("ordforar@luster.demo.no")[0])
    assert "Innkalling til møte i Politirådet i Luster" in ordforer["text/plain"]
    assert "Møtet ligg ved som kalenderinvitasjon." in ordforer["text/plain"]
    assert "Gå til møtesida" in ordforer["text/html"] and 'lang="nn"' in ordforer["text/html"]
    police = parts(smtp.to("politikontakt.luster@politiet.demo.no")[0])
    assert "Møtet ligger vedlagt som kalenderinvitasjon." in police["text/plain"]


# --- meetings -------------------------------------------------------------------------------------------------


def test_innkalling_update_and_cancel_reach_members_and_guests_as_one_calendar_event(
    smtp, committed, personas, moss_council
):
    forum = moss_council.forum
    guest = Person.objects.create(name="Gjest fra BUP", email="gjest@bup.demo.no")  # no login
    meetings.membership_add(forum, guest, ForumMembership.Kind.GUEST)
    meeting = meetings.meeting_plan(forum, starts_at=at(14), ends_at=at(14, 12), place="Rådhuset")
    with committed():
        recipients, _late = meetings.meeting_send_innkalling(meeting, by=personas["moss_slt"])
    smtp.wait_for(len(recipients))
    assert "gjest@bup.demo.no" in {m["To"] for m in smtp.messages}
    assert len(smtp.messages) == len(recipients) >= 3

    first = smtp.to("gjest@bup.demo.no")[0]
    method, event, calendar = calendar_of(first)
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts(first))
    assert str(event["ORGANIZER"]) == "mailto:ikke-svar@samarbeid.local"
    attendees = {str(a) for a in event.get("ATTENDEE")}
    assert {"mailto:gjest@bup.demo.no", "mailto:ordforer@moss.demo.no"} <= attendees

    smtp.messages.clear()
    meeting.refresh_from_db()
    with committed():
        meetings.meeting_update(meeting, by=personas["moss_slt"], starts_at=at(15), ends_at=at(15, 12))
    smtp.wait_for(len(recipients))
    update = smtp.to("gjest@bup.demo.no")[0]
    assert update["Subject"].startswith("Endret innkalling: Politirådet i Moss ")
    update_method, moved, _calendar = calendar_of(update)
    assert update_method == "REQUEST" and moved["UID"] == event["UID"]
    assert moved["SEQUENCE"] > event["SEQUENCE"] and moved.decoded("DTSTART") == at(15)

    smtp.messages.clear()
    meeting.refresh_from_db()
    with committed():
        meetings.meeting_cancel(meeting, by=personas["moss_slt"])
    smtp.wait_for(len(recipients))
    cancel = smtp.to("gjest@bup.demo.no")[0]
    cancel_method, cancelled, calendar = calendar_of(cancel)
    assert cancel_method == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert cancelled["UID"] == event["UID"] and cancelled["SEQUENCE"] > moved["SEQUENCE"]
    assert cancelled["STATUS"] == "CANCELLED"
    assert "er avlyst" in parts(cancel)["text/plain"]


def test_a_meeting_that_was_never_summoned_is_cancelled_without_mail(smtp, committed, personas, moss_council):
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(14), ends_at=at(14, 12))
    with committed():
        meetings.meeting_cancel(meeting, by=personas["moss_slt"])
    time.sleep(0.2)
    assert smtp.messages == []


def test_a_closed_meeting_sends_titles_and_a_link_but_no_case_papers_even_to_members(
    smtp, committed, personas, moss_council
):
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(14), ends_at=at(14, 12), is_closed=True)
    meetings.agenda_item_add(
        meeting, title="Bekymring for en ungdomsgruppe", description="Navn og adresse KONFIDENSIELT"
    )
    with committed():
        recipients, _late = meetings.meeting_send_innkalling(meeting, by=personas["moss_slt"])
    smtp.wait_for(len(recipients))
    message = smtp.to("ordforer@moss.demo.no")[0]  # the leader: a member who may read everything on the page
    raw = message.as_string()
    assert "Bekymring for en ungdomsgruppe" in parts(message)["text/plain"]
    assert "KONFIDENSIELT" not in raw and "KONFIDENSIELT" not in str(calendar_of(message)[1].get("DESCRIPTION"))
    assert f"https://samarbeid.test{reverse('meetings:detail', kwargs={'pk': meeting.pk})}" in raw


def test_approved_minutes_and_a_new_follow_up_are_announced(smtp, committed, personas, moss_council):
    # from midnight today: begun (it is marked held below) whatever the hour the suite runs, and members from today
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(0, 0), ends_at=at(0, 1))
    item = meetings.agenda_item_add(meeting, title="Trygg skolevei")
    decision = meetings.decision_add(item, text="Politiet og kommunen går skoleveien sammen.", by=None)
    with committed():
        meetings.action_add(
            decision,
            description="Befaring av skoleveien",
            due_on=at(20).date(),
            responsible_person=personas["moss_politikontakt"].person,
        )
    smtp.wait_for(1)
    [assigned] = smtp.messages
    assert assigned["To"] == "politikontakt.moss@politiet.demo.no"
    assert assigned["Subject"].startswith("Nytt oppfølgingspunkt: Politirådet i Moss ")
    assert "Befaring av skoleveien" in parts(assigned)["text/plain"]
    assert "Befaring av skoleveien" in parts(assigned)["text/html"]

    smtp.messages.clear()
    with committed():
        meetings.action_add(decision, description="Skilting", responsible_party=Kommune.objects.get(number="3103"))
    smtp.wait_for(2)
    assert {m["To"] for m in smtp.messages} == {"slt@moss.demo.no", "ordforer@moss.demo.no"}

    smtp.messages.clear()
    meetings.meeting_mark_held(meeting, by=personas["moss_slt"])
    with committed():
        meetings.meeting_approve_minutes(meeting, by=personas["moss_slt"])
    members = meetings.innkalling_recipients(meeting)
    smtp.wait_for(len(members))
    assert len(smtp.messages) == len(members)
    approved = smtp.to("ordforer@moss.demo.no")[0]
    assert approved["Subject"].startswith("Referat godkjent: Politirådet i Moss ")
    assert "er godkjent" in parts(approved)["text/plain"] and "Trygg skolevei" in parts(approved)["text/html"]


# --- preferences and the digest -------------------------------------------------------------------------------


def test_off_means_no_mail_and_digest_means_one_weekly_mail_with_the_links(smtp, committed, personas, moss_council):
    ordforer, slt = personas["moss_ordforer"].person, personas["moss_slt"].person
    preferences_set(person=ordforer, choices={NotificationKind.INNKALLING: Delivery.OFF})
    preferences_set(person=slt, choices={NotificationKind.INNKALLING: Delivery.DIGEST})
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(14), ends_at=at(14, 12))
    with committed():
        recipients, _late = meetings.meeting_send_innkalling(meeting, by=personas["moss_slt"])
    smtp.wait_for(len(recipients) - 2)
    time.sleep(0.2)
    received = {m["To"] for m in smtp.messages}
    assert "ordforer@moss.demo.no" not in received and "slt@moss.demo.no" not in received
    assert len(smtp.messages) == len(recipients) - 2

    smtp.messages.clear()
    with committed():
        assert send_digests() == 1
    smtp.wait_for(1)
    [digest] = smtp.messages
    assert digest["To"] == "slt@moss.demo.no" and digest["Subject"] == "Samarbeid: ukens varsler (1)"
    assert "Innkalling: Politirådet i Moss" in parts(digest)["text/plain"]
    assert reverse("meetings:detail", kwargs={"pk": meeting.pk}) in parts(digest)["text/html"]
    with committed():
        assert send_digests() == 0  # nothing is sent twice
    assert DigestItem.objects.filter(sent_at__isnull=True).count() == 0


def test_a_signing_request_cannot_be_switched_off(smtp, committed, personas, moss_draft):
    ordforer = personas["moss_ordforer"].person
    preferences_set(person=ordforer, choices={NotificationKind.SIGNING_REQUEST: Delivery.OFF})
    assert not NotificationPreference.objects.filter(person=ordforer).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(person=ordforer, kind=NotificationKind.SIGNING_REQUEST, delivery="off")
    with committed():
        agreement_send_for_signature(moss_draft, by=personas["moss_slt"])
    smtp.wait_for(2)
    assert len(smtp.to("ordforer@moss.demo.no")) == 1


def test_the_settings_page_is_linked_from_min_side_and_keeps_each_choice(client_for):
    client = client_for("moss_ordforer")
    url = reverse("notification_settings")
    assert f'href="{url}"' in client.get(reverse("min_side")).content.decode()
    page = client.get(url).content.decode()
    assert "Signeringsoppdrag kommer alltid med en gang." in page
    choices = {kind: "now" for kind in NotificationKind.values}
    response = client.post(url, {**choices, "innkalling": "digest", "reminder": "off", "signing_request": "off"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Varselinnstillingene er lagret." in page
    assert '<option value="digest" selected>' in page.split('name="innkalling"')[1].split("</select>")[0]
    assert '<option value="off" selected>' in page.split('name="reminder"')[1].split("</select>")[0]
    saved = dict(NotificationPreference.objects.values_list("kind", "delivery"))
    assert saved["innkalling"] == "digest" and "signing_request" not in saved


def test_the_settings_page_refuses_an_unknown_choice_with_a_message(client_for):
    response = client_for("moss_ordforer").post(reverse("notification_settings"), {"innkalling": "hver time"})
    assert response.status_code == 200
    assert "Velg et gyldig valg" in response.content.decode()


# --- reminders from the task list -----------------------------------------------------------------------------


@pytest.fixture
def follow_up_in_a_week(personas, moss_council):
    """A follow-up for the politikontakt, due in seven days (one of the politikontakt's tasks on Min side)."""
    meeting = meetings.meeting_plan(moss_council.forum, starts_at=at(0, 8), ends_at=at(0, 9))
    decision = meetings.decision_add(
        meetings.agenda_item_add(meeting, title="Trygg skolevei"), text="Vedtatt.", by=None
    )
    return meetings.action_add(
        decision,
        description="Befaring av skoleveien",
        due_on=at(7).date(),
        responsible_person=personas["moss_politikontakt"].person,
    )


def reminders_to(smtp, address: str) -> list[str]:
    time.sleep(0.2)
    return [parts(m)["text/plain"] for m in smtp.to(address) if m["Subject"].startswith("Påminnelse om frister")]


def test_reminders_in_a_week_tomorrow_and_overdue_are_each_sent_once(smtp, committed, follow_up_in_a_week):
    address, today = "politikontakt.moss@politiet.demo.no", timezone.localdate()
    meeting_id = follow_up_in_a_week.decision.agenda_item.meeting_id
    for days, label in ((0, "Frist om 7 dager"), (6, "Frist i morgen"), (8, "Fristen er passert")):
        smtp.messages.clear()
        with committed():
            send_reminders(today=today + datetime.timedelta(days=days))
        [text] = reminders_to(smtp, address)
        assert f"{label}: Befaring av skoleveien" in text
        assert f"https://samarbeid.test{reverse('meetings:detail', kwargs={'pk': meeting_id})}" in text
        smtp.messages.clear()
        with committed():
            send_reminders(today=today + datetime.timedelta(days=days))
        assert reminders_to(smtp, address) == []  # the same day again: nothing twice
    assert SentReminder.objects.filter(task_key=f"follow_up:{follow_up_in_a_week.pk}").count() == 3


def test_a_reminder_of_a_closed_meetings_follow_up_does_not_carry_its_text(smtp, committed, follow_up_in_a_week):
    meeting = follow_up_in_a_week.decision.agenda_item.meeting
    meetings.meeting_update(meeting, by=None, is_closed=True)
    with committed():
        send_reminders()
    [text] = reminders_to(smtp, "politikontakt.moss@politiet.demo.no")
    assert "Oppfølgingspunkt fra et lukket møte" in text and "Befaring av skoleveien" not in text
    html = [parts(m)["text/html"] for m in smtp.to("politikontakt.moss@politiet.demo.no")]
    assert html and not any("Befaring av skoleveien" in part for part in html)


def test_the_database_refuses_the_same_reminder_twice(follow_up_in_a_week, personas):
    person = personas["moss_politikontakt"].person
    SentReminder.objects.create(task_key="follow_up:1", threshold="7d", person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        SentReminder.objects.create(task_key="follow_up:1", threshold="7d", person=person)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one writer in at a time; the race needs PostgreSQL (CI)"
)
@pytest.mark.django_db(transaction=True)  # two connections that see each other's commits (runs after the others)
def test_two_runs_at_once_send_each_reminder_once(smtp, personas, follow_up_in_a_week):
    barrier = threading.Barrier(2)
    counts = []

    def run():
        try:
            barrier.wait()
            counts.append(send_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reminders_to(smtp, "politikontakt.moss@politiet.demo.no")) == 1
    assert SentReminder.objects.filter(task_key=f"follow_up:{follow_up_in_a_week.pk}").count() == 1
    assert sum(counts) == SentReminder.objects.count()


def test_send_reminders_is_a_command_for_the_daily_job(smtp, follow_up_in_a_week, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", verbosity=0)
    assert len(reminders_to(smtp, "politikontakt.moss@politiet.demo.no")) == 1


def test_the_settings_page_takes_only_get_and_post_and_needs_a_login(client, client_for):
    url = reverse("notification_settings")
    assert client_for("moss_ordforer").put(url).status_code == 405
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/konto/login/")


def test_the_settings_page_costs_the_same_queries_whatever_is_chosen(
    client_for, personas, django_assert_max_num_queries
):
    client, person = client_for("moss_ordforer"), personas["moss_ordforer"].person
    client.get(reverse("notification_settings"))  # the first request of the day re-syncs the roles
    with django_assert_max_num_queries(SETTINGS_PAGE_QUERIES):
        assert "Varsler på e-post" in client.get(reverse("notification_settings")).text
    preferences_set(person=person, choices={kind: Delivery.DIGEST for kind in preferences_for(person)})
    with django_assert_max_num_queries(SETTINGS_PAGE_QUERIES):
        client.get(reverse("notification_settings"))


SETTINGS_PAGE_QUERIES = 5  # measured; the number of kinds chosen does not change it
