"""End to end: an SLT-koordinator imports an agreement as .txt, .docx and .pdf, reviews what was read in a real
browser (every page axe-clean), and only then gets the draft, with the original file attached."""

import docx
import pytest
from weasyprint import HTML

from agreements.models import Agreement, ImportReview

pytestmark = pytest.mark.e2e

SECTIONS = [
    ("Innledning", ["Avtalen gjelder samarbeidet om forebygging mellom kommunen og politiet."]),
    ("Politikontakten", ["Politikontakten er til stede på rådhuset hver tirsdag.", "Politikontakten deltar i rådet."]),
    ("Lokale mål", ["Færre unge som begår lovbrudd."]),
]
TITLE = "Samarbeidsavtale mellom Moss kommune og Moss politistasjonsdistrikt"
SIGNATURES = ["Moss 11.02.2020", "Hege Tollefsen", "Ordfører i Moss"]


def write_txt(path):
    body = "\n\n".join(f"{heading}\n\n" + "\n\n".join(paragraphs) for heading, paragraphs in SECTIONS)
    path.write_text(f"{TITLE}\n\n{body}\n\n" + "\n".join(SIGNATURES) + "\n", encoding="utf-8")


def write_docx(path):
    document = docx.Document()
    document.add_paragraph(TITLE, style="Title")
    for heading, paragraphs in SECTIONS:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    for line in SIGNATURES:
        document.add_paragraph(line)
    document.save(path)


def write_pdf(path):
    body = "".join(f"<h2>{h}</h2>" + "".join(f"<p>{p}</p>" for p in ps) for h, ps in SECTIONS)
    signatures = "".join(f"<p>{line}</p>" for line in SIGNATURES)
    HTML(string=f"<html><body><h1>{TITLE}</h1>{body}{signatures}</body></html>").write_pdf(path)


WRITERS = {".txt": write_txt, ".docx": write_docx, ".pdf": write_pdf}


@pytest.mark.parametrize("extension", list(WRITERS))
def test_an_agreement_file_is_reviewed_in_the_browser_before_the_draft_exists(
    extension, page, login, assert_accessible, tmp_path
):
    login("moss_slt")
    page.goto("/avtaler/importer/")
    assert_accessible(page)
    upload = tmp_path / f"avtale{extension}"
    WRITERS[extension](upload)
    page.get_by_label("Avtalen som fil").set_input_files(upload)
    page.get_by_role("button", name="Les avtalen").click()

    page.get_by_role("heading", name=f"Dette fant vi i avtale{extension}").wait_for()
    assert not Agreement.objects.exists()
    assert ImportReview.objects.get().status == ImportReview.Status.READY
    assert_accessible(page)
    headings = page.locator("input[name$='-heading']:not([name*='split'])")
    assert [headings.nth(i).input_value() for i in range(headings.count())][-3:] == [h for h, _ in SECTIONS]
    assert page.get_by_text("Tjenestetilbud — legg til?").is_visible()

    # Rename the first section and add a template suggestion, see the result, then make the draft.
    first = headings.count() - 3
    page.locator(f"input[name='s{first}-heading']").fill("Formål")
    page.get_by_label("Tjenestetilbud — legg til?").check()
    page.get_by_role("button", name="Bruk endringene").click()
    page.get_by_text("Endringene er tatt med").wait_for()
    assert page.locator(f"input[name='s{first}-heading']").input_value() == "Formål"
    assert page.get_by_text("Forslag fra malen").first.is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Lag utkast fra avtalen").click()
    page.get_by_text("Utkastet er laget med").wait_for()
    agreement = Agreement.objects.get()
    assert page.url.endswith(f"/avtaler/{agreement.pk}/")
    assert page.get_by_text("Færre unge som begår lovbrudd.").is_visible()
    assert agreement.attachments.get().original_name == f"avtale{extension}"
    assert agreement.sections.get(heading="Tjenestetilbud").suggested
    assert_accessible(page)
