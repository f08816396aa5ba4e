"""The agreement PDF never clips: a wide table, a long word or a long address stays inside the page's text width."""

import io

import pdfplumber

from agreements.models import Owner
from agreements.services import section_update
from agreements.signing import agreement_pdf
from tests.test_signing_views import make_agreement

MM = 72 / 25.4
RIGHT_MARGIN = 22 * MM  # static/css/print.css: @page margin 25mm 22mm 25mm 25mm

WIDE_TABLE = "<table><thead><tr>{}</tr></thead><tbody><tr>{}</tr></tbody></table>".format(
    "".join(f"<th>Kolonneoverskrift{n}</th>" for n in range(8)),
    "".join(f"<td>Forebyggingssamarbeidskoordineringsansvar{n}</td>" for n in range(8)),
)
LONG_WORD = "<p>Se https://www.example.no/" + "forebygging/" * 20 + " og " + "X" * 150 + ".</p>"


def test_a_wide_table_and_long_words_stay_inside_the_page(personas):
    agreement = make_agreement(personas)
    section = agreement.sections.filter(owner=Owner.FELLES).order_by("order").first()
    section_update(section, local_text=WIDE_TABLE + LONG_WORD, by=personas["moss_slt"])
    with pdfplumber.open(io.BytesIO(agreement_pdf(agreement))) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
        overflowing = [
            (page.page_number, round(char["x1"]), char["text"])
            for page in pdf.pages
            for char in page.chars
            if char["x1"] > page.width - RIGHT_MARGIN + 1
        ]
    assert text.count("Kolonne") >= 8  # every column of the table is printed
    assert not overflowing[:10], f"text beyond the right margin: {overflowing[:10]}"
