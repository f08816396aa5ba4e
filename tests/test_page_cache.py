"""A page is served again while nothing it read has changed, and only to the same browser (samarbeid.page_cache)."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Owner
from agreements.services import section_update
from samarbeid.models import TableVersion
from samarbeid.page_cache import tables_with_triggers, tracked_tables

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE = True


def detail(moss_agreement):
    return reverse("agreements:detail", args=[moss_agreement.pk])


def get_counted(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured)


def test_every_table_but_sessions_and_the_cache_counts_its_changes():
    assert tracked_tables() - tables_with_triggers() == set()
    assert "django_session" not in tracked_tables()
    assert {"agreements_agreement", "samarbeid_meeting", "guardian_groupobjectpermission"} <= tracked_tables()


def test_a_committed_change_counts_once_per_transaction(moss_agreement, personas):
    before = dict(TableVersion.objects.values_list("name", "version"))
    with transaction.atomic():  # inside the test's transaction: the deferred trigger runs at the end of this block
        section = moss_agreement.sections.filter(owner=Owner.KOMMUNE, is_local=False).first()
        section_update(section, local_text="<p>Ny tekst</p>", by=personas["moss_slt"])
    if connection.vendor == "postgresql":
        connection.check_constraints()  # SET CONSTRAINTS ALL IMMEDIATE: the deferred triggers fire now
    after = dict(TableVersion.objects.values_list("name", "version"))
    assert after[section._meta.db_table] > before.get(section._meta.db_table, 0)
    assert after[""] > before.get("", 0)


def test_a_repeated_request_is_served_without_running_the_view(client_for, moss_agreement):
    client = client_for("moss_slt")
    assert "csrftoken" in client.get(detail(moss_agreement)).cookies  # a first visit sets a cookie: not kept
    first, rendered = get_counted(client, detail(moss_agreement))
    again, served = get_counted(client, detail(moss_agreement))
    assert first.status_code == again.status_code == 200
    assert served < rendered and served <= 4  # session, user, and the one query that checks the versions
    assert strip_nonce(again.content) == strip_nonce(first.content)


def strip_nonce(content: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]+"', b'nonce=""', content)


def test_a_change_to_what_the_page_read_is_shown_on_the_next_request(client_for, moss_agreement, personas):
    client = client_for("moss_slt")
    client.get(detail(moss_agreement))  # the CSRF cookie
    assert "Helt ny kommunetekst" not in client.get(detail(moss_agreement)).content.decode()  # kept
    section = moss_agreement.sections.filter(owner=Owner.KOMMUNE, is_local=False).first()
    section_update(section, local_text="<p>Helt ny kommunetekst</p>", by=personas["moss_slt"])
    if connection.vendor == "postgresql":
        connection.check_constraints()  # the test's transaction never commits: fire the deferred triggers now
    assert "Helt ny kommunetekst" in client.get(detail(moss_agreement)).content.decode()


def test_a_kept_page_never_reaches_another_person(client_for, moss_agreement):
    assert client_for("moss_slt").get(detail(moss_agreement)).status_code == 200
    assert client_for("randaberg_slt").get(detail(moss_agreement)).status_code == 404
    other_party = client_for("moss_politikontakt")
    response = other_party.get(detail(moss_agreement))
    assert response.status_code == 200 and response.wsgi_request.user.email == "politikontakt.moss@politiet.demo.no"


def test_after_logout_the_kept_page_is_not_served(client_for, moss_agreement):
    client = client_for("moss_slt")
    assert client.get(detail(moss_agreement)).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get(detail(moss_agreement))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_each_response_has_its_own_nonce_and_the_page_carries_it(client_for, moss_agreement):
    client = client_for("moss_slt")
    nonces = []
    for _ in range(2):
        response = client.get(detail(moss_agreement))
        header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'nonce="{header}"'.encode() in response.content
        nonces.append(header)
    assert nonces[0] != nonces[1]


def test_a_page_with_a_message_to_show_is_neither_kept_nor_served_from_the_cache(client_for, moss_agreement):
    client = client_for("moss_slt")
    client.get(detail(moss_agreement))
    section = moss_agreement.sections.filter(owner=Owner.KOMMUNE, is_local=False).first()
    client.post(
        reverse("agreements:section_edit", args=[moss_agreement.pk, section.pk]),
        {"local_text": "Tekst", "version": section.version},
    )
    shown = client.get(detail(moss_agreement)).content.decode()
    again = client.get(detail(moss_agreement)).content.decode()
    assert "er lagret" in shown  # the message is shown once, by a page rendered for it
    assert "er lagret" not in again


def test_a_new_minute_renders_the_page_again(client_for, moss_agreement, monkeypatch):
    client = client_for("moss_slt")
    client.get(detail(moss_agreement))  # the CSRF cookie
    client.get(detail(moss_agreement))
    _, served = get_counted(client, detail(moss_agreement))

    later = timezone.now() + datetime.timedelta(minutes=1)
    monkeypatch.setattr("samarbeid.page_cache.timezone.now", lambda: later)
    _, rendered = get_counted(client, detail(moss_agreement))
    assert rendered > served


def test_a_restore_outdates_every_kept_page(client_for, moss_agreement, personas, settings, tmp_path):
    from samarbeid.backup import backup, restore

    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for("moss_slt")
    client.get(detail(moss_agreement))  # the CSRF cookie; the session goes into the archive with the table versions
    archive = backup(tmp_path / "kopi.tar.gz")
    section = moss_agreement.sections.filter(owner=Owner.KOMMUNE, is_local=False).first()
    section_update(section, local_text="<p>Etter sikkerhetskopien</p>", by=personas["moss_slt"])
    if connection.vendor == "postgresql":
        connection.check_constraints()
    client.get(detail(moss_agreement))
    assert "Etter sikkerhetskopien" in client.get(detail(moss_agreement)).content.decode()  # kept
    highest = max(TableVersion.objects.values_list("version", flat=True))
    restore(archive)  # the same session again, and the versions of before the edit
    if connection.vendor == "postgresql":
        connection.check_constraints()
    assert min(TableVersion.objects.values_list("version", flat=True)) > highest  # no kept page can match
    assert "Etter sikkerhetskopien" not in client.get(detail(moss_agreement)).content.decode()


def test_a_view_marked_never_kept_costs_the_cache_nothing(client_for, moss_agreement, monkeypatch):
    from samarbeid import page_cache

    client = client_for("moss_slt")
    client.get(detail(moss_agreement))
    client.get(detail(moss_agreement))
    _, served = get_counted(client, detail(moss_agreement))
    monkeypatch.setattr("agreements.views.agreement_detail.page_cache_exempt", True, raising=False)
    _, rendered = get_counted(client, detail(moss_agreement))
    assert rendered > served
    assert page_cache.never_kept(lambda request: None).page_cache_exempt


def test_a_first_visit_gets_its_own_csrf_cookie_and_not_another_visitors_page(client):
    first, second = client.get(reverse("account_login")), Client().get(reverse("account_login"))
    assert "csrftoken" in first.cookies and "csrftoken" in second.cookies  # each set by its own render
