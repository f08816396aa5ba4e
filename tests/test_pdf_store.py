"""PDFs are rendered by the worker once per content and served from the store (samarbeid/pdf_store.py).

Each reader's PDF is made from the HTML that reader may see, so readers share a stored file exactly when they
would read the same bytes; the download stays behind the view's access check; a stored PDF is served like a
static file (ETag, Last-Modified, 304) and never rendered twice; a PDF not yet rendered shows its progress."""

import pytest
from django.urls import reverse

import samarbeid.pdf_store
from agreements.models import Agreement, Owner
from agreements.services import section_add
from samarbeid import meetings
from samarbeid.models import RenderedPdf
from samarbeid.pdf_store import render_stored_pdf
from tests.pdfs import pdf_text
from tests.test_meeting_confidentiality import at, moss_politirad, radmann_of_moss
from tests.test_signing_views import make_agreement

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def renders(monkeypatch):
    """The HTML the worker has turned into PDFs, in order."""
    rendered = []
    real = samarbeid.pdf_store.html_to_pdf

    def counting(html):
        rendered.append(html)
        return real(html)

    monkeypatch.setattr(samarbeid.pdf_store, "html_to_pdf", counting)
    return rendered


@pytest.fixture
def worker_later(settings):
    """Tasks wait in a queue until the test runs them, as the database worker would."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def agreement(personas):
    return make_agreement(personas)


def agreement_url(agreement: Agreement) -> str:
    return reverse("agreements:pdf", args=[agreement.pk])


def test_two_readers_who_see_the_same_draft_share_one_rendering_and_a_second_download_renders_nothing(
    client_for, agreement, renders
):
    first = client_for("moss_politikontakt").get(agreement_url(agreement))
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    pdf = first.getvalue()
    assert "Samarbeidsavtale mellom Moss kommune" in pdf_text(pdf).replace("\n", " ")
    again = client_for("moss_politikontakt").get(agreement_url(agreement))
    other_reader = client_for("moss_slt").get(agreement_url(agreement))
    assert again.getvalue() == pdf and other_reader.getvalue() == pdf
    assert first["ETag"] == other_reader["ETag"] and len(renders) == 1
    assert RenderedPdf.objects.count() == 1


def test_a_stored_pdf_is_served_like_a_static_file_and_revalidated_with_304(client_for, agreement, renders):
    client = client_for("moss_politikontakt")
    first = client.get(agreement_url(agreement))
    assert first["Cache-Control"] == "private, no-cache" and first["Last-Modified"]
    assert first["ETag"] == f'"{RenderedPdf.objects.get().content_hash}"'
    assert first["Content-Disposition"] == f'inline; filename="samarbeidsavtale-{agreement.pk}-utkast.pdf"'
    not_modified = client.get(agreement_url(agreement), HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    since = client.get(agreement_url(agreement), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    assert client.get(agreement_url(agreement), HTTP_IF_NONE_MATCH='"noe annet"').status_code == 200
    assert len(renders) == 1


def test_knowing_the_etag_does_not_get_past_the_access_check(client_for, agreement):
    etag = client_for("moss_politikontakt").get(agreement_url(agreement))["ETag"]
    other_tenant = client_for("luster_slt")
    assert other_tenant.get(agreement_url(agreement), HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert other_tenant.get(agreement_url(agreement)).status_code == 404


def test_an_edit_gives_a_new_pdf_and_the_old_one_is_never_served_again(client_for, personas, agreement, renders):
    client = client_for("moss_politikontakt")
    before = client.get(agreement_url(agreement))
    section_add(
        agreement,
        heading="Nattravner",
        owner=Owner.FELLES,
        by=personas["moss_slt"],
        local_text="<p>Nattravnene går hver fredag.</p>",
    )
    after = client.get(agreement_url(agreement), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "Nattravnene går hver fredag." in pdf_text(after.getvalue())
    assert len(renders) == 2


def test_a_closed_meetings_member_and_a_non_member_get_their_own_innkalling_from_different_files(
    personas, client_for, renders
):
    from django.test import Client

    forum, member, _page = moss_politirad(personas)
    closed = meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), is_closed=True, by=personas["moss_slt"])
    item = closed.agenda_items.last()
    item.description = "Sakspapir QZHEMMELIG om en enkeltsak"
    item.save(update_fields=["description"])
    url = reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "innkalling"})
    readers = {}
    for name, user in {"member": member, "non_member": radmann_of_moss()}.items():
        client = Client()
        client.force_login(user)
        readers[name] = client.get(url)
    member_text, other_text = (pdf_text(readers[k].getvalue()) for k in ("member", "non_member"))
    assert "QZHEMMELIG" in member_text
    assert item.title in other_text and "QZHEMMELIG" not in other_text
    assert readers["member"]["ETag"] != readers["non_member"]["ETag"]
    assert RenderedPdf.objects.count() == 2 and len(renders) == 2
    assert not any("QZHEMMELIG" in html for html in renders[1:])


def test_a_pdf_not_yet_rendered_shows_progress_until_the_worker_has_made_it(
    client_for, agreement, worker_later, renders
):
    client = client_for("moss_politikontakt")
    page = client.get(agreement_url(agreement))
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "PDF-en lages nå" in page.text and "Last ned når den er klar" in page.text
    assert page["Refresh"] == "2" and page["Cache-Control"] == "no-store"  # without JavaScript: reloads itself
    poll = client.get(agreement_url(agreement), **HX)
    assert 'hx-trigger="every 2s"' in poll.text and "<html" not in poll.text
    assert renders == [] and RenderedPdf.objects.count() == 1  # ordered once, however often it is asked for

    render_stored_pdf.call(RenderedPdf.objects.get().content_hash)  # what the worker does

    ready = client.get(agreement_url(agreement), **HX)
    assert ready["HX-Redirect"] == agreement_url(agreement) and "Last ned PDF-en" in ready.text
    download = client.get(agreement_url(agreement))
    assert download["Content-Type"] == "application/pdf" and download.getvalue().startswith(b"%PDF")
    assert len(renders) == 1


def test_a_referat_is_logged_as_read_when_it_is_downloaded_not_while_its_progress_is_polled(personas, worker_later):
    from django.test import Client

    from samarbeid.models import MeetingRead

    forum, member, _page = moss_politirad(personas)
    closed = meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), is_closed=True, by=personas["moss_slt"])
    client = Client()
    client.force_login(member)
    url = reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "referat"})
    client.get(url)
    client.get(url, **HX)
    assert not MeetingRead.objects.filter(what=MeetingRead.What.REFERAT_PDF).exists()
    render_stored_pdf.call(RenderedPdf.objects.get().content_hash)
    assert client.get(url)["Content-Type"] == "application/pdf"
    assert MeetingRead.objects.filter(what=MeetingRead.What.REFERAT_PDF, user=member).count() == 1


def test_the_progress_page_is_in_nynorsk_for_a_nynorsk_reader(client_for, agreement, worker_later):
    client = client_for("moss_politikontakt")
    client.cookies["django_language"] = "nn"
    assert "PDF-en vert laga no" in client.get(agreement_url(agreement)).text


def test_serving_a_stored_pdf_takes_a_bounded_number_of_queries(client_for, agreement, django_assert_max_num_queries):
    client = client_for("moss_politikontakt")
    client.get(agreement_url(agreement))
    with django_assert_max_num_queries(22):
        assert client.get(agreement_url(agreement)).status_code == 200


def test_pruning_deletes_old_stored_pdfs_and_their_files_and_keeps_new_ones(db):
    import datetime

    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.utils import timezone

    def stored(content_hash: str, age_days: int) -> RenderedPdf:
        made = RenderedPdf(content_hash=content_hash, created_at=timezone.now() - datetime.timedelta(days=age_days))
        made.file.save(f"{content_hash}.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"), save=False)
        made.save()
        return made

    old, new = stored("a" * 64, 40), stored("b" * 64, 1)
    storage, old_name = old.file.storage, old.file.name
    call_command("prune_rendered_pdfs", "--days", "30", verbosity=0)
    assert list(RenderedPdf.objects.values_list("content_hash", flat=True)) == [new.content_hash]
    assert not storage.exists(old_name) and storage.exists(new.file.name)
