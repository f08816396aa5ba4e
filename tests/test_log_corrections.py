"""The politikontakt corrects or deletes their own log entries; the log keeps what each entry said before."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils.models import LogEntry, LogEntryChange
from councils.services import log_add, log_change
from samarbeid.append_only import LogIsAppendOnly
from samarbeid.models import Person, RoleAssignment, User
from samarbeid.roles import role_assign
from tests.test_councils_rules import moss_council, randaberg_council  # noqa: F401 (fixtures)

TODAY = timezone.localdate()


@pytest.fixture
def entry(moss_council, personas):
    return log_add(
        moss_council,
        kommune=moss_council.host_kommune,
        kind=LogEntry.Kind.OFFICE_HOURS,
        date=TODAY,
        duration_minutes=120,
        note="Kontortid på rådhuset",
        by=personas["moss_politikontakt"],
    )


def urls(entry):
    args = [entry.council_id, entry.pk]
    return reverse("councils:log_entry_edit", args=args), reverse("councils:log_entry_delete", args=args)


def fields(entry, **changes):
    data = {
        "kommune": entry.kommune_id,
        "kind": entry.kind,
        "date": entry.date.isoformat(),
        "duration_minutes": entry.duration_minutes,
        "note": entry.note,
        "version": entry.version,
    }
    return {**data, **changes}


def test_the_author_corrects_an_entry_and_the_log_shows_it_was_corrected_and_what_it_said(entry, client_for):
    author = client_for("moss_politikontakt")
    edit, _delete = urls(entry)
    log = reverse("councils:log", args=[entry.council_id])
    assert edit in author.get(log).text  # the author's own entries offer "Rett" and "Slett"
    response = author.post(edit, fields(entry, duration_minutes=90, note="Kontortid på biblioteket"), follow=True)
    assert "Føringen er rettet." in response.text and "Kontortid på biblioteket" in response.text
    entry.refresh_from_db()
    assert (entry.duration_minutes, entry.version, entry.updated_by.email) == (
        90,
        2,
        "politikontakt.moss@politiet.demo.no",
    )
    [change] = LogEntryChange.objects.all()
    assert change.action == LogEntryChange.Action.CHANGED and change.before["note"] == "Kontortid på rådhuset"
    assert "Endringer i loggen" in response.text and "«Kontortid på rådhuset»" in response.text


def test_the_author_deletes_an_entry_after_confirming_and_its_history_stays(entry, client_for, moss_council):
    author = client_for("moss_politikontakt")
    _edit, delete = urls(entry)
    confirm = author.get(delete).text
    assert "Slett føringen?" in confirm and "Kontortid på rådhuset" in confirm
    assert LogEntry.objects.filter(pk=entry.pk).exists()  # the confirmation page deletes nothing
    response = author.post(delete, {"version": entry.version}, follow=True)
    assert "Føringen er slettet." in response.text
    assert not LogEntry.objects.filter(pk=entry.pk).exists()
    [change] = moss_council.log_changes.all()
    assert change.action == LogEntryChange.Action.DELETED and change.entry is None
    assert change.before == {
        "kommune": "Moss kommune",
        "kind": "office_hours",
        "date": TODAY.isoformat(),
        "duration_minutes": 120,
        "note": "Kontortid på rådhuset",
    }
    assert "«Kontortid på rådhuset»" in response.text


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("moss_slt", 403),  # reads the log, but did not write the entry
        ("moss_leder", 403),
        ("stavanger_politikontakt", 404),  # another council's politikontakt may not know it exists
        ("randaberg_slt", 404),
    ],
)
def test_nobody_but_the_author_corrects_or_deletes(entry, client_for, persona, status):
    client = client_for(persona)
    for url in urls(entry):
        assert client.get(url).status_code == status
        assert client.post(url, fields(entry, note="Endret av en annen")).status_code == status
    entry.refresh_from_db()
    assert entry.note == "Kontortid på rådhuset" and not LogEntryChange.objects.exists()
    if status == 403:
        assert "Bare den som førte en loggføring, kan rette eller slette den." in client.get(urls(entry)[0]).text


def test_a_colleague_politikontakt_may_not_correct_anothers_entry(entry, client_for, personas):
    holder = RoleAssignment.objects.filter(person=personas["moss_politikontakt"].person).first()
    person = Person.objects.create(name="Kollega Politikontakt", email="kollega.politikontakt@politiet.demo.no")
    colleague = User.objects.create_user(person.email, "x", person=person)
    role_assign(person=person, party=holder.party, role=holder.role, starts_on=TODAY)
    client = Client()
    client.force_login(colleague)
    assert client.get(urls(entry)[0]).status_code == 403


def test_a_correction_is_checked_like_a_new_entry(entry, client_for, personas):
    author = client_for("moss_politikontakt")
    tomorrow = (TODAY + timezone.timedelta(days=1)).isoformat()
    response = author.post(urls(entry)[0], fields(entry, date=tomorrow, note="Ola Nordmann f. 01.02.2008"))
    assert response.status_code == 200 and "navn med fødselsdato" in response.text
    with pytest.raises(ValidationError, match="fram i tid"):
        log_change(
            entry,
            expected_version=entry.version,
            kommune=entry.kommune,
            kind=entry.kind,
            date=TODAY + timezone.timedelta(days=1),
            duration_minutes=30,
            by=personas["moss_politikontakt"],
        )
    entry.refresh_from_db()
    assert entry.note == "Kontortid på rådhuset" and not LogEntryChange.objects.exists()


def test_a_stale_deletion_is_refused_and_the_entry_stays(entry, client_for):
    author = client_for("moss_politikontakt")
    edit, delete = urls(entry)
    author.post(edit, fields(entry, note="Rettet i en annen fane"))
    response = author.post(delete, {"version": entry.version}, follow=True)  # the version the first tab saw
    assert "Føringen ble endret mens du leste" in response.text
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_history_cannot_be_changed_or_deleted(entry, personas):
    log_change(
        entry,
        expected_version=entry.version,
        kommune=entry.kommune,
        kind=entry.kind,
        date=TODAY,
        duration_minutes=30,
        note="Rettet",
        by=personas["moss_politikontakt"],
    )
    change = LogEntryChange.objects.get()
    with pytest.raises(LogIsAppendOnly):
        change.delete()
    with pytest.raises(LogIsAppendOnly):
        LogEntryChange.objects.update(before={})
    if transaction.get_connection().vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE councils_logentrychange SET before = '{}'")


def test_the_log_page_runs_the_same_number_of_queries_with_more_changes(entry, client_for, personas):
    author = client_for("moss_politikontakt")
    log = reverse("councils:log", args=[entry.council_id])
    author.get(log)
    with CaptureQueriesContext(connection) as few:
        author.get(log)
    for n in range(5):
        entry = log_change(
            entry,
            expected_version=entry.version,
            kommune=entry.kommune,
            kind=entry.kind,
            date=TODAY,
            duration_minutes=30 + n,
            note=f"Retting {n}",
            by=personas["moss_politikontakt"],
        )
    with CaptureQueriesContext(connection) as many:
        author.get(log)
    assert len(many) == len(few)
