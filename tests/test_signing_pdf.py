"""The shared PDF machinery: render_pdf, seal_pdf, verify_pdf and the make_seal command."""

import asyncio
import re
from io import BytesIO

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader

from samarbeid.pdf import render_pdf, seal_pdf, verify_pdf
from tests.pdfs import pdf_page_count, pdf_text

TEMPLATE = """{% extends "samarbeid/pdf/base.html" %}
{% block content %}<section class="title-page"><h1>Samarbeidsavtale mellom Kvitsøy og Sør-Vest</h1></section>
{% include "samarbeid/pdf/toc.html" with entries=toc %}
{% for anchor, title in toc %}<h2 id="{{ anchor }}">{{ title }}</h2><div class="tekst-i-ramme">Tekst i ramme</div>
{% for i in paragraphs %}<p>Politikontakten skal være til stede på Kvitsøy én gang i kvartalet; æøå ÆØÅ.</p>{% endfor %}
{% endfor %}{% endblock %}"""


@pytest.fixture
def seal(settings, tmp_path):
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    call_command("make_seal", verbosity=0)
    return settings.SEAL_CERT_FILE


@pytest.fixture
def template(settings, tmp_path):
    (tmp_path / "doc.html").write_text(TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    return "doc.html"


def render(template, *, draft=False, sections=4, language="nb"):
    toc = [(f"s{i}", f"Seksjon {i}") for i in range(1, sections + 1)]
    return render_pdf(template, {"toc": toc, "paragraphs": range(12)}, draft=draft, title="Test", language=language)


def test_rendered_pdf_is_pdf_a_with_norwegian_letters_and_page_x_of_y_footers(template):
    pdf = render(template)
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF-")
    xmp = PdfFileReader(BytesIO(pdf)).root["/Metadata"].data
    assert re.search(rb"pdfaid:part(>|=\")2", xmp) and re.search(rb"pdfaid:conformance(>|=\")B", xmp)  # PDF/A-2b
    assert "/StructTreeRoot" in PdfFileReader(BytesIO(pdf)).root  # tagged for screen readers
    assert "Kvitsøy" in text and "æøå ÆØÅ" in text
    assert "Side 2 av " in text


def test_table_of_contents_shows_the_page_each_section_starts_on(template):
    text = pdf_text(render(template), layout=True)
    assert re.search(r"Seksjon 1 +3\n", text)  # title page, contents, then the first section


def test_draft_pdf_carries_an_utkast_watermark_on_every_page(template):
    def watermarks(pdf):  # the rotated watermark comes out letter by letter in content-stream order
        return "".join(pdf_text(pdf, raw=True).split()).count("UTKAST")

    draft, final = render(template, draft=True), render(template)
    assert watermarks(draft) == pdf_page_count(draft) > 1
    assert watermarks(final) == 0


def test_sealed_pdf_verifies_as_ours_and_unaltered(template, seal):
    sealed = seal_pdf(render(template), signer_name="Samarbeid")
    result = verify_pdf(sealed)
    assert result.ok, result.reason
    assert result.our_seal and result.unaltered and result.covering_revision == 1


def test_one_flipped_byte_fails_verification(template, seal):
    sealed = bytearray(seal_pdf(render(template), signer_name="Samarbeid"))
    sealed[len(sealed) // 3] ^= 0x01
    result = verify_pdf(bytes(sealed))
    assert not result.ok
    assert result.reason


def test_anything_appended_after_sealing_fails_verification(template, seal):
    result = verify_pdf(seal_pdf(render(template), signer_name="Samarbeid") + b"\n%%tillegg\n")
    assert not result.ok
    assert result.reason == "PDF-en er endret etter at den ble forseglet."


def test_unsealed_pdf_and_non_pdf_fail_verification(template, seal):
    assert verify_pdf(render(template)).reason == "PDF-en har ingen elektronisk signatur eller segl."
    assert verify_pdf(b"ikke en pdf").reason == "Filen kan ikke leses som PDF."


def test_pdf_sealed_with_another_certificate_is_not_ours(template, settings, tmp_path):
    settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = tmp_path / "a-key.pem", tmp_path / "a-cert.pem"
    call_command("make_seal", verbosity=0)
    foreign = seal_pdf(render(template), signer_name="Noen andre")
    settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = tmp_path / "b-key.pem", tmp_path / "b-cert.pem"
    call_command("make_seal", verbosity=0)
    result = verify_pdf(foreign)
    assert not result.ok and not result.our_seal
    assert result.reason == "PDF-en er ikke forseglet av denne installasjonen."


def test_make_seal_keeps_an_existing_seal(seal):
    before = seal.read_bytes()
    call_command("make_seal", verbosity=0)
    assert seal.read_bytes() == before


def test_seal_and_verify_work_inside_a_running_event_loop(template, seal):
    """An ASGI server or Playwright's sync API runs an event loop in the calling thread; pyHanko must still work."""

    async def inside_loop():
        return verify_pdf(seal_pdf(render(template, sections=1), signer_name="Samarbeid"))

    assert asyncio.run(inside_loop()).ok
