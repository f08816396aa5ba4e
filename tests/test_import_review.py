"""Importing an agreement: the file is read by the task worker, its uploader reviews what was found (sections,
parties, period, the earlier signing), and only then is a draft made — with the original file attached, the
earlier signing in its history, and the template's missing sections offered, never forced."""

import datetime
import io
import zipfile
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agreements.access import import_reviews_visible_to
from agreements.models import Agreement, AgreementSection, ImportReview, Owner, SectionRevision
from agreements.services import agreement_create, section_update
from agreements.signing import agreement_send_for_signature, writer_prompts
from samarbeid.models import Kommune, PartyInvitation, PoliceUnit, Politidistrikt
from tests.test_concurrency import values

SEEDS = Path(settings.BASE_DIR) / "referencedata" / "seeds"
MOSS = SEEDS / "moss-ost-2018.txt"
LUSTER = SEEDS / "luster-vest-2019-nynorsk.txt"
IMPORT_URL = reverse("agreements:import")
QUEUE_URL = reverse("agreements:import_queue")
BULK_URL = reverse("agreements:import_bulk")

SMALL = """Samarbeidsavtale mellom Moss kommune og Moss politistasjonsdistrikt

Avtaleperiode: 2020–2023

Innledning

Avtalen gjelder samarbeidet om forebygging.

Politikontakten

Politikontakten er til stede på rådhuset hver tirsdag.

Politikontakten deltar i politirådet.

Lokale mål

Færre unge som begår lovbrudd.

Moss 11.02.2020

Hege Tollefsen
Ordfører i Moss

Jon Kasper Hammer
Tjenesteenhetsleder Moss politistasjonsdistrikt
"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, name: str, content: bytes):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})


def review_url(review) -> str:
    return reverse("agreements:import_review", args=[review.pk])


def page_form(html: str, action: str):
    (form,) = [f for f in lxml.html.fromstring(html).forms if f.get("action") == action]
    return form


def post_review(client, review, action: str = "apply", **changes):
    """Post the review form as the browser would send it after the user changed `changes`."""
    page = client.get(review_url(review))
    data = values(page_form(page.content.decode(), review_url(review)))
    for name, value in changes.items():
        name = name.replace("__", "-")
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [str(value)]
    data["action"] = [action]
    return client.post(review_url(review), data)


def shown(response) -> str:
    return " ".join(lxml.html.fromstring(response.content.decode()).text_content().split())


def facts(response) -> dict[str, str]:
    """What the review says it found (the summary's terms and their descriptions)."""
    tree = lxml.html.fromstring(response.content.decode())
    return {dt.text_content().strip(): dt.getnext().text_content().strip() for dt in tree.xpath("//dl/dt")}


def headings_on(response) -> list[str]:
    tree = lxml.html.fromstring(response.content.decode())
    return [
        i.get("value") for i in tree.xpath("//input[contains(@name, '-heading') and not(contains(@name, 'split'))]")
    ]


# --- Access -----------------------------------------------------------------------------------------------------


def test_the_import_pages_need_a_login_and_a_role_in_some_party(client, personas, django_user_model):
    review = ImportReview.objects.create(
        owner_party=Kommune.objects.get(number="3103"), uploaded_by=personas["moss_slt"], original_name="a.txt"
    )
    for url in (IMPORT_URL, QUEUE_URL, BULK_URL, review_url(review)):
        assert client.get(url).status_code == 302, url
    client.force_login(django_user_model.objects.create_user("uten.rolle@example.no", "x"))
    for url in (IMPORT_URL, QUEUE_URL, BULK_URL):
        assert client.get(url).status_code == 403, url
    assert client.get(review_url(review)).status_code == 404
    assert upload(client, "moss.txt", MOSS.read_bytes()).status_code == 403
    assert ImportReview.objects.count() == 1 and not Agreement.objects.exists()


def test_a_pending_import_is_its_uploaders_alone(client_for, personas):
    assert upload(client_for("moss_slt"), "moss.txt", MOSS.read_bytes()).status_code == 302
    review = ImportReview.objects.get()
    assert review.owner_party.name == "Moss kommune" and review.uploaded_by == personas["moss_slt"]
    for other in ("moss_ordforer", "randaberg_slt", "moss_politikontakt"):  # a colleague, another tenant, the police
        client = client_for(other)
        assert client.get(review_url(review)).status_code == 404, other
        assert client.post(review_url(review), {"action": "confirm"}).status_code == 404, other
        assert list(import_reviews_visible_to(personas[other])) == []
        assert "moss.txt" not in client.get(QUEUE_URL).content.decode()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("url", [IMPORT_URL, QUEUE_URL, BULK_URL, "review"])
def test_the_import_pages_answer_other_methods_with_405(client_for, url):
    client = client_for("moss_slt")
    if url == "review":
        upload(client, "moss.txt", SMALL.encode())
        url = review_url(ImportReview.objects.get())
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405
    if url == QUEUE_URL:
        assert client.post(url).status_code == 405


# --- Upload, reading, review ------------------------------------------------------------------------------------


def test_an_upload_is_read_and_shown_for_review_before_any_draft_exists(client_for):
    client = client_for("moss_slt")
    page = client.get(IMPORT_URL)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = upload(client, "moss-ost-2018.txt", MOSS.read_bytes())
    review = ImportReview.objects.get()
    assert response.status_code == 302 and response["Location"] == review_url(review)
    assert review.status == ImportReview.Status.READY  # the task ran (at once in tests)
    assert not Agreement.objects.exists()

    page = client.get(review_url(review))
    text = shown(page)
    assert "Dette fant vi i moss-ost-2018.txt" in text
    assert facts(page)["Signert"] == "11.09.2018" and facts(page)["Målform"] == "Bokmål"
    assert headings_on(page)[:3] == ["Innledende tekst", "Innledning /formål", "Politikontakten"]
    form = page_form(page.content.decode(), review_url(review))
    police = form.inputs["police_party"]
    assert police.value_options and PoliceUnit.objects.get(pk=police.value).name == "Moss politistasjonsdistrikt"
    assert Kommune.objects.get(number="3103").pk in {int(v) for v in form.inputs["kommuner"].value}
    assert (
        "Malen har også" in text and "Tjenestetilbud — legg til?" in text and "Kontaktinformasjon — legg til?" in text
    )


def test_confirming_makes_the_draft_with_the_original_file_and_the_earlier_signing(client_for, personas):
    client = client_for("moss_slt")
    upload(client, "moss-ost-2018.txt", MOSS.read_bytes())
    review = ImportReview.objects.get()
    response = post_review(client, review, "confirm")
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/avtaler/{agreement.pk}/"
    review.refresh_from_db()
    assert (review.status, review.agreement) == (ImportReview.Status.DONE, agreement)

    detail = client.get(response["Location"])
    assert "Den opprinnelige filen ligger ved som vedlegg" in shown(detail)
    attachment = agreement.attachments.get()
    assert attachment.original_name == "moss-ost-2018.txt" and attachment.title == "Opprinnelig avtale (importert fil)"
    download = client.get(reverse("agreements:attachment", args=[agreement.pk, attachment.pk]))
    assert b"".join(download.streaming_content) == MOSS.read_bytes()

    changelog = shown(client.get(reverse("agreements:changelog", args=[agreement.pk])))
    assert "Importert fra moss-ost-2018.txt" in changelog
    assert "Erstatter avtale signert 11.09.2018" in changelog
    history = agreement.revisions.get(action=SectionRevision.Action.IMPORTED)
    assert history.created_by == personas["moss_slt"]
    # No template section was forced in: only the document's own sections (and the text before the first heading).
    assert not agreement.sections.filter(heading__in=["Tjenestetilbud", "Kontaktinformasjon"]).exists()
    assert client.get(review_url(review)).status_code == 200  # the finished import says so and links to the draft
    assert f"/avtaler/{agreement.pk}/" in client.get(review_url(review)).content.decode()


def test_the_reviewer_renames_reorders_merges_splits_and_chooses_owners(client_for):
    client = client_for("moss_slt")
    upload(client, "avtale.txt", SMALL.encode())
    review = ImportReview.objects.get()
    page = client.get(review_url(review))
    # The text before the first heading is a section of its own: nothing is lost.
    assert headings_on(page) == ["Innledende tekst", "Innledning", "Politikontakten", "Lokale mål"]
    assert "Del opp før tekstblokk" in shown(page)  # Politikontakten has two paragraphs

    response = post_review(
        client,
        review,
        s1__heading="Formål",
        s2__owner=Owner.POLICE,
        s2__split="2",
        s2__split_heading="Politirådet",
        s3__order="1",
    )
    assert response.status_code == 302 and response["Location"] == review_url(review)
    page = client.get(review_url(review))
    assert "Endringene er tatt med" in shown(page)
    assert headings_on(page) == ["Lokale mål", "Innledende tekst", "Formål", "Politikontakten", "Politirådet"]
    form = page_form(page.content.decode(), review_url(review))
    assert form.inputs["s3-owner"].value == Owner.POLICE and form.inputs["s4-owner"].value == Owner.POLICE

    post_review(client, review, s1__order="3", s2__order="2")  # the period note after "Formål"
    post_review(client, review, s2__merge="on")  # ... and into it
    page = client.get(review_url(review))
    assert headings_on(page) == ["Lokale mål", "Formål", "Politikontakten", "Politirådet"]
    merged = shown(page)
    assert "Avtaleperiode: 2020–2023" in merged and "Avtalen gjelder samarbeidet om forebygging." in merged

    post_review(client, review, "confirm")
    agreement = Agreement.objects.get()
    sections = list(agreement.sections.order_by("order"))
    assert [(s.heading, s.owner) for s in sections] == [
        ("Lokale mål", Owner.FELLES),
        ("Formål", Owner.FELLES),
        ("Politikontakten", Owner.POLICE),
        ("Politirådet", Owner.POLICE),
    ]
    assert "Avtalen gjelder samarbeidet om forebygging." in sections[1].local_text
    assert "Avtaleperiode: 2020–2023" in sections[1].local_text
    assert sections[2].local_text == "<p>Politikontakten er til stede på rådhuset hver tirsdag.</p>"
    assert sections[3].local_text == "<p>Politikontakten deltar i politirådet.</p>"
    assert (agreement.period_start, agreement.period_end) == (datetime.date(2020, 1, 1), datetime.date(2023, 12, 31))


def test_bad_input_is_refused_in_norwegian_and_the_users_edits_stay_on_the_page(client_for):
    client = client_for("moss_slt")
    upload(client, "avtale.txt", SMALL.encode())
    review = ImportReview.objects.get()
    response = post_review(client, review, "confirm", kommuner=None, s0__heading="Mitt nye navn", s2__split="2")
    assert response.status_code == 200 and not Agreement.objects.exists()
    text = shown(response)
    assert "Velg minst én kommune." in text and "Skriv en overskrift for den nye delen." in text
    assert "Endringene dine er tatt vare på" in text
    assert headings_on(response)[0] == "Mitt nye navn"  # what the user typed is still there
    response = post_review(client, review, "apply", s0__heading="", period_start="2024-01-01", period_end="2020-01-01")
    assert "Skriv en overskrift." in shown(response) and "Sluttdatoen kan ikke være før startdatoen." in shown(response)


def test_files_that_cannot_be_read_are_refused_in_norwegian(client_for):
    client = client_for("moss_slt")
    cases = [
        ("avtale.exe", b"MZ", "Filen må være en .txt, .docx, .odt eller .pdf-fil."),
        ("avtale.pdf", b"ikke en pdf", "Filen er ikke en PDF-fil."),
        ("avtale.docx", b"ikke et dokument", "ikke et Word-dokument"),
        ("avtale.txt", b"tekst\x00med nullbyte", "ikke en tekstfil"),
        ("avtale.txt", b"x" * (2 * 1024 * 1024 + 1), "for stor"),
    ]
    for name, content, error in cases:
        response = upload(client, name, content)
        assert response.status_code == 200 and error in shown(response), name
    assert not ImportReview.objects.exists()


def test_a_file_the_reader_fails_on_is_marked_and_can_be_discarded(client_for):
    client = client_for("moss_slt")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>ikke xml")
    upload(client, "avtale.docx", broken.getvalue())
    review = ImportReview.objects.get()
    assert review.status == ImportReview.Status.FAILED
    page = client.get(review_url(review))
    assert "Filen kunne ikke leses." in shown(page) and "Velg en annen fil" in shown(page)
    response = client.post(review_url(review), {"action": "discard"})
    assert response.status_code == 302 and not ImportReview.objects.exists()
    assert "Importen av avtale.docx er forkastet." in shown(client.get(response["Location"]))


def test_a_file_still_being_read_shows_progress_and_refreshes_when_read(client_for, personas):
    client = client_for("moss_slt")
    review = ImportReview.objects.create(
        owner_party=Kommune.objects.get(number="3103"),
        uploaded_by=personas["moss_slt"],
        original_name="a.txt",
        file=ContentFile(SMALL.encode(), name="a.txt"),
    )
    page = client.get(review_url(review)).content.decode()
    assert "Filen leses nå" in page and 'hx-trigger="every 2s"' in page
    partial = client.get(review_url(review), headers={"HX-Request": "true"})
    assert "Filen leses nå" in partial.content.decode() and "<html" not in partial.content.decode()
    from agreements.importing.found import import_review_read

    import_review_read(review.pk)
    refreshed = client.get(review_url(review), headers={"HX-Request": "true"})
    assert refreshed.status_code == 204 and refreshed["HX-Refresh"] == "true"


# --- Parties ------------------------------------------------------------------------------------------------------


def test_a_police_unit_missing_from_the_register_is_offered_under_its_district(client_for):
    client = client_for("moss_slt")
    text = SMALL.replace("og Moss politistasjonsdistrikt", "og Follo politistasjonsdistrikt").replace(
        "Tjenesteenhetsleder Moss politistasjonsdistrikt", "Stasjonssjef Follo politistasjonsdistrikt"
    )
    upload(client, "avtale.txt", text.encode())
    review = ImportReview.objects.get()
    page = client.get(review_url(review))
    assert "Opprett «Follo politistasjonsdistrikt» under Øst politidistrikt" in shown(page)
    response = post_review(client, review, "confirm", police_party="")
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    unit = PoliceUnit.objects.get(name="Follo politistasjonsdistrikt")
    assert unit.district == Politidistrikt.objects.get(short_name="Øst") and agreement.police_party_id == unit.pk


def test_kommuner_of_another_district_are_refused(client_for):
    client = client_for("moss_slt")
    upload(client, "avtale.txt", SMALL.encode())
    review = ImportReview.objects.get()
    foreign = Kommune.objects.get(number="1127")
    response = post_review(client, review, "confirm", kommuner=[str(foreign.pk)])
    assert response.status_code == 200 and not Agreement.objects.exists()
    assert "Velg et gyldig valg" in shown(response) or "politidistriktet til politiparten" in shown(response)


def test_the_earlier_agreement_in_the_register_is_found_and_replaced(client_for, personas):
    moss, unit = Kommune.objects.get(number="3103"), PoliceUnit.objects.get(name="Moss politistasjonsdistrikt")
    old = agreement_create(
        police_party=unit,
        kommuner=[moss],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2023, 12, 31),
    )
    Agreement.objects.filter(pk=old.pk).update(status=Agreement.Status.SIGNED)
    client = client_for("moss_slt")
    upload(client, "avtale.txt", SMALL.encode())
    review = ImportReview.objects.get()
    form = page_form(client.get(review_url(review)).content.decode(), review_url(review))
    assert form.inputs["replaces"].value == str(old.pk)  # same parties, same period
    post_review(client, review, "confirm")
    draft = Agreement.objects.exclude(pk=old.pk).get()
    assert draft.replaces == old
    assert "Erstatter avtale signert 11.02.2020 av Hege Tollefsen" in shown(
        client.get(reverse("agreements:changelog", args=[draft.pk]))
    )


# --- Template suggestions and the writer's prompt --------------------------------------------------------------------


def test_template_sections_the_text_lacks_are_suggested_and_removable_by_their_owner(client_for, personas):
    client = client_for("moss_slt")
    upload(client, "avtale.txt", SMALL.encode())
    review = ImportReview.objects.get()
    page = client.get(review_url(review))
    form = page_form(page.content.decode(), review_url(review))
    options = {box.get("value"): box.label.text_content().strip() for box in form.inputs["suggestions"]}
    tjenestetilbud = next(value for value, label in options.items() if label.startswith("Tjenestetilbud"))
    spesielle = next(value for value, label in options.items() if label.startswith("Spesielle fokusområder"))
    post_review(client, review, suggestions=[tjenestetilbud, spesielle])
    page = client.get(review_url(review))
    assert "Tjenestetilbud" in headings_on(page) and "Forslag fra malen" in shown(page)
    assert "Tjenestetilbud — legg til?" not in shown(page)  # offered once; now a section of the review
    post_review(client, review, "confirm")

    agreement = Agreement.objects.get()
    suggested = agreement.sections.get(heading="Tjenestetilbud")
    assert suggested.suggested and suggested.is_local and suggested.standard_text.startswith("<p>")
    assert "Forslag fra malen" in shown(client.get(reverse("agreements:detail", args=[agreement.pk])))
    # Its owner removes it; nobody else can.
    focus = agreement.sections.get(heading="Spesielle fokusområder")
    assert focus.owner == Owner.KOMMUNE
    delete = reverse("agreements:section_delete", args=[agreement.pk, focus.pk])
    assert client_for("moss_politikontakt").post(delete).status_code == 403
    assert client.post(delete).status_code == 302
    assert not AgreementSection.objects.filter(pk=focus.pk).exists()


def test_a_writers_prompt_never_reaches_a_signed_text(personas):
    moss, unit = Kommune.objects.get(number="3103"), PoliceUnit.objects.get(name="Moss politistasjonsdistrikt")
    agreement = agreement_create(police_party=unit, kommuner=[moss], created_by=personas["moss_slt"])
    focus = agreement.sections.get(heading="Spesielle fokusområder")
    assert "Hva er kommunens egne behov?" in focus.guidance and "?" not in focus.standard_text  # a prompt, not a box
    section_update(focus, local_text="<p>Hva er kommunens egne behov.</p><p>Rus og vold.</p>", by=personas["moss_slt"])
    assert writer_prompts(agreement) == [("Spesielle fokusområder", "Hva er kommunens egne behov?")]
    with pytest.raises(ValidationError, match="«Spesielle fokusområder» har fortsatt skrivehjelp fra malen"):
        agreement_send_for_signature(agreement, by=personas["moss_slt"])
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT
    # A question left in a box (an older template's "tekst i ramme") is refused too.
    box = agreement.sections.get(heading="Administrative forhold")
    AgreementSection.objects.filter(pk=box.pk).update(standard_text="<p>Hvem fører referatet?</p>")
    assert ("Administrative forhold", "Hvem fører referatet?") in writer_prompts(agreement)

    section_update(focus, local_text="<p>Rus og vold i nære relasjoner.</p>", by=personas["moss_slt"])
    AgreementSection.objects.filter(pk=box.pk).update(standard_text="<p>Referatet føres av sekretæren.</p>")
    assert writer_prompts(agreement) == []
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SENT


def test_the_signing_page_tells_of_a_prompt_left_in_an_imported_text(client_for):
    client = client_for("moss_slt")
    upload(client, "moss-ost-2018.txt", MOSS.read_bytes())  # its "Spesielle fokusområder" kept the prompt in 2018
    post_review(client, ImportReview.objects.get(), "confirm")
    agreement = Agreement.objects.get()
    response = client.post(reverse("agreements:send_for_signature", args=[agreement.pk]), follow=True)
    assert "har fortsatt skrivehjelp fra malen" in shown(response)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


# --- Bulk import for a district -----------------------------------------------------------------------------------


def _zip(**files: bytes) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, content in files.items():
            archive.writestr(name.replace("_", "-") + ".txt", content)
    return data.getvalue()


def test_a_district_admin_uploads_many_agreements_and_works_through_the_queue(client_for, personas):
    assert client_for("luster_slt").get(BULK_URL).status_code == 403  # a kommune's editor is no district admin
    client = client_for("vest_malansvarlig")
    assert client.get(BULK_URL).status_code == 200
    luster = LUSTER.read_bytes()
    other = SMALL.replace("Moss", "Luster").replace("politistasjonsdistrikt", "lensmannsdistrikt").encode()
    response = client.post(
        BULK_URL,
        {
            "files": [
                SimpleUploadedFile("avtaler.zip", _zip(luster_2019=luster, luster_kort=other)),
                SimpleUploadedFile("luster.txt", luster),
            ],
        },
    )
    assert response.status_code == 302 and response["Location"] == QUEUE_URL
    reviews = list(ImportReview.objects.order_by("pk"))
    assert [r.original_name for r in reviews] == ["luster-2019.txt", "luster-kort.txt", "luster.txt"]
    assert {r.owner_party.name for r in reviews} == {"Vest politidistrikt"} and len({r.batch for r in reviews}) == 1
    queue = client.get(QUEUE_URL)
    assert "3 av 3 filer er lest." in shown(queue) and 'hx-trigger="every 2s"' not in queue.content.decode()

    ImportReview.objects.filter(pk=reviews[2].pk).update(status=ImportReview.Status.WAITING)  # the worker is busy
    partial = client.get(QUEUE_URL, headers={"HX-Request": "true"}).content.decode()
    assert "2 av 3 filer er lest." in partial and 'hx-trigger="every 2s"' in partial and "<html" not in partial

    first = post_review(client, reviews[0], "confirm")
    assert first.status_code == 302 and first["Location"] == review_url(reviews[1])  # on to the next in the queue
    agreement = Agreement.objects.get()
    assert agreement.police_party.name == "Sogn lensmannsdistrikt"
    # The district admin acts for no kommune: Luster is invited to the draft and joins when it accepts.
    assert list(agreement.kommuner.all()) == []
    assert PartyInvitation.objects.filter(kommune__number="4644").exists()


def test_bulk_uploads_refuse_what_cannot_be_read_naming_the_file(client_for):
    client = client_for("vest_malansvarlig")
    response = client.post(BULK_URL, {"files": [SimpleUploadedFile("avtaler.zip", _zip(ok=b"Tekst", bad=b"a\x00b"))]})
    assert response.status_code == 200 and "bad.txt: Filen er ikke en tekstfil." in shown(response)
    response = client.post(BULK_URL, {"files": [SimpleUploadedFile("avtaler.zip", b"PK\x03\x04 ikke en zip")]})
    assert "Zip-filen kunne ikke leses." in shown(response)
    assert not ImportReview.objects.exists()


# --- Query bounds, language ------------------------------------------------------------------------------------------


def test_the_review_page_and_the_queue_run_a_bounded_number_of_queries(client_for):
    client = client_for("luster_slt")
    small = (
        "Samarbeidsavtale mellom Luster kommune og Vest politidistrikt\n\nInnleiing\n\nEin tekst om samarbeidet.\n\n"
        "Lensmannen i Sogn\nVest politidistrikt\n\nOrdførar\nLuster kommune\n"
    ).encode()
    counts = []
    for content in (small, LUSTER.read_bytes()):  # 1 section, then 11
        upload(client, "avtale.txt", content)
        review = ImportReview.objects.latest("pk")
        client.get(review_url(review))  # the national template is made on first use
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review_url(review)).status_code == 200
        counts.append(len(queries))
    assert counts[1] <= counts[0] + 4 and counts[1] <= 40, counts  # per party named, never per section
    queue = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get(QUEUE_URL)
        queue.append(len(queries))
        upload(client, "avtale.txt", small)
    assert queue[0] == queue[1] <= 12


def test_the_review_speaks_nynorsk_to_a_nynorsk_user(client_for):
    client = client_for("luster_slt")
    upload(client, "luster.txt", LUSTER.read_bytes())
    review = ImportReview.objects.get()
    with translation.override("nb"):
        page = shown(client.get(review_url(review), headers={"accept-language": "nn"}))
    assert "Sjå over importen av luster.txt" in page and "Se over importen" not in page
    assert "Lag utkast frå avtalen" in page
