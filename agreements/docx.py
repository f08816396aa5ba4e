"""Case papers for the kommunestyre: the draft agreement with its open change proposals as a Word document.

A cover (title, parties, period, status, what is still open), one heading per section with the district's text
and the local text (paragraphs, bullet and numbered lists, bold and italics), the structured parts as lists,
and under each section its open proposals, marked: a shaded block with who proposed it and when, the removed
words struck through in red and the inserted words underlined on yellow, and the proposer's reasons.
"""

import io

import lxml.html
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from docx import Document
from docx.enum.text import WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from agreements.models import Agreement, ChangeProposal, Expectation, SectionKind
from agreements.negotiation import annotate_proposal
from agreements.richtext import clean_html

PROPOSAL_SHADE = "FFF4CE"  # the shaded block of a proposal
DELETED = RGBColor(0xA0, 0x1C, 0x1C)


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _shade(paragraph, fill: str = PROPOSAL_SHADE) -> None:
    """A paragraph's background (w:shd) and a left border, so a proposal reads as one block."""
    properties = paragraph._p.get_or_add_pPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", "C8A400")):
        left.set(qn(key), value)
    borders.append(left)
    properties.append(borders)


def _runs(paragraph, element, *, bold=False, italic=False) -> None:
    """The inline content of an HTML element as runs (text, <strong>/<b>, <em>/<i>, <a>, <br>)."""
    if element.text:
        run = paragraph.add_run(element.text)
        run.bold, run.italic = bold or None, italic or None
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag in ("ul", "ol"):
            pass  # a nested list is written after its item
        else:
            _runs(paragraph, child, bold=bold or tag in ("strong", "b"), italic=italic or tag in ("em", "i"))
        if child.tail:
            run = paragraph.add_run(child.tail)
            run.bold, run.italic = bold or None, italic or None


def add_html(document, html: str) -> None:
    """Agreement HTML (the allow-listed subset) as Word paragraphs, lists and tables."""
    html = clean_html(html)
    if not html:
        return
    for element in lxml.html.fragments_fromstring(html):
        if isinstance(element, str):
            if element.strip():
                document.add_paragraph(element.strip())
            continue
        _block(document, element)


def _block(document, element, level: int = 0) -> None:
    tag = element.tag
    if tag in ("ul", "ol"):
        style = "List Bullet" if tag == "ul" else "List Number"
        if level:
            style += f" {min(level + 1, 3)}"
        for item in element.findall("li"):
            _runs(document.add_paragraph(style=style), item)
            for nested in item:
                if nested.tag in ("ul", "ol"):
                    _block(document, nested, level + 1)
    elif tag == "table":
        rows = element.findall(".//tr")
        width = max((len(r.findall("th") + r.findall("td")) for r in rows), default=0)
        if not rows or not width:
            return
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, cell in enumerate(row.findall("th") + row.findall("td")):
                paragraph = table.cell(r, c).paragraphs[0]
                _runs(paragraph, cell, bold=cell.tag == "th")
    else:
        _runs(document.add_paragraph(), element)


def _proposal(document, proposal: ChangeProposal) -> None:
    heading = document.add_paragraph()
    _shade(heading)
    title = heading.add_run(
        _("Endringsforslag fra %(party)s, %(date)s – venter på svar")
        % {"party": proposal.party.name, "date": _date(timezone.localtime(proposal.proposed_at))}
    )
    title.bold = True
    if proposal.outdated:
        note = document.add_paragraph()
        _shade(note)
        note.add_run(
            _("Laget mot en eldre versjon av avsnittet (versjon %(old)s; nå versjon %(now)s).")
            % {"old": proposal.base_version, "now": proposal.section.version}
        ).italic = True
    diff = document.add_paragraph()
    _shade(diff)
    for part in proposal.diff:
        for n, line in enumerate(part.text.split("\n")):
            if n:
                diff.add_run().add_break()
            run = diff.add_run(line + " ")
            if part.op == "delete":
                run.font.strike = True
                run.font.color.rgb = DELETED
            elif part.op == "insert":
                run.font.underline = True
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    legend = document.add_paragraph()
    _shade(legend)
    legend.add_run(_("Gjennomstreket: foreslått fjernet. Understreket på gult: foreslått lagt til.")).font.size = Pt(8)
    if proposal.explanation:
        reason = document.add_paragraph()
        _shade(reason)
        reason.add_run(_("Begrunnelse: ")).bold = True
        reason.add_run(proposal.explanation)


def _parts(document, agreement: Agreement, kind: str) -> None:
    if kind == SectionKind.PRESENCE:
        for p in agreement.presence_commitments.select_related("kommune"):
            text = f"{p.kommune.name}: {p.times} × {p.get_per_display()}"
            if p.weekdays:
                text += f" ({', '.join(p.weekday_names())})"
            if p.hours_from and p.hours_to:
                text += f" {p.hours_from:%H:%M}–{p.hours_to:%H:%M}"
            document.add_paragraph(" ".join(filter(None, [text, p.place, p.note])), style="List Bullet")
    elif kind == SectionKind.EXPECTATIONS:
        expectations = list(agreement.expectations.all())
        for direction, label in Expectation.Direction.choices:
            rows = [e for e in expectations if e.direction == direction]
            if rows:
                document.add_heading(str(label), level=3)
                for e in rows:
                    document.add_paragraph(e.text, style="List Number")
    elif kind == SectionKind.FOCUS:
        for area in agreement.focus_areas.all():
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(area.title).bold = True
            if area.description:
                paragraph.add_run(f": {area.description}")


def case_papers_docx(agreement: Agreement) -> bytes:
    """The .docx bytes, in the agreement's målform."""
    sections = list(agreement.sections.order_by("order", "pk"))
    by_section = {}
    proposals = agreement.change_proposals.filter(status=ChangeProposal.Status.OPEN).select_related("party")
    sections_by_pk = {s.pk: s for s in sections}
    for proposal in proposals.order_by("proposed_at", "pk"):
        proposal.section = sections_by_pk[proposal.section_id]
        by_section.setdefault(proposal.section_id, []).append(annotate_proposal(proposal, proposal.section))
    document = Document()
    with override(agreement.malform):
        document.core_properties.title = agreement.title
        document.core_properties.subject = _("Saksdokument til kommunestyret")
        document.add_paragraph(_("Saksdokument til kommunestyret"), style="Subtitle")
        document.add_heading(agreement.title, level=0)
        facts = [
            (_("Parter"), ", ".join(p.name_in(agreement.malform) for p in agreement.parties())),
            (_("Periode"), agreement.period_label),
            (_("Status"), str(agreement.get_status_display())),
            (_("Åpne endringsforslag"), str(sum(len(v) for v in by_section.values()))),
            (_("Laget"), _date(timezone.localdate())),
        ]
        for label, value in facts:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)
        if by_section:
            document.add_paragraph(
                _(
                    "Avtalen er et utkast. Endringsforslag som partene ikke har avgjort ennå, står under avsnittet de "
                    "gjelder, merket med gul bakgrunn."
                )
            )
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for number, section in enumerate(sections, start=1):
            document.add_heading(f"{number}. {section.heading}", level=1)
            if section.standard_text:
                add_html(document, section.standard_text)
            add_html(document, section.local_text)
            _parts(document, agreement, section.kind)
            for proposal in by_section.get(section.pk, []):
                _proposal(document, proposal)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
