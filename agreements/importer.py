"""Import an existing samarbeidsavtale from .txt or .docx into sections.

Two layers:

- ``parse_agreement(source)`` is pure (no database): it reads the text (a .docx is first flattened to the
  same line form, its Heading styles, list styles and tables kept as hints) and returns a
  ``ParsedAgreement``: title, the parties as the text names them, the signing date, the period if stated,
  the table of contents, every heading as a section with its body as the allow-listed HTML subset, and the
  signatories.
- ``resolve_parties`` and ``agreement_import`` (database) find the named parties and create the agreement.

Headings: the Heading 1 paragraphs of a .docx; else the table of contents ("Innhold"/"Innhald") when the
text has one (each entry is looked up in the body, tolerating numbering, dots and small spelling
differences, e.g. "Evaluerings" for "Evaluering"); else heuristics: a short line (≤ 12 words) after a
blank line, starting with a capital letter or a section number, without a final full stop or colon, and
followed by body text. Numbered headings must count up (1, 2, 3 …), so numbered lists are not mistaken
for them. Inside a section, further heading-like lines become bold paragraphs (the allow-list has no h3).
"""

import datetime
import difflib
import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import docx
from django.db import transaction
from django.db.models import Q
from docx.table import Table
from docx.text.paragraph import Paragraph

from agreements.models import AgreementSection, Owner, SectionRevision
from agreements.richtext import clean_html
from agreements.services import agreement_create
from samarbeid.models import Kommune, Party, PoliceUnit, Politidistrikt

# --- Patterns ----------------------------------------------------------------------------------------

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*(?:side\s+)?\d{1,3}(?:\s*(?:av|/)\s*\d{1,3})?\s*$", re.IGNORECASE)
_TOC_HEADER = re.compile(
    r"^(?:innhold|innhald|innholdsfortegnelse|innhaldsliste|innhaldsoversikt|innholdsliste)\s*:?$", re.IGNORECASE
)
_TOC_ENTRY = re.compile(r"^(?P<title>\S.*?)(?:\s*\.{2,}\s*|\t+\s*|\s{2,})\.*\s*(?P<page>\d{1,3})\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?P<markers>(?:[-•*❖▪◦–o](?:\s+|$))+)(?P<text>.*)$")
_NUMBERED = re.compile(r"^\s*(?P<number>\d{1,2})[.)]\s+(?P<text>\S.*)$")
_NUMBERED_HEADING = re.compile(r"^(?P<number>\d{1,2})\.?\s+(?P<text>[A-ZÆØÅ].*)$")
_DATE = re.compile(r"\b(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./]|\s+)(?P<year>\d{4}|\d{2})\b")
_SIGNED_LINE = re.compile(r"\b(?:signert|underskrive[nt]?|inngått)\b", re.IGNORECASE)
_PERIOD_YEARS = re.compile(
    r"\b(?:avtaleperiode[n]?|perioden?|gjeld(?:er)?)\b[^0-9\n]{0,30}(?P<start>(?:19|20)\d\d)\s*[-–]\s*(?P<end>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_PERIOD_DATES = re.compile(
    r"\b(?:gjeld(?:er)?|varer|gyldig)\b[^\n]{0,20}?(?:(?:fra|frå)\s+(?P<start>[\d./ ]{6,10}?)\s+)?"
    r"(?:til|fram til|frem til)\s+(?P<end>\d{1,2}[./]\d{1,2}[./]\d{2,4})",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_STED_DATO = re.compile(r"^(?:sted|stad)\s*(?:/|og)\s*dato\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^(?P<place>[A-ZÆØÅ][\w\- ]*?)?[,\s]*(?P<date>" + _DATE.pattern + r")\s*$")
_ROLE_WORDS = re.compile(
    r"\b(?:ordfører|ordførar|varaordfører|varaordførar|rådmann|rådmannen|kommunedirektør|kommunalsjef|"
    r"politimester|politimeister|politimesteren|politimeisteren|lensmann|lensmannen|tjenesteenhetsleder|"
    r"tenesteeiningsleiar|politistasjonssjef|nærpolitisjef|leder|leiar|slt-koordinator|politikontakt)\b",
    re.IGNORECASE,
)
_PARTY_SUFFIXES = ("kommune", "politidistrikt", "politistasjonsdistrikt", "lensmannsdistrikt")
_PARTY = re.compile(
    r"(?:[Tt]jenesteenhet|[Tt]enesteeining)\s+[A-ZÆØÅ][\w\-]+"
    r"|[A-ZÆØÅ][\w\-]*(?:\s+(?:og\s+)?[A-ZÆØÅ][\w\-]*)*\s+(?:" + "|".join(_PARTY_SUFFIXES) + r")\b"
)
# "Ordfører i Randaberg", "Lensmannen i Sogn": the party is implied by the title.
_TITLE_IN_PLACE = re.compile(
    r"^(?P<title>(?P<role>ordfører|ordførar|rådmann|rådmannen|kommunedirektør|lensmann|lensmannen|politimester|"
    r"politimeister)(?:en)?\s+i\s+(?P<place>[A-ZÆØÅ][\w\-]+(?:\s+[A-ZÆØÅ][\w\-]+)*))$",
    re.IGNORECASE,
)
# Words that tell nynorsk from bokmål (each list's words are common in one and absent in the other).
_NYNORSK_WORDS = set("ikkje eit kva frå vert dei korleis difor mogleg kvar vere vera gjeld skule skular kommunane "
                     "saman heile meir berre òg ho no".split())  # fmt: skip
_BOKMAL_WORDS = set("ikke et hva fra blir de hvordan derfor mulig hver være gjelder skole skoler kommunene sammen "
                    "hele mer bare også hun nå".split())  # fmt: skip


# --- Result ------------------------------------------------------------------------------------------


@dataclass
class PartyMention:
    """A party as the text names it: "Moss kommune", "Øst politidistrikt", "Sogn lensmannsdistrikt"."""

    text: str
    kind: str  # "kommune", "politidistrikt", "police_unit"
    source: str  # "title" or "signature"


@dataclass
class Signatory:
    title: str
    party: str = ""
    name: str = ""
    place: str = ""
    date: datetime.date | None = None
    implied_party: str = ""  # "Lensmannen i Sogn" → "Sogn lensmannsdistrikt"


@dataclass
class ParsedSection:
    heading: str
    html: str
    number: int | None = None


@dataclass
class ParsedAgreement:
    title: str = ""
    malform: str = "nb"
    parties: list[PartyMention] = field(default_factory=list)
    signed_on: datetime.date | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    toc: list[str] = field(default_factory=list)
    preamble_html: str = ""
    sections: list[ParsedSection] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)

    @property
    def headings(self) -> list[str]:
        return [section.heading for section in self.sections]

    def mentions(self, kind: str) -> list[str]:
        return [p.text for p in self.parties if p.kind == kind]


# --- Entry point -------------------------------------------------------------------------------------


def parse_agreement(source: str | Path | bytes | IO, *, filename: str = "") -> ParsedAgreement:
    """Parse agreement text, a path to a .txt/.docx file, or an uploaded file (give its `filename`)."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and len(source) < 1000
                                     and source.lower().endswith((".txt", ".docx"))):  # fmt: skip
        filename = str(source)
        if filename.lower().endswith(".docx"):
            return parse_docx(filename)
        return parse_text(decode_text(Path(source).read_bytes()))
    if isinstance(source, str):
        return parse_text(source)
    data = source if isinstance(source, bytes) else source.read()
    if filename.lower().endswith(".docx"):
        return parse_docx(io.BytesIO(data))
    return parse_text(decode_text(data))


def decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --- .docx -------------------------------------------------------------------------------------------


def parse_docx(path_or_file) -> ParsedAgreement:
    """Flatten a Word document to the text form, keeping Heading 1 as headings and Heading 2+ as sub-headings."""
    text, headings, subheadings = docx_to_text(path_or_file)
    return parse_text(text, headings=headings or None, subheadings=subheadings)


def docx_to_text(path_or_file) -> tuple[str, list[str], list[str]]:
    """The document as lines: paragraphs separated by blank lines, list items as "- "/"1. " lines (indented
    by level), table rows tab-separated, bold runs as **…**, italic as <i>…</i>. Returns the text and the
    texts of the Heading 1 and Heading 2+ paragraphs."""
    document = docx.Document(path_or_file)
    blocks: list[str] = []
    headings: list[str] = []
    subheadings: list[str] = []
    numbers: dict[int, int] = {}
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            table = Table(element, document)
            rows = ["\t".join(_docx_runs_text(p) for p in _first_paragraphs(row)) for row in table.rows]
            blocks.append("\n".join(rows))
            continue
        if tag != "p":
            continue
        paragraph = Paragraph(element, document)
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = _docx_runs_text(paragraph)
        if not text.strip():
            continue
        level = _style_level(style)
        if style.lower().startswith(("heading", "overskrift")):
            plain = _strip_inline_markers(text).strip()
            (headings if level <= 1 else subheadings).append(plain)
            blocks.append(plain)
            numbers.clear()
        elif style.lower().startswith(("toc", "innhold")):
            continue
        elif "list number" in style.lower() or "nummerert" in style.lower():
            numbers[level] = numbers.get(level, 0) + 1
            blocks.append("\n" + " " * (level - 1) + f"{numbers[level]}. {text}")
        elif "list" in style.lower() or "punkt" in style.lower() or _has_numbering(paragraph):
            blocks.append("\n" + " " * (level - 1) + f"- {text}")
        else:
            numbers.clear()
            blocks.append(text)
    # List items stay on consecutive lines; everything else is a paragraph of its own.
    out = []
    for block in blocks:
        if block.startswith("\n") and out and out[-1].startswith("\n"):
            out[-1] += block
        else:
            out.append(block)
    return "\n\n".join(b.strip("\n") for b in out), headings, subheadings


def _has_numbering(paragraph) -> bool:
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _first_paragraphs(row) -> list:
    return [cell.paragraphs[0] if len(cell.paragraphs) == 1 else _JoinedCell(cell) for cell in row.cells]


class _JoinedCell:
    def __init__(self, cell):
        self.runs = [run for p in cell.paragraphs for run in [*p.runs, None]][:-1]


def _docx_runs_text(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        if run is None:
            parts.append(" ")
            continue
        text = run.text.replace("\t", " ")  # a tab inside a paragraph is not a table
        if not text.strip():
            parts.append(text)
        elif run.bold:
            parts.append(f"**{text}**")
        elif run.italic:
            parts.append(f"<i>{text}</i>")
        else:
            parts.append(text)
    return "".join(parts).replace("****", "")


def _style_level(style: str) -> int:
    match = re.search(r"(\d+)\s*$", style)
    return int(match.group(1)) if match else 1


# --- Text --------------------------------------------------------------------------------------------


def normalise_lines(text: str) -> list[str]:
    """Lines without Word artefacts: bookmarks, page numbers, non-breaking and trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\xa0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = _BOOKMARK.sub("", text)
    lines = []
    for line in text.split("\n"):
        line = line.rstrip()
        if not line.strip() or _PAGE_NUMBER.match(line):
            line = ""
        lines.append(line)
    return lines


def _plain(line: str) -> str:
    """A line without inline markup and surrounding whitespace."""
    return re.sub(r"\s+", " ", _strip_inline_markers(line)).strip()


def _strip_inline_markers(text: str) -> str:
    return re.sub(r"\*\*|</?(?:i|b|em|strong)>", "", text, flags=re.IGNORECASE)


def _norm(text: str) -> str:
    text = re.sub(r"^\d{1,2}[.)]?\s*", "", _plain(text).lower())
    return " ".join(re.findall(r"\w+", text))


def parse_text(text: str, *, headings: Iterable[str] | None = None, subheadings: Iterable[str] = ()) -> ParsedAgreement:
    lines = normalise_lines(text)
    result = ParsedAgreement()
    result.malform = guess_malform(text)

    toc_start, toc_end, result.toc = _find_toc(lines)
    if headings is not None:  # Word's Heading 1 paragraphs; some documents style the title or "Innhold" so too
        wanted = [h for h in headings if not (_is_title_start(_plain(h)) or _TOC_HEADER.match(_plain(h)))]
        heading_rows = _match_headings(lines, wanted, start=toc_end)
    elif result.toc:
        heading_rows = _match_headings(lines, result.toc, start=toc_end)
    else:
        heading_rows = _heuristic_headings(lines, start=_front_matter_end(lines))
    heading_rows = sorted(set(heading_rows))
    body_start = heading_rows[0] if heading_rows else len(lines)

    front = lines[: toc_start if toc_start is not None else body_start]
    between = lines[toc_end:body_start] if toc_start is not None else []
    _read_front_matter(result, front, between)

    # The signature block ends the last section; only a list of vedlegg may follow it (as text, or as a
    # section of its own when the document marks "Vedlegg" as a heading).
    sig_start, sig_end = _find_signature_block(lines, start=(heading_rows[-1] + 1) if heading_rows else body_start)
    if sig_start is None and len(heading_rows) > 1 and re.match(r"vedlegg", _plain(lines[heading_rows[-1]]), re.I):
        sig_start, sig_end = _find_signature_block(lines[: heading_rows[-1]], start=heading_rows[-2] + 1)
        sig_end = sig_end if sig_start is not None else len(lines)
        tail_is_section = True
    else:
        tail_is_section = False
    if sig_start is not None:
        result.signatories = _read_signatories(lines[sig_start:sig_end])
    subheading_norms = {_norm(s) for s in subheadings}
    for index, row in enumerate(heading_rows):
        end = heading_rows[index + 1] if index + 1 < len(heading_rows) else len(lines)
        if sig_start is not None and row < sig_start < end:
            end = sig_start
        result.sections.append(_section(lines[row], lines[row + 1 : end], subheading_norms, subheadings_from_text=True))
    if sig_start is not None and not tail_is_section:
        trailing = [line for line in lines[sig_end:]]
        first = next((i for i, line in enumerate(trailing) if line.strip()), None)
        if first is not None:
            heading = _plain(trailing[first]).rstrip(":")
            result.sections.append(_section(heading, trailing[first + 1 :], subheading_norms, True))

    for signatory in result.signatories:
        for mention in _party_mentions(f"{signatory.party}\n{signatory.implied_party}", "signature"):
            _add_party(result, mention)
    if result.signed_on is None:
        dates = [s.date for s in result.signatories if s.date]
        result.signed_on = max(dates) if dates else None
    return result


def guess_malform(text: str) -> str:
    words = re.findall(r"\w+", text.lower())
    nn = sum(1 for w in words if w in _NYNORSK_WORDS)
    nb = sum(1 for w in words if w in _BOKMAL_WORDS)
    return "nn" if nn > nb else "nb"


def _find_toc(lines: list[str]) -> tuple[int | None, int, list[str]]:
    """(index of the TOC header, index after its last entry, entry titles)."""
    for index, line in enumerate(lines):
        if _TOC_HEADER.match(_plain(line)):
            entries, end = [], index + 1
            for row in range(index + 1, len(lines)):
                if not lines[row].strip():
                    continue
                match = _TOC_ENTRY.match(_plain(lines[row]) if "\t" not in lines[row] else lines[row].strip())
                if not match:
                    break
                entries.append(re.sub(r"[.\s]+$", "", match.group("title")).strip())
                end = row + 1
            if entries:
                return index, end, entries
    return None, 0, []


def _match_headings(lines: list[str], wanted: list[str], *, start: int) -> list[int]:
    """The row of each wanted heading, in order, searching the body after `start`."""
    rows = []
    cursor = start
    for title in wanted:
        target = _norm(title)
        if not target:
            continue
        row = _find_row(lines, cursor, lambda n, target=target: n == target)
        if row is None:
            row = _find_row(lines, cursor, lambda n, target=target: _alike(n, target))
        if row is not None:
            rows.append(row)
            cursor = row + 1
    return rows


def _alike(a: str, b: str) -> bool:
    """Normalised headings that differ by a suffix ("Evaluerings") or a few letters."""
    prefix = len(min(a, b, key=len)) >= 5 and (a.startswith(b) or b.startswith(a))
    return prefix or difflib.SequenceMatcher(a=a, b=b).ratio() >= 0.85


def _find_row(lines: list[str], start: int, accept) -> int | None:
    for row in range(start, len(lines)):
        line = lines[row]
        if not line.strip() or _BULLET.match(line) or "\t" in line:
            continue
        plain = _plain(line)
        if len(plain) > 100 or plain.endswith("."):
            continue
        if accept(_norm(plain)):
            return row
    return None


def _prev_nonblank(lines: list[str], row: int) -> int | None:
    for index in range(row - 1, -1, -1):
        if lines[index].strip():
            return index
    return None


def _next_nonblank(lines: list[str], row: int) -> int | None:
    for index in range(row + 1, len(lines)):
        if lines[index].strip():
            return index
    return None


def _is_heading_like(lines: list[str], row: int) -> bool:
    """A short line after a blank line, no final full stop or colon, followed by body text."""
    line = lines[row]
    plain = _plain(line)
    if not plain or "\t" in line or line[:1].isspace() or _BULLET.match(line) or "@" in plain:
        return False
    if len(plain) > 80 or len(plain.split()) > 12 or plain[-1] in ".:;,!?":
        return False
    if not (plain[0].isupper() or plain[0].isdigit()):
        return False
    if _DATE.search(plain) or _SIGNED_LINE.search(plain):
        return False
    if row > 0 and lines[row - 1].strip():
        return False
    previous = _prev_nonblank(lines, row)
    if previous is not None and _plain(lines[previous]).endswith(":"):
        return False
    following = _next_nonblank(lines, row)
    if following is None:
        return False
    next_line = lines[following]
    next_plain = _plain(next_line)
    return (
        len(next_plain) > 80
        or next_plain[-1] in ".:!?"
        or bool(_BULLET.match(next_line) or _NUMBERED.match(next_line))
        or "\t" in next_line
    )


def _heuristic_headings(lines: list[str], *, start: int) -> list[int]:
    """Numbered headings (1, 2, 3 … in order) or unnumbered ones, whichever the document starts with."""
    rows: list[int] = []
    expected_number = 1
    for row in range(start, len(lines)):
        numbered = _NUMBERED_HEADING.match(_plain(lines[row]))
        if numbered and int(numbered.group("number")) == expected_number and (expected_number > 1 or not rows):
            if _is_numbered_heading(lines, row, rows, expected_number):
                rows.append(row)
                expected_number += 1
        elif not numbered and expected_number == 1 and _is_heading_like(lines, row):
            rows.append(row)
    return rows


def _is_numbered_heading(lines: list[str], row: int, rows: list[int], number: int) -> bool:
    """Not an item of a numbered list: the line before is not item number - 1 (unless that was a heading)."""
    plain = _plain(lines[row])
    if lines[row][:1].isspace() or len(plain) > 100 or plain[-1] in ".:;," or "\t" in lines[row]:
        return False
    previous = _prev_nonblank(lines, row)
    if previous is None or previous in rows:
        return True
    item = _NUMBERED.match(lines[previous])
    return not (item and int(item.group("number")) == number - 1)


def _front_matter_end(lines: list[str]) -> int:
    """Where the body may start when there is no table of contents: after the title block and signing line."""
    title_row = next((i for i, line in enumerate(lines) if _is_title_start(_plain(line))), None)
    if title_row is None:
        return 0
    row = title_row
    for index in range(title_row + 1, len(lines)):
        if not lines[index].strip():
            continue
        if _continues_title(_plain(lines[_prev_nonblank(lines, index)]), _plain(lines[index])):
            row = index
            continue
        if _SIGNED_LINE.search(lines[index]) or _DATE.search(lines[index]):
            row = index
        break
    return row + 1


def _is_title_start(plain: str) -> bool:
    return bool(re.match(r"^(?:samarbeidsavtale|samarbeidsavtala|avtale om samarbeid)\b", plain, re.I))


def _continues_title(previous: str, line: str) -> bool:
    lowered = line.lower()
    return (
        lowered in ("mellom", "og", "om")
        or lowered.startswith(("mellom ", "og ", "om "))
        or previous.lower() in ("mellom", "og", "om")
        or (previous.lower() == "samarbeidsavtale" and lowered.startswith("mellom"))
    )


def _read_front_matter(result: ParsedAgreement, front: list[str], between: list[str]) -> None:
    """Title, parties named in it, signing date, period and preamble (text before the first section)."""
    joined = "\n".join(front)
    # The bold title may span several lines ("**Samarbeidsavtale\nmellom Luster kommune\nog Vest politidistrikt**").
    plains = [_plain(line) for line in front]
    preamble: list[str] = []
    title_row = next((i for i, p in enumerate(plains) if _is_title_start(p)), None)
    used: set[int] = set()
    if title_row is not None:
        parts, previous = [plains[title_row]], plains[title_row]
        used.add(title_row)
        for index in range(title_row + 1, len(plains)):
            if not plains[index]:
                continue
            if not _continues_title(previous, plains[index]):
                break
            parts.append(plains[index])
            used.add(index)
            previous = plains[index]
        result.title = " ".join(parts)
        for mention in _title_parties(result.title):
            _add_party(result, mention)
        preamble_rows = range(max(used) + 1, len(front))
    else:
        preamble_rows = range(len(front))
    for index in preamble_rows:
        line = front[index]
        if result.signed_on is None and _SIGNED_LINE.search(line) and _DATE.search(line):
            result.signed_on = _parse_date(_DATE.search(line))
            continue
        preamble.append(line)
    preamble += between
    start, end = _period(joined + "\n" + "\n".join(between))
    result.period_start, result.period_end = start, end
    result.preamble_html = clean_html(_blocks_to_html(preamble, set(), False))


def _title_parties(title: str) -> list[PartyMention]:
    match = re.search(r"\bmellom\b(?P<rest>.*)$", title, re.IGNORECASE)
    rest = re.sub(r"\s+om\s+.*$", "", match.group("rest")) if match else title
    return _party_mentions(rest, "title")


def _party_mentions(text: str, source: str) -> list[PartyMention]:
    mentions = []
    for match in _PARTY.finditer(text or ""):
        name = match.group(0).strip()
        # "Politimester Sør-Vest politidistrikt": a capitalised title before the name is not part of it.
        while (
            (first := name.split(" ", 1))[0]
            and len(first) > 1
            and (_ROLE_WORDS.fullmatch(first[0]) or _is_title_start(first[0]))
        ):
            name = first[1]
        lowered = name.lower()
        if lowered.endswith("kommune"):
            kind = "kommune"
        elif lowered.endswith(" politidistrikt"):
            kind = "politidistrikt"
        else:
            kind = "police_unit"
        mentions.append(PartyMention(name, kind, source))
    return mentions


def _add_party(result: ParsedAgreement, mention: PartyMention) -> None:
    if all(p.text.lower() != mention.text.lower() for p in result.parties):
        result.parties.append(mention)


def _parse_date(match: re.Match) -> datetime.date | None:
    year = int(match.group("year"))
    if year < 100:
        year += 2000
    try:
        return datetime.date(year, int(match.group("month")), int(match.group("day")))
    except ValueError:
        return None


def _period(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    years = _PERIOD_YEARS.search(text)
    if years:
        return datetime.date(int(years.group("start")), 1, 1), datetime.date(int(years.group("end")), 12, 31)
    dates = _PERIOD_DATES.search(text)
    if dates:
        start = _DATE.search(dates.group("start") or "")
        return (_parse_date(start) if start else None), _parse_date(_DATE.search(dates.group("end")))
    return None, None


# --- Signature block ---------------------------------------------------------------------------------


def _groups(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Runs of consecutive non-blank lines as (first row, row after last)."""
    groups, row = [], start
    while row < end:
        if not lines[row].strip():
            row += 1
            continue
        first = row
        while row < end and lines[row].strip():
            row += 1
        groups.append((first, row))
    return groups


def _is_signature_group(lines: list[str]) -> bool:
    plains = [_plain(line) for line in lines]
    if len(plains) > 4 or any(
        len(p) > 70 or "\t" in line or _BULLET.match(line) for p, line in zip(plains, lines, strict=True)
    ):
        return False
    if any(p.endswith((".", ":", ";", ",")) and not _STED_DATO.match(p) for p in plains):
        return False
    return any(_ROLE_WORDS.search(p) or _STED_DATO.match(p) or _PLACE_DATE.match(p) for p in plains)


def _find_signature_block(lines: list[str], *, start: int) -> tuple[int | None, int]:
    """The last run of signature-like groups; only a list of vedlegg may follow it."""
    groups = _groups(lines, start, len(lines))
    last = None
    for index in range(len(groups) - 1, -1, -1):
        first, end = groups[index]
        if _is_signature_group(lines[first:end]):
            last = index
            break
    if last is None:
        return None, len(lines)
    after = groups[last + 1 :]
    if after and not re.match(r"^vedlegg", _plain(lines[after[0][0]]), re.IGNORECASE):
        return None, len(lines)
    first_index = last
    while first_index > 0 and _is_signature_group(lines[groups[first_index - 1][0] : groups[first_index - 1][1]]):
        first_index -= 1
    return groups[first_index][0], groups[last][1]


def _read_signatories(lines: list[str]) -> list[Signatory]:
    """Signatories in order; "Sted/dato" slots and "Randaberg 11/02 2020" lines are matched to them in order."""
    signatories: list[Signatory] = []
    slots: list[tuple[str, datetime.date | None] | None] = []  # None = an open slot waiting for its value
    for first, end in _groups(lines, 0, len(lines)):
        names: list[str] = []
        current: Signatory | None = None
        for line in (_plain(line) for line in lines[first:end]):
            sted = _STED_DATO.match(line)
            place_date = _PLACE_DATE.match(line)
            if sted:
                rest = sted.group("rest").strip(" _:")
                value = _PLACE_DATE.match(rest) if rest else None
                slots.append(_place_date(value) if value else (("", None) if "_" in sted.group("rest") else None))
            elif place_date:
                if slots and slots[-1] is None:
                    slots[-1] = _place_date(place_date)
                else:
                    slots.append(_place_date(place_date))
            elif current is None and (_ROLE_WORDS.search(line) or _TITLE_IN_PLACE.match(line)):
                current = _signatory_from_title(line)
                current.name = " ".join(names)
                signatories.append(current)
            elif current is not None and not current.party and _party_mentions(line, "signature"):
                current.party = line
            elif current is None:
                names.append(line)
    for signatory, slot in zip(signatories, slots, strict=False):
        if slot:
            signatory.place, signatory.date = slot
    return signatories


def _place_date(match: re.Match) -> tuple[str, datetime.date | None]:
    return (match.group("place") or "").strip(" ,"), _parse_date(match)


def _signatory_from_title(line: str) -> Signatory:
    in_place = _TITLE_IN_PLACE.match(line)
    if in_place:
        role = in_place.group("role").lower()
        suffix = (
            "lensmannsdistrikt"
            if role.startswith("lensmann")
            else ("politidistrikt" if role.startswith("politim") else "kommune")
        )
        implied = f"{in_place.group('place')} {suffix}"
        return Signatory(title=line, party=implied if suffix == "kommune" else "", implied_party=implied)
    mentions = _party_mentions(line, "signature")
    if mentions:
        party = mentions[-1].text
        return Signatory(title=line.replace(party, "").strip(" ,–-"), party=party)
    return Signatory(title=line)


# --- Section bodies ----------------------------------------------------------------------------------


def _section(heading_line: str, body: list[str], subheadings: set[str], subheadings_from_text: bool) -> ParsedSection:
    plain = _plain(heading_line)
    numbered = _NUMBERED_HEADING.match(plain)
    number = int(numbered.group("number")) if numbered else None
    heading = numbered.group("text").strip() if numbered else plain
    return ParsedSection(
        heading=heading, html=clean_html(_blocks_to_html(body, subheadings, subheadings_from_text)), number=number
    )


def _inline(text: str) -> str:
    """Escape, then turn Word's **bold** and <i>…</i> markers into strong/em and e-mail addresses into links."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"&lt;(i|em)&gt;(.*?)&lt;/\1&gt;", r"<em>\2</em>", escaped, flags=re.IGNORECASE | re.DOTALL)
    escaped = re.sub(r"&lt;(b|strong)&gt;(.*?)&lt;/\1&gt;", r"<strong>\2</strong>", escaped, flags=re.I | re.S)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped, flags=re.DOTALL)
    escaped = re.sub(r"\*\*|&lt;/?(?:i|b|em|strong)&gt;", "", escaped, flags=re.IGNORECASE)
    escaped = _EMAIL.sub(r'<a href="mailto:\1">\1</a>', escaped)
    return escaped.replace("\n", "<br>")


@dataclass
class _Item:
    kind: str  # "ul" or "ol"
    level: int
    number: int | None
    text: str
    children: list["_Item"] = field(default_factory=list)


def _list_item(line: str) -> _Item | None:
    bullet = _BULLET.match(line)
    if bullet and bullet.group("text").strip():
        markers = bullet.group("markers").split()
        level = 1 if bullet.group("indent") or markers == ["o"] else 0
        return _Item("ul", level, None, bullet.group("text").strip())
    numbered = _NUMBERED.match(line)
    if numbered:
        level = 1 if line[:1].isspace() else 0
        return _Item("ol", level, int(numbered.group("number")), numbered.group("text").strip())
    return None


def _blocks_to_html(lines: list[str], subheadings: set[str], subheadings_from_text: bool) -> str:
    """Paragraphs (lines without a blank between them are joined with <br>), lists and tables."""
    out: list[str] = []
    row = 0
    while row < len(lines):
        line = lines[row]
        if not line.strip():
            row += 1
            continue
        if "\t" in line:
            table_rows = []
            while row < len(lines) and "\t" in lines[row]:
                table_rows.append([cell.strip() for cell in lines[row].strip().split("\t")])
                row += 1
            out.append(_table(table_rows))
            continue
        if _list_item(line):
            items: list[_Item] = []
            while row < len(lines):
                item = _list_item(lines[row]) if lines[row].strip() else None
                if item is not None:
                    if item.level and items:
                        items[-1].children.append(item)
                    elif items and item.kind != items[-1].kind:
                        break
                    else:
                        item.level = 0
                        items.append(item)
                    row += 1
                elif lines[row].strip() and "\t" not in lines[row]:
                    # A line continuing the previous item (no blank line in between).
                    if lines[row - 1].strip():
                        target = items[-1].children[-1] if items[-1].children else items[-1]
                        target.text += "\n" + lines[row].strip()
                        row += 1
                    else:
                        break
                else:
                    following = _next_nonblank(lines, row - 1) if not lines[row].strip() else None
                    if following is not None and _list_item(lines[following]) and _same_list(items, lines[following]):
                        row = following
                        continue
                    break
            out.append(_list_html(items))
            continue
        paragraph = []
        while (
            row < len(lines)
            and lines[row].strip()
            and "\t" not in lines[row]
            and not (paragraph and _list_item(lines[row]))
        ):
            paragraph.append(lines[row].strip())
            row += 1
        text = "\n".join(paragraph)
        if len(paragraph) == 1 and (
            _norm(text) in subheadings or (subheadings_from_text and _is_heading_like(lines, row - 1))
        ):
            out.append(f"<p><strong>{_inline(_strip_inline_markers(text))}</strong></p>")
        else:
            out.append(f"<p>{_inline(text)}</p>")
    return "".join(out)


def _same_list(items: list[_Item], line: str) -> bool:
    item = _list_item(line)
    if item is None or not items:
        return False
    if item.kind == "ol" and items[-1].kind == "ol" and not item.level:
        return item.number == (items[-1].number or 0) + 1
    return item.kind == items[-1].kind or bool(item.level)


def _list_html(items: list[_Item]) -> str:
    html_parts = []
    for kind, run in _runs(items):
        if kind == "p":
            html_parts.append(f"<p>{run[0].number}. {_inline(run[0].text)}</p>")
            continue
        inner = "".join(f"<li>{_inline(item.text)}{_list_html(item.children)}</li>" for item in run)
        html_parts.append(f"<{kind}>{inner}</{kind}>")
    return "".join(html_parts)


def _runs(items: list[_Item]):
    """Split items into lists; numbered items that do not count 1, 2, 3 … keep their numbers as text."""
    run: list[_Item] = []
    for item in items:
        if item.kind == "ol" and item.number != len(run) + 1:
            if run:
                yield "ol", run
                run = []
            if item.number != 1:
                yield "p", [item]
                continue
        run.append(item)
    if run:
        yield run[0].kind, run


def _table(rows: list[list[str]]) -> str:
    header = len(rows) > 1 and "@" not in "".join(rows[0]) and any("@" in "".join(r) for r in rows[1:])
    parts = ["<table>"]
    if header:
        parts.append("<thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in rows[0]) + "</tr></thead>")
        rows = rows[1:]
    parts.append("<tbody>")
    for cells in rows:
        parts.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


# --- Parties (database) ------------------------------------------------------------------------------


@dataclass
class ResolvedParties:
    """The parties the text names, found in the database; `unresolved` are names that matched nothing."""

    police: Party | None = None
    kommuner: list[Kommune] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def resolve_parties(parsed: ParsedAgreement) -> ResolvedParties:
    """Kommune by name ("Moss kommune"), Politidistrikt by name or short name, PoliceUnit by name.

    The police party is the most specific one named: a police unit (e.g. "Moss politistasjonsdistrikt" from
    the signature block) before the district in the title. A kommune name shared by two kommuner (Herøy)
    is taken only where the police district tells them apart.
    """
    result = ResolvedParties()
    districts, units, kommune_names = [], [], []
    for mention in parsed.parties:
        names = _spellings(mention.text)
        if mention.kind == "kommune":
            kommune_names.append(mention.text)
        elif mention.kind == "politidistrikt":
            query = _any_name(names)
            for name in names:
                query |= Q(short_name__iexact=re.sub(r"\s+politidistrikt$", "", name, flags=re.IGNORECASE))
            found = Politidistrikt.objects.filter(query).first()
            (districts.append(found) if found else result.unresolved.append(mention.text))
        else:
            found = PoliceUnit.objects.filter(_any_name(names)).first()
            (units.append(found) if found else result.unresolved.append(mention.text))
    district_ids = {d.pk for d in districts} | {u.district_id for u in units}
    units = [u for u in units if not districts or u.district_id in {d.pk for d in districts}] or units
    result.police = units[0] if units else (districts[0] if districts else None)
    for name in kommune_names:
        matches = list(Kommune.objects.filter(_any_name(_spellings(name))))
        if len(matches) > 1 and district_ids:
            matches = [k for k in matches if k.district_id in district_ids]
        if len(matches) == 1:
            result.kommuner.append(matches[0])
        else:
            result.unresolved.append(name)
    return result


def _spellings(name: str) -> list[str]:
    """The name, and for "Luster og Sogn lensmannsdistrikt" (two parties run together) the last one."""
    return [name, name.rsplit(" og ", 1)[1]] if " og " in name else [name]


def _any_name(names: list[str]) -> Q:
    query = Q()
    for name in names:
        query |= Q(name__iexact=name) | Q(name_nn__iexact=name)
    return query


# --- Creating the agreement --------------------------------------------------------------------------


class MissingParties(Exception):
    """The text does not name (resolvable) parties and the caller gave none."""

    def __init__(self, *, police: bool, kommuner: bool):
        super().__init__(f"missing police={police} kommuner={kommuner}")
        self.police = police
        self.kommuner = kommuner


def _heading_key(heading: str) -> str:
    return _norm(re.sub(r"\(.*?\)", "", heading))


def _heading_similarity(a: str, b: str) -> float:
    a, b = _heading_key(a), _heading_key(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if a.startswith(b) or b.startswith(a):
        return 0.9
    return difflib.SequenceMatcher(a=a, b=b).ratio()


def agreement_import(
    parsed: ParsedAgreement, *, created_by, police_party=None, kommuner=None, resolved: ResolvedParties | None = None,
    invite=(),
):  # fmt: skip
    """Create a draft agreement from a parsed one; parties given here override those the text names.
    The kommuner in `invite` are invited (see agreement_create) instead of taking part at once.

    How imported sections map onto the template: the agreement is created with ``agreement_create`` from the
    police district's template (else the national one), so it gets the frame's owners, structured parts
    and the parties' permissions like any other agreement. Each imported section then goes into the
    template section whose heading is most alike (same words once numbering and parentheses are dropped,
    one a prefix of the other — "Organiseringa til politiet i Sogn lensmannsdistrikt" — or a string
    similarity of at least 0.8): that section takes the imported heading and the imported text as its
    local text, and its box (standard text) is emptied, because the imported text is the whole section as
    the parties wrote it, box text included; today's box above it would show text twice or words the old
    agreement never had. An imported section without a match becomes a local section (owner: felles).
    Sections are ordered as in the document; template sections nothing matched stay, with their box, as
    frames after their predecessor in the template: an imported agreement is the draft of the next
    revision, and those are the district's current parts the parties are expected to fill.
    Every imported text is recorded as a revision by `created_by`. Title, signing date, signatories and the
    preamble (text between the title and the first heading, e.g. Moss's note on boxed text) are not stored:
    the title is generated from the parties, boxes are explicit here, and the revised draft is signed anew.
    Queries do not grow with the number of sections (bulk writes).
    """
    resolved = resolved or resolve_parties(parsed)
    police_party = police_party or resolved.police
    invite = list(invite)
    kommuner = list(kommuner or []) if kommuner or invite else resolved.kommuner
    if police_party is None or not (kommuner or invite):
        raise MissingParties(police=police_party is None, kommuner=not (kommuner or invite))

    with transaction.atomic():
        agreement = agreement_create(
            police_party=police_party, kommuner=kommuner, invite=invite, created_by=created_by,
            malform=parsed.malform, period_start=parsed.period_start, period_end=parsed.period_end,
        )  # fmt: skip
        frame = list(agreement.sections.order_by("order", "pk"))
        matched: set[int] = set()
        placed: list[AgreementSection] = []  # where each imported section went, in document order
        recorded: list[tuple[AgreementSection, str]] = []
        for imported in parsed.sections:
            candidates = [(_heading_similarity(imported.heading, s.heading), s) for s in frame if s.pk not in matched]
            score, target = max(candidates, key=lambda pair: pair[0], default=(0.0, None))
            if target is not None and score >= 0.8:
                matched.add(target.pk)
                target.heading, target.standard_text = imported.heading[:200], ""
                if imported.html:
                    target.local_text, target.version, target.updated_by = imported.html, target.version + 1, created_by
                    recorded.append((target, SectionRevision.Action.EDITED))
            else:
                target = AgreementSection(
                    agreement=agreement, order=0, heading=imported.heading[:200], owner=Owner.FELLES, is_local=True,
                    local_text=imported.html, updated_by=created_by,
                )  # fmt: skip
                recorded.append((target, SectionRevision.Action.ADDED))
            placed.append(target)
        # Template sections nothing matched go after the template section before them (and after the local
        # sections imported right behind that one, so the document's own runs stay together).
        anchor = None
        for section in frame:
            if section.pk not in matched:
                index = placed.index(anchor) + 1 if anchor else 0
                while anchor and index < len(placed) and placed[index].pk is None:
                    index += 1
                placed.insert(index, section)
            anchor = section
        for order, section in enumerate(placed, start=1):
            section.order = order
        AgreementSection.objects.bulk_create([s for s in placed if s.pk is None])
        AgreementSection.objects.bulk_update(
            frame, ["order", "heading", "standard_text", "local_text", "version", "updated_by"]
        )
        SectionRevision.objects.bulk_create(
            SectionRevision(
                agreement=agreement,
                section=s,
                version=s.version,
                action=action,
                heading=s.heading,
                text=s.local_text,
                created_by=created_by,
            )  # fmt: skip
            for s, action in recorded
        )
    return agreement
