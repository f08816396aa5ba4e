"""Importing an existing samarbeidsavtale: one step per module.

- ``read``: a file (.txt in any encoding, .docx, .odt, text .pdf) → blocks (lines, table rows, list items,
  with formatting hints);
- ``structure``: blocks → title block, table of contents, preamble, sections, signature block;
- ``recognise``: parties, period, signatories, signing date and målform, from anywhere in the text;
- this module puts them together in ``parse_agreement`` and accounts for every word (``Coverage``).

``parse_agreement`` is pure (no database). Creating a draft from the result is ``agreements.importing.service``.
"""

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from agreements.importing import recognise, structure
from agreements.importing.parsed import (
    Coverage,
    ParsedAgreement,
    ParsedSection,
    PartyMention,
    SetAside,
    Signatory,
)
from agreements.importing.read import FORMATS, Block, Document, decode_text, read, read_text
from agreements.importing.text import BULLET, plain, strip_markers, words

__all__ = [
    "FORMATS",
    "Block",
    "Coverage",
    "Document",
    "ParsedAgreement",
    "ParsedSection",
    "PartyMention",
    "SetAside",
    "Signatory",
    "decode_text",
    "parse_agreement",
    "parse_document",
    "parse_text",
    "read",
]

PREAMBLE_HEADING = {"nb": "Innledende tekst", "nn": "Innleiande tekst"}


def parse_agreement(source: str | Path | bytes | IO, *, filename: str = "") -> ParsedAgreement:
    """Parse agreement text, a path to a .txt/.docx/.odt/.pdf file, or an uploaded file (give its `filename`)."""
    return parse_document(read(source, filename=filename))


def parse_text(text: str) -> ParsedAgreement:
    return parse_document(read_text(text))


def parse_document(document: Document) -> ParsedAgreement:
    laid = structure.layout(document.blocks)
    lines = laid.lines
    result = ParsedAgreement(source_format=document.source_format, toc=laid.toc)
    all_text = "\n".join(plain(line) for line in lines)
    result.malform = recognise.guess_malform(all_text)

    # Title: the title rows after the cover page ("POLITIET", "Moss kommune").
    title_rows = [r for r in laid.title_rows if recognise.is_title_start(plain(lines[r]))]
    if title_rows:
        first = title_rows[0]
        parts = [plain(lines[r]) for r in laid.title_rows if r >= first and not recognise.signing_date(lines[r])]
        result.title = " ".join(parts).replace("**", "")
    for mention in recognise.title_parties(result.title):
        recognise.add_party(result.parties, mention)
    for row in laid.title_rows:
        result.signed_on = result.signed_on or recognise.signing_date(lines[row])

    # Sections, the preamble first.
    if laid.preamble_rows:
        html = structure.body_html(laid, laid.preamble_rows)
        result.preamble_html = html
        if html:
            heading = PREAMBLE_HEADING[result.malform]
            result.sections.append(ParsedSection(heading=heading, html=html, preamble=True))
    for heading_line, rows in laid.sections:
        heading, numbering, number = structure.section_parts(heading_line)
        result.sections.append(
            ParsedSection(heading=heading, html=structure.body_html(laid, rows), number=number, numbering=numbering)
        )

    # Signatories, and the parties they name.
    if laid.signature:
        start, end = laid.signature
        result.signatories = recognise.read_signatories(lines[start:end])
    for signatory in result.signatories:
        for mention in recognise.party_mentions(f"{signatory.party}\n{signatory.implied_party}", "signature"):
            recognise.add_party(result.parties, mention)
    if not any(p.kind == "kommune" for p in result.parties) or not any(p.kind != "kommune" for p in result.parties):
        # No title naming both sides: the cover page and the preamble, then the first section.
        front = [plain(lines[r]) for r in laid.title_rows + laid.preamble_rows]
        first_body = [laid.lines[r] for r in laid.sections[0][1]] if laid.sections else []
        for text in ("\n".join(front), "\n".join(first_body)):
            found = recognise.party_mentions(text, "body")
            for kind_is_kommune in (True, False):
                if any((p.kind == "kommune") == kind_is_kommune for p in result.parties):
                    continue
                for mention in found:
                    if (mention.kind == "kommune") == kind_is_kommune:
                        recognise.add_party(result.parties, mention)
    recognise.place_units(result.parties)
    if result.signed_on is None:
        dates = [s.date for s in result.signatories if s.date]
        result.signed_on = max(dates) if dates else None

    # Period: the front matter, else a sentence about the agreement in the body.
    front_text = "\n".join(plain(lines[r]) for r in laid.title_rows + laid.preamble_rows)
    period = recognise.period_of(front_text)
    if period == (None, None, False):
        body = "\n\n".join(plain(lines[r]) for _, rows in laid.sections for r in rows if lines[r].strip())
        period = recognise.period_in_body(body)
    result.period_start, result.period_end, result.open_ended = period

    # What was set aside, and the coverage.
    result.set_aside = list(document.set_aside)
    for reason, rows in (("title", laid.title_rows), ("toc", laid.toc_rows)):
        text = "\n".join(strip_markers(lines[r]) for r in rows)
        if text.strip():
            result.set_aside.append(SetAside(reason, text))
    if laid.signature:
        start, end = laid.signature
        text = "\n".join(strip_markers(line) for line in lines[start:end] if line.strip())
        result.set_aside.append(SetAside("signatures", text.replace("\t", " ").replace("\u2028", " ")))
    result.coverage = coverage(document, result)
    return result


class _VisibleText(HTMLParser):
    """The text of section HTML as a reader sees it, numbered lists' numbers included."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.lists: list[list] = []  # [kind, count]

    def handle_starttag(self, tag, attrs):
        if tag in ("ol", "ul"):
            self.lists.append([tag, 0])
        elif tag == "li" and self.lists:
            self.lists[-1][1] += 1
            if self.lists[-1][0] == "ol":
                self.parts.append(f" {self.lists[-1][1]}. ")
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def section_words(result: ParsedAgreement) -> Counter:
    """The words of the sections as they will be shown: headings (with their numbering) and visible text."""
    text = []
    for section in result.sections:
        if not section.preamble:
            text += [section.numbering, section.heading]
        text.append(visible_text(section.html))
    return words("\n".join(text))


def source_words(document: Document) -> Counter:
    """The words read from the file: its blocks (without typed bullet markers), the numbers its numbered
    lists show, and the page furniture."""
    counted = Counter()
    numbers: dict[int, int] = {}
    for block in document.blocks:
        text = strip_markers(block.plain)
        bullet = BULLET.match(text) if block.kind == "line" else None
        counted += words(bullet.group("text") if bullet else text)
        if block.kind != "item":
            numbers.clear()
        elif block.list_kind == "ol":
            numbers = {level: n for level, n in numbers.items() if level <= block.level}
            numbers[block.level] = numbers.get(block.level, 0) + 1
            counted[str(numbers[block.level])] += 1
    for item in document.set_aside:
        counted += words(item.text)
    return counted


def coverage(document: Document, result: ParsedAgreement) -> Coverage:
    source = source_words(document)
    placed = section_words(result)
    aside = Counter()
    for item in result.set_aside:
        aside += words(item.text)
    in_sections = source & placed
    rest = source - in_sections
    set_aside = rest & aside
    lost = rest - set_aside
    return Coverage(
        source_words=sum(source.values()),
        in_sections=sum(in_sections.values()),
        set_aside=sum(set_aside.values()),
        lost=sorted(lost.elements()),
    )
