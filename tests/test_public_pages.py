"""The public pages as a resident, a journalist or the kommune's archivist uses them: the kommune's page and its
address, its signed agreement (HTML and the sealed PDF), the politiråd with members and meetings, exempt items by
title and legal basis, publishing and withdrawing as recorded acts, the feeds, the search; who may exempt and
publish; query counts that do not grow with the data; bokmål and nynorsk."""

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.services import section_update
from councils.models import Council
from public_pages.pages import kommune_slug, kommune_url
from public_pages.search import fts5_query, search
from samarbeid import exemptions
from samarbeid import meetings as svc
from samarbeid.append_only import LogIsAppendOnly
from samarbeid.models import Kommune, LegalBasis, Meeting, MeetingExemption, Publication
from tests.pdfs import pdf_text
from tests.public_scene import PDF, PUBLISHED, at, public_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with public_world(django_db_blocker, tmp_path_factory.mktemp("public")) as built:
        yield built


@pytest.fixture
def scene(world, db):
    """The scene; what a test changes is rolled back after it."""
    return world


def page(url: str, client: Client | None = None, **kwargs) -> str:
    response = (client or Client()).get(url, follow=True, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


def test_kommune_address_is_number_and_name_and_a_wrong_name_redirects(db):
    baerum = Kommune.objects.get(number="3201")
    assert kommune_slug(baerum) == "baerum" and kommune_url(baerum) == "/kommune/3201-baerum/"
    client = Client()
    wrong = client.get("/kommune/3201-feil/")
    assert wrong.status_code == 301 and wrong["Location"] == "/kommune/3201-baerum/"
    assert client.get("/kommune/3201/")["Location"] == "/kommune/3201-baerum/"
    assert client.get("/kommune/9999-ingen/").status_code == 404
    assert "<h1" in page("/kommune/0301-oslo/")


def test_landing_page_finds_every_kommune_by_name_or_number_with_and_without_javascript(db):
    home = page("/")
    assert 'action="/kommune/"' in home and 'hx-get="/kommune/"' in home
    assert "357 kommuner" in page("/kommune/")
    listing = page("/kommune/?q=bær")
    assert "Bærum" in listing and "Moss" not in listing
    live = Client().get("/kommune/", {"q": "3103"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Moss" in live and "<html" not in live
    assert "Ingen kommuner passer" in page("/kommune/?q=xyzzy")


def test_kommune_page_shows_agreement_council_members_meetings_plan_and_police(scene):
    text = page("/kommune/3103-moss/")
    signed = scene["signed"]
    assert reverse("public:agreement", args=[signed.pk]) in text
    assert reverse("public:agreement_pdf", args=[signed.pk]) in text
    assert "Politirådet i Moss" in text and "Ordfører" in text or "Leder" in text
    assert "Hege Tollefsen" in text  # the ordfører leads: an office holder by name and role
    assert "@" not in text.split("<main", 1)[1]  # no e-mail address of anyone
    assert "Lukket møte (unntatt offentlighet)" in text  # the closed meeting by its date only
    assert scene["upcoming"].theme in text
    assert scene["public_plan"].title in text and "02800" in text and "112" in text


def test_signed_agreement_reads_as_html_and_its_sealed_pdf_downloads_for_anyone(scene):
    signed = scene["signed"]
    text = page(reverse("public:agreement", args=[signed.pk]))
    assert "Politikontakten har kontortid på rådhuset" in text
    assert "Bekymringsmelding fra skolen – " in text and "Unntatt offentlighet, offl. § 13 jf. fvl. § 13" in text
    assert "Hege Tollefsen" in text and reverse("agreements:verify") in text
    pdf = Client().get(reverse("public:agreement_pdf", args=[signed.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_draft_agreement_is_not_public(scene):
    draft = Kommune.objects.get(number="1127").agreements.filter(status="utkast").first()
    assert Client().get(reverse("public:agreement", args=[draft.pk])).status_code == 404
    assert Client().get(reverse("public:agreement_pdf", args=[draft.pk])).status_code == 404


def test_published_minutes_show_exempt_items_by_title_and_legal_basis_only(scene):
    published, item = scene["published"], scene["exempt_item"]
    text = page(reverse("public:meeting", args=[published.pk]))
    assert PUBLISHED in text
    assert item.title in text and "Unntatt offentlighet, offl. § 13 jf. fvl. § 13" in text
    assert "Bekymring – " in text and "offl. § 24" in text  # the exempt attachment: title and basis
    pdf = Client().get(reverse("public:meeting_pdf", args=[published.pk]))
    assert pdf.status_code == 200
    printed = " ".join(pdf_text(pdf.getvalue()).split())
    assert printed.startswith("Referat") and f"Åpent referat {PUBLISHED}" in printed  # the minutes themselves
    assert item.title in printed and "Unntatt offentlighet, offl. § 13 jf. fvl. § 13" in printed
    assert f"Sakspapir til {item.title}" not in printed and f"Referat fra {item.title}" not in printed
    exempt_minutes = page(reverse("public:meeting", args=[scene["minutes_exempt"].pk]))
    assert "Referatet er unntatt offentlighet (offl. § 14)." in exempt_minutes


def test_a_closed_meeting_shows_its_date_and_that_it_is_closed(scene):
    text = page(reverse("public:meeting", args=[scene["closed"].pk]))
    assert "Møtet er lukket." in text and 'id="referat"' not in text
    assert Client().get(reverse("public:meeting_pdf", args=[scene["closed"].pk])).status_code == 404


def test_members_of_the_forum_still_read_an_exempt_item_in_the_app(scene, client_for):
    item = Meeting.objects.get(pk=scene["published"].pk).agenda_items.get(pk=scene["exempt_item"].pk)
    member = client_for("moss_slt").get(reverse("meetings:detail", args=[item.meeting_id])).content.decode()
    assert item.minutes in member


def test_withdrawing_minutes_is_recorded_and_takes_them_off_the_public_pages(scene, personas):
    meeting = Meeting.objects.get(pk=scene["published"].pk)
    url = reverse("public:meeting", args=[meeting.pk])
    assert PUBLISHED in page(url)
    with pytest.raises(ValidationError):
        exemptions.meeting_withdraw(meeting, reason="", by=personas["moss_slt"])
    exemptions.meeting_withdraw(meeting, reason="Feil sak", by=personas["moss_slt"])
    assert PUBLISHED not in page(url)
    exemptions.meeting_publish(Meeting.objects.get(pk=meeting.pk), by=personas["moss_slt"])
    assert PUBLISHED in page(url)
    history = [(p.published, p.reason, p.by) for p in exemptions.publication_history(meeting)]
    assert history == [
        (True, "", personas["moss_slt"]),
        (False, "Feil sak", personas["moss_slt"]),
        (True, "", personas["moss_slt"]),
    ]


def test_publishing_and_exemption_records_only_grow(scene):
    with pytest.raises(LogIsAppendOnly):
        Publication.objects.first().delete()
    with pytest.raises(LogIsAppendOnly):
        MeetingExemption.objects.update(legal_basis=LegalBasis.OFFL_15)
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM samarbeid_meetingexemption")


def test_the_secretary_exempts_an_item_and_lifts_it_on_the_publicity_page(scene, client_for):
    meeting = Meeting.objects.get(pk=scene["published"].pk)
    item = meeting.agenda_items.order_by("position").first()
    client = client_for("moss_slt")
    url = reverse("publishing:meeting", args=[meeting.pk])
    assert "Unnta offentlighet" in page(url, client)
    client.post(url, {"action": "exempt", "part": f"item:{item.pk}", "legal_basis": LegalBasis.OFFL_15})
    public = page(reverse("public:meeting", args=[meeting.pk]))
    assert PUBLISHED not in public and "Unntatt offentlighet, offl. § 15" in public
    client.post(url, {"action": "lift", "part": f"item:{item.pk}"})
    assert PUBLISHED in page(reverse("public:meeting", args=[meeting.pk]))
    assert "Unntaket opphevet" in page(url, client)


def test_an_exemption_of_an_unknown_part_is_refused_on_the_form_with_the_reason(scene, client_for):
    meeting = scene["published"]
    url = reverse("publishing:meeting", args=[meeting.pk])
    before = MeetingExemption.objects.filter(meeting=meeting).count()
    response = client_for("moss_slt").post(url, {"action": "exempt", "part": "item:999999", "legal_basis": "x"})
    body = response.content.decode()
    assert response.status_code == 200 and body.count("Velg et gyldig valg") == 2  # the part and the basis
    assert MeetingExemption.objects.filter(meeting=meeting).count() == before


def test_exempting_needs_a_legal_basis_from_the_list(scene, personas):
    with pytest.raises(ValidationError):
        exemptions.meeting_exemption_set(
            scene["published"], exempt=True, legal_basis="offl. § 99", by=personas["moss_slt"]
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("moss_slt", 200), ("moss_ordforer", 200), ("randaberg_slt", 403), ("luster_slt", 403), (None, 302)],
)
def test_only_who_manages_the_meeting_opens_its_publicity_page(scene, client_for, persona, status):
    client = client_for(persona) if persona else Client()
    url = reverse("publishing:meeting", args=[scene["published"].pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"action": "withdraw", "reason": "x"})
    assert response.status_code == (302 if status == 200 else status)
    assert exemptions.is_published(scene["published"]) == (status != 200)


@pytest.mark.parametrize(("persona", "status"), [("moss_slt", 200), ("randaberg_slt", 404), (None, 302)])
def test_only_the_agreements_editors_exempt_its_attachments(scene, client_for, persona, status):
    client = client_for(persona) if persona else Client()
    signed = scene["signed"]
    assert client.get(reverse("publishing:agreement", args=[signed.pk])).status_code == status


@pytest.mark.parametrize(("persona", "status"), [("moss_slt", 200), ("randaberg_slt", 404), (None, 302)])
def test_only_the_plans_editors_publish_it(scene, client_for, persona, status):
    client = client_for(persona) if persona else Client()
    plan = scene["hidden_plan"]
    url = reverse("publishing:plan", args=[plan.pk])
    assert client.get(url).status_code == status
    client.post(url, {"action": "publish"})
    assert exemptions.is_published(plan) == (status == 200)


def test_the_publicity_pages_answer_405_to_other_methods(scene, client_for):
    for name, pk in [("publishing:meeting", scene["published"].pk), ("publishing:plan", scene["hidden_plan"].pk)]:
        assert client_for("moss_slt").put(reverse(name, args=[pk])).status_code == 405


def test_feeds_carry_published_minutes_and_signed_agreements(scene):
    rss = page("/kommune/3103-moss/rss/")
    assert "Referat: Politirådet i Moss" in rss and "Signert: Samarbeidsavtale mellom Moss" in rss
    assert f"/offentlig/moter/{scene['withdrawn'].pk}/" not in rss  # withdrawn
    council = Council.objects.get(forum__name="Politirådet i Moss")
    atom = page(reverse("public:council_atom", args=[council.pk]))
    assert "<feed" in atom and "Referat: Politirådet i Moss" in atom
    calendar = icalendar.Calendar.from_ical(Client().get("/kommune/3103-moss/moter.ics").content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert "Politirådet i Moss: Vold i nære relasjoner" in summaries
    assert not [s for s in summaries if "Enkeltsak" in s]  # the closed meeting is not in a public calendar


def test_search_finds_public_content_with_a_snippet_and_pages(scene):
    results = search(PUBLISHED.lower())
    assert [r.url for r in results] == [reverse("public:meeting", args=[scene["published"].pk])]
    assert "<mark>" in results[0].snippet
    text = page(reverse("public:search") + "?q=referat")
    assert "treff" in text
    assert "Ingen treff for «zzqqxx»" in page(reverse("public:search") + "?q=zzqqxx")
    assert "Side 1 av" in page(reverse("public:search") + "?q=sak") or len(search("sak")) <= 10


def test_a_logged_in_user_also_finds_what_they_may_read(scene, personas):
    draft_text = "Hemmelig utkasttekst for Randaberg"
    draft = Kommune.objects.get(number="1127").agreements.filter(status="utkast").first()
    section = draft.sections.first()
    section_update(section, local_text=f"<p>{draft_text}</p>", by=personas["randaberg_slt"])
    assert search("utkasttekst", user=personas["randaberg_slt"])
    assert not search("utkasttekst", user=personas["moss_slt"]) and not search("utkasttekst")


def test_fts5_query_reads_words_as_prefixes_and_or_as_alternatives():
    assert fts5_query("Vold i nære") == '("Vold"* "i"* "nære"*)'
    assert fts5_query("rus or vold") == '("rus"*) OR ("vold"*)'
    assert fts5_query('"; DROP') == '("DROP"*)'


def test_district_page_lists_its_kommuner_with_the_oversight_figures(scene):
    text = page("/politidistrikt/")
    assert "Øst politidistrikt" in text
    district = Kommune.objects.get(number="3103").district
    text = page(reverse("public:district", args=[district.code]))
    assert (
        "kommuner har en signert, gjeldende samarbeidsavtale" in text
        and kommune_url(Kommune.objects.get(number="3103")) in text
    )


def test_pages_in_nynorsk(scene):
    client = Client(headers={"accept-language": "nn"})
    assert "Samarbeidsavtalen med politiet" in page("/kommune/4644-luster/", client)
    assert "Komande møte" in page("/kommune/4644-luster/", client)
    assert "Søk i offentlege avtalar, referat og handlingsplanar" in page("/sok/", client)
    assert "Finn kommunen din" in page("/", client) and "Opne møte" in page("/kommune/3103-moss/", client)


def _queries(url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url, follow=True).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_data(scene, personas):
    council = Council.objects.get(forum__name="Politirådet i Moss")
    urls = [
        "/kommune/3103-moss/",
        reverse("public:council", args=[council.pk]),
        "/kommune/3103-moss/rss/",
        "/kommune/3103-moss/moter.ics",
        "/sok/?q=referat",
        "/kommune/?q=m",
        reverse("public:meeting", args=[scene["published"].pk]),
    ]
    before = {url: _queries(url) for url in urls}
    secretary = personas["moss_slt"]
    for days in (-20, -15, -10):
        meeting = svc.meeting_plan(council.forum, starts_at=at(days), ends_at=at(days, 12), theme="Mer", by=secretary)
        svc.meeting_attach(meeting, upload=ContentFile(PDF, name="x.pdf"), title="X", by=secretary)
        svc.meeting_approve_minutes(svc.meeting_mark_held(meeting, by=secretary), by=secretary)
        item = meeting.agenda_items.first()
        exemptions.meeting_exemption_set(meeting, exempt=True, agenda_item=item, legal_basis="offl_14", by=secretary)
    for days in (30, 40):
        svc.meeting_plan(council.forum, starts_at=at(days), ends_at=at(days, 12), theme="Senere", by=secretary)
    after = {url: _queries(url) for url in urls}
    assert after == before
    assert max(after.values()) < 60
