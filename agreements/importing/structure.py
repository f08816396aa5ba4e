"""Step 2, structure: blocks → title, table of contents, preamble, sections, signature block.

Headings, in this order of trust: the file's heading styles (the top level used; lower levels become
sub-headings inside a section); else the table of contents ("Innhold"/"Innhald"), each entry looked up in
the body tolerating numbering, dots and small spelling differences; else the text's own shapes:

- numbered headings — "1.", "1", "3.1", "§ 2", "Kapittel 2" — each numbering scheme counting up (1, 2, 3 …;
  3.1, 3.2 under 3), so numbered lists are not mistaken for them;
- otherwise short lines that stand alone (≤ 12 words, a capital letter first, no final full stop, followed by
  body text): after a blank line, or without one when the line is bold or ALL CAPS, or when the previous
  sentence ended; "Politiråd:" on its own line where the document uses that shape for its headings.

Text before the first heading (after the title block and the table of contents) becomes a preamble section.
Every line goes somewhere: a section, or set aside with a reason (title, toc, signatures).
"""

import difflib
import html
import re
from dataclasses import dataclass, field

from agreements.importing import recognise
from agreements.importing.read import CELL_BREAK, Block
from agreements.importing.text import BULLET, EMAIL, NUMBERED_ITEM, NUMBERING, norm, plain, strip_markers
from agreements.richtext import clean_html

_TOC_HEADER = re.compile(
    r"^(?:innhold|innhald|innholdsfortegnelse|innhaldsliste|innhaldsoversikt|innholdsliste|innhaldsregister)\s*:?$",
    re.IGNORECASE,
)
_TOC_ENTRY = re.compile(r"^(?P<title>\S.*?)(?:\s*\.{2,}\s*|\t+\s*|\s{2,})\.*\s*(?P<page>\d{1,3})\s*$")
_HEADING_TEXT = re.compile(r"^[A-ZÆØÅÉ«\"(]")


@dataclass
class Hint:
    heading_level: int | None = None
    bold: bool = False
    toc: bool = False


@dataclass
class Layout:
    lines: list[str]
    hints: list[Hint]
    title_rows: list[int] = field(default_factory=list)  # cover page, title, "inngått og signert …"
    toc_rows: list[int] = field(default_factory=list)
    toc: list[str] = field(default_factory=list)
    preamble_rows: list[int] = field(default_factory=list)
    heading_rows: list[int] = field(default_factory=list)
    subheading_rows: set[int] = field(default_factory=set)
    signature: tuple[int, int] | None = None
    sections: list[tuple[str, list[int]]] = field(default_factory=list)  # heading line, body rows

    def text(self, rows) -> str:
        return "\n".join(self.lines[row] for row in rows)


def lines_of(blocks: list[Block]) -> tuple[list[str], list[Hint]]:
    """The blocks as text lines (table rows tab-separated, list items with "- "/"1. " markers) and their hints."""
    lines, hints = [], []
    numbers: dict[int, int] = {}
    for block in blocks:
        if block.kind == "blank":
            lines.append("")
        elif block.kind == "row":
            cells = [c.replace("\t", " ") for c in block.cells] + ([""] if len(block.cells) == 1 else [])
            lines.append("\t".join(cells))
        elif block.kind == "item":
            if block.list_kind == "ol":
                numbers[block.level] = numbers.get(block.level, 0) + 1
                marker = f"{numbers[block.level]}."
            else:
                marker = "-"
            lines.append(" " * block.level + f"{marker} {block.text}")
        else:
            lines.append(block.text)
        if block.kind != "item":
            numbers.clear()
        hints.append(Hint(block.heading_level, block.bold, block.toc))
    return lines, hints


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


# --- Title block and table of contents -----------------------------------------------------------------


def _find_toc(lines: list[str], hints: list[Hint]) -> tuple[int | None, int, list[str], list[int]]:
    """(row of the TOC header, row after its last entry, entry titles, the TOC's rows)."""
    for index, line in enumerate(lines):
        header = _TOC_HEADER.match(plain(line))
        if not header and not hints[index].toc:
            continue
        entries, rows, end = [], [index] if header else [], index + 1
        for row in range(index if not header else index + 1, len(lines)):
            if not lines[row].strip():
                continue
            text = lines[row].strip() if "\t" in lines[row] else plain(lines[row])
            match = _TOC_ENTRY.match(text.replace("\t", "\t") if "\t" in text else text)
            if match:
                title = match.group("title")
            elif hints[row].toc and not _TOC_HEADER.match(plain(lines[row])):
                title = text
            else:
                break
            entries.append(re.sub(r"[.\s]+$", "", plain(title)).strip())
            rows.append(row)
            end = row + 1
        if entries:
            return (index if header else rows[0]), end, entries, rows
    return None, 0, [], []


def _title_block(lines: list[str], hints: list[Hint], end: int) -> tuple[list[int], list[int]]:
    """(title rows, cover rows before the title) among the first `end` rows."""
    title_row = next((i for i in range(end) if lines[i].strip() and recognise.is_title_start(plain(lines[i]))), None)
    if title_row is None:
        return [], []
    rows, previous = [title_row], plain(lines[title_row])
    for index in range(title_row + 1, end):
        if not lines[index].strip():
            continue
        current = plain(lines[index])
        if not recognise.continues_title(previous, current):
            break
        rows.append(index)
        previous = current
    cover = [i for i in range(title_row) if lines[i].strip() and len(plain(lines[i]).split()) <= 8]
    return rows, cover


# --- Headings ----------------------------------------------------------------------------------------


def _alike(a: str, b: str) -> bool:
    """Normalised headings that differ by a suffix ("Evaluerings") or a few letters."""
    prefix = len(min(a, b, key=len)) >= 5 and (a.startswith(b) or b.startswith(a))
    return prefix or difflib.SequenceMatcher(a=a, b=b).ratio() >= 0.85


def _match_headings(lines: list[str], wanted: list[str], *, start: int, skip: set[int]) -> list[int]:
    """The row of each wanted heading, in order, searching the body after `start`."""
    rows, cursor = [], start
    for title in wanted:
        target = norm(title)
        if not target:
            continue
        row = _find_row(lines, cursor, lambda n, target=target: n == target, skip)
        if row is None:
            row = _find_row(lines, cursor, lambda n, target=target: _alike(n, target), skip)
        if row is not None:
            rows.append(row)
            cursor = row + 1
    return rows


def _find_row(lines: list[str], start: int, accept, skip: set[int]) -> int | None:
    for row in range(start, len(lines)):
        line = lines[row]
        if row in skip or not line.strip() or BULLET.match(line) or "\t" in line:
            continue
        text = plain(line)
        if len(text) > 100 or text.endswith("."):
            continue
        if accept(norm(text)):
            return row
    return None


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _is_bold_line(line: str, hint: Hint) -> bool:
    stripped = line.strip()
    return hint.bold or (stripped.startswith("**") and stripped.endswith("**") and stripped.count("**") == 2)


def _body_follows(lines: list[str], row: int) -> bool:
    following = _next_nonblank(lines, row)
    if following is None:
        return False
    next_line = lines[following]
    next_plain = plain(next_line)
    return (
        len(next_plain) > 80
        or next_plain[-1] in ".:!?;,)"
        or bool(BULLET.match(next_line) or NUMBERED_ITEM.match(next_line))
        or "\t" in next_line
        or len(next_plain.split()) > 12
    )


def heading_shape(lines: list[str], hints: list[Hint], row: int) -> str | None:
    """ "strong" (bold or ALL CAPS), "plain" or "colon" when the line can be an unnumbered heading, else None."""
    line = lines[row]
    text = plain(line)
    if not text or "\t" in line or line[:1].isspace() or BULLET.match(line) or "@" in text:
        return None
    if len(text) > 90 or len(text.split()) > 12 or not _HEADING_TEXT.match(text):
        return None
    if recognise.looks_like_date_line(text) or recognise.signing_date(text) or recognise.is_signed_line(text):
        return None
    previous = _prev_nonblank(lines, row)
    previous_text = plain(lines[previous]) if previous is not None else ""
    blank_before = row == 0 or not lines[row - 1].strip()
    if previous is not None and previous_text.endswith(":") and not _is_bold_line(line, hints[row]):
        return None  # a list's or a table's lead-in
    strong = _is_bold_line(line, hints[row]) or _is_caps(text)
    if text.endswith(":"):
        colon_ok = len(text.split()) <= 5 and (blank_before or previous_text.endswith((".", "!", "?")))
        following = _next_nonblank(lines, row)
        body = following is not None and not (
            BULLET.match(lines[following]) or NUMBERED_ITEM.match(lines[following]) or "\t" in lines[following]
        )
        return "colon" if colon_ok and body else None
    if text[-1] in ".;,!?" or re.search(r":\s*\d", text):  # "Avtaleperiode: 2025–2026" is a field, not a heading
        return None
    if not _body_follows(lines, row):
        return None
    after_item = previous is not None and bool(BULLET.match(lines[previous]) or NUMBERED_ITEM.match(lines[previous]))
    if strong and (
        blank_before or previous is None or after_item or _is_caps(text) or previous_text.endswith((".", "!", "?", ":"))
    ):
        return "strong"
    if blank_before:
        return "plain"
    if previous_text.endswith((".", "!", "?")) and len(text.split()) <= 6 and not NUMBERED_ITEM.match(line):
        following = _next_nonblank(lines, row)
        return "plain" if following == row + 1 else None
    return None


def _numbered_candidate(lines: list[str], row: int) -> re.Match | None:
    text = plain(lines[row])
    match = NUMBERING.match(text)
    if not match or lines[row][:1].isspace() or "\t" in lines[row]:
        return None
    rest = text[match.end() :]
    if len(text) > 100 or text[-1] in ".;,!?" or not _HEADING_TEXT.match(rest) or len(rest.split()) > 14:
        return None
    if text.endswith(":") and len(rest.split()) > 5:
        return None
    return match


def _numbered_headings(lines: list[str], start: int, end: int) -> list[int]:
    """Rows whose numbering counts up within its scheme: 1, 2, 3 …; 3.1, 3.2 under 3; § 1, § 2 …"""
    rows: list[int] = []
    last: dict[str, int] = {}
    last_sub: dict[tuple[str, int], int] = {}
    for row in range(start, end):
        match = _numbered_candidate(lines, row)
        if not match:
            continue
        scheme = re.sub(r"\W", "", (match.group("prefix") or "").lower()) or "§" * (
            "§" in (match.group("prefix") or "")
        )
        following = _numbered_candidate(lines, row + 1) if row + 1 < end else None
        if (
            following
            and following.group("top") == str(int(match.group("top")) + 1)
            and not following.group("sub")
            and (following.group("prefix") or "").lower() == (match.group("prefix") or "").lower()
        ):
            continue  # "1. Januar: …" right above "2. Juni: …": the items of a list, not headings
        top, sub = int(match.group("top")), match.group("sub")
        previous = _prev_nonblank(lines, row)
        item = NUMBERED_ITEM.match(lines[previous]) if previous is not None and previous not in rows else None
        if sub is None:
            if top != last.get(scheme, 0) + 1:
                continue
            if item and int(item.group("number")) == top - 1 and not scheme:
                continue  # an item of a numbered list
            last[scheme] = top
        else:
            key = (scheme, top)
            if last.get(scheme) != top or int(sub) != last_sub.get(key, 0) + 1 or match.group("subsub"):
                continue
            last_sub[key] = int(sub)
        rows.append(row)
    return rows


def _heuristic_headings(lines: list[str], hints: list[Hint], start: int, end: int, skip: set[int]) -> list[int]:
    numbered = [r for r in _numbered_headings(lines, start, end) if r not in skip]
    if len(numbered) >= 2:  # text before the first numbered heading is the preamble
        return numbered
    shapes = {row: heading_shape(lines, hints, row) for row in range(start, end) if row not in skip}
    rows = [row for row, shape in shapes.items() if shape in ("strong", "plain")]
    colon = [row for row, shape in shapes.items() if shape == "colon"]
    if len(colon) >= 2 and len(colon) >= len(rows):
        rows = sorted(rows + colon)
    return rows + numbered if not rows else rows


def _style_headings(lines: list[str], hints: list[Hint], skip: set[int]) -> tuple[list[int], set[int]]:
    levels = [
        (row, hint.heading_level)
        for row, hint in enumerate(hints)
        if hint.heading_level and row not in skip and lines[row].strip() and not _TOC_HEADER.match(plain(lines[row]))
    ]
    if not levels:
        return [], set()
    top = min(level for _, level in levels)
    return [row for row, level in levels if level == top], {row for row, level in levels if level > top}


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


def _find_signature_block(lines: list[str], *, start: int) -> tuple[int | None, int]:
    """The last run of signature-like groups; only a list of vedlegg may follow it."""
    groups = _groups(lines, start, len(lines))
    last = None
    for index in range(len(groups) - 1, -1, -1):
        first, end = groups[index]
        if recognise.is_signature_group(lines[first:end]):
            last = index
            break
    if last is None:
        return None, len(lines)
    after = groups[last + 1 :]
    if after and not re.match(r"^vedlegg", plain(lines[after[0][0]]), re.IGNORECASE):
        return None, len(lines)
    first_index = last
    while first_index > 0 and recognise.is_signature_group(
        lines[groups[first_index - 1][0] : groups[first_index - 1][1]], following=True
    ):
        first_index -= 1
    return groups[first_index][0], groups[last][1]


# --- The layout ----------------------------------------------------------------------------------------


def layout(blocks: list[Block]) -> Layout:
    lines, hints = lines_of(blocks)
    result = Layout(lines, hints)
    toc_start, toc_end, result.toc, result.toc_rows = _find_toc(lines, hints)
    toc_set = set(result.toc_rows)

    # The title block: before the table of contents when there is one, else before the first heading.
    search_end = toc_start if toc_start is not None else len(lines)
    result.title_rows, cover = _title_block(lines, hints, search_end)
    front_end = max(result.title_rows, default=-1) + 1
    signed = recognise.signed_line_after(lines, front_end, search_end)
    if signed is not None:
        result.title_rows.append(signed)
        front_end = signed + 1
    result.title_rows = sorted(set(result.title_rows) | set(cover))
    taken = set(result.title_rows) | toc_set

    style_rows, subheadings = _style_headings(lines, hints, taken)
    style_rows = [r for r in style_rows if not recognise.is_title_start(plain(lines[r]))]
    if style_rows:
        heading_rows = style_rows
        result.subheading_rows = subheadings
    elif result.toc:
        heading_rows = _match_headings(lines, result.toc, start=toc_end, skip=taken)
    else:
        heading_rows = _heuristic_headings(lines, hints, front_end, len(lines), taken)
    heading_rows = sorted(set(heading_rows) - taken)
    body_start = heading_rows[0] if heading_rows else len(lines)

    # The signature block ends the last section; only a list of vedlegg may follow it (as text, or as a
    # section of its own when the document marks "Vedlegg" as a heading).
    sig_start, sig_end = _find_signature_block(lines, start=(heading_rows[-1] + 1) if heading_rows else body_start)
    tail_is_section = False
    if sig_start is None and len(heading_rows) > 1 and re.match(r"vedlegg", plain(lines[heading_rows[-1]]), re.I):
        sig_start, sig_end = _find_signature_block(lines[: heading_rows[-1]], start=heading_rows[-2] + 1)
        sig_end = sig_end if sig_start is not None else len(lines)
        tail_is_section = sig_start is not None
    if sig_start is None and not heading_rows:  # no headings: the signatures may still close the text
        sig_start, sig_end = _find_signature_block(lines, start=front_end)
    if sig_start is not None:
        result.signature = (sig_start, sig_end)
    sig_rows = set(range(sig_start, sig_end)) if sig_start is not None else set()

    result.preamble_rows = [
        r for r in range(0, body_start) if r not in taken and r not in sig_rows and lines[r].strip()
    ]
    result.heading_rows = heading_rows
    for index, row in enumerate(heading_rows):
        end = heading_rows[index + 1] if index + 1 < len(heading_rows) else len(lines)
        if sig_start is not None and row < sig_start < end:
            end = sig_start
        body = [r for r in range(row + 1, end) if r not in sig_rows and r not in taken]
        result.sections.append((lines[row], body))
    if sig_start is not None and not tail_is_section:
        trailing = [r for r in range(sig_end, len(lines)) if r not in taken and lines[r].strip()]
        if trailing:
            heading = lines[trailing[0]]
            result.sections.append((heading, trailing[1:]))
    return result


# --- Section bodies ----------------------------------------------------------------------------------


def section_parts(heading_line: str) -> tuple[str, str, int | None]:
    """(heading, numbering, number) of a heading line: ("Politiråd", "3.1", None), ("Formål", "1.", 1)."""
    text = plain(heading_line)
    match = NUMBERING.match(text)
    numbering, heading = (text[: match.end()].strip(), text[match.end() :].strip()) if match else ("", text)
    if not heading:
        numbering, heading = "", text
    if heading.endswith(":"):
        heading = heading[:-1].rstrip()
    number = int(match.group("top")) if match and not match.group("sub") and heading != text else None
    return heading, numbering, number


def body_html(result: Layout, rows: list[int]) -> str:
    lines = [result.lines[r] if r in rows else "" for r in range(min(rows, default=0), max(rows, default=-1) + 1)]
    subheadings = {r - min(rows) for r in result.subheading_rows if r in rows} if rows else set()
    hints = result.hints[min(rows) : max(rows) + 1] if rows else []
    return clean_html(_blocks_to_html(lines, hints, subheadings))


def _inline(text: str) -> str:
    """Escape, then turn Word's **bold** and <i>…</i> markers into strong/em and e-mail addresses into links."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"&lt;(i|em)&gt;(.*?)&lt;/\1&gt;", r"<em>\2</em>", escaped, flags=re.IGNORECASE | re.DOTALL)
    escaped = re.sub(r"&lt;(b|strong)&gt;(.*?)&lt;/\1&gt;", r"<strong>\2</strong>", escaped, flags=re.I | re.S)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped, flags=re.DOTALL)
    escaped = re.sub(r"\*\*|&lt;/?(?:i|b|em|strong)&gt;", "", escaped, flags=re.IGNORECASE)
    escaped = EMAIL.sub(r'<a href="mailto:\1">\1</a>', escaped)
    return escaped.replace("\n", "<br>").replace(CELL_BREAK, "<br>")


@dataclass
class _Item:
    kind: str  # "ul" or "ol"
    level: int
    number: int | None
    text: str
    children: list["_Item"] = field(default_factory=list)


def _list_item(line: str) -> _Item | None:
    bullet = BULLET.match(line)
    if bullet and bullet.group("text").strip():
        markers = bullet.group("markers").split()
        level = 1 if bullet.group("indent") or markers == ["o"] else 0
        return _Item("ul", level, None, bullet.group("text").strip())
    numbered = NUMBERED_ITEM.match(line)
    if numbered:
        level = 1 if line[:1].isspace() else 0
        return _Item("ol", level, int(numbered.group("number")), numbered.group("text").strip())
    return None


def _is_subheading(lines: list[str], hints: list, row: int) -> bool:
    return heading_shape(lines, hints, row) in ("strong", "plain")


def _blocks_to_html(lines: list[str], hints: list, subheadings: set[int]) -> str:
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
                table_rows.append([cell.strip() for cell in lines[row].strip("\n").split("\t")])
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
                    if lines[row - 1].strip() and row not in subheadings:
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
        if row in subheadings:
            out.append(f"<p><strong>{_inline(strip_markers(line.strip()))}</strong></p>")
            row += 1
            continue
        paragraph = []
        while (
            row < len(lines)
            and lines[row].strip()
            and "\t" not in lines[row]
            and not (paragraph and (_list_item(lines[row]) or row in subheadings))
        ):
            paragraph.append(lines[row].strip())
            row += 1
        text = _join_wrapped(paragraph)
        if len(paragraph) == 1 and _is_subheading(lines, hints, row - 1):
            out.append(f"<p><strong>{_inline(strip_markers(text))}</strong></p>")
        else:
            out.append(f"<p>{_inline(text)}</p>")
    return "".join(out)


def _join_wrapped(lines: list[str]) -> str:
    """A paragraph's lines: a long line broken mid-sentence (a text wrapped by hand or by its program) joins the
    next with a space; other line breaks stay."""
    text = lines[0] if lines else ""
    for before, line in zip(lines, lines[1:], strict=False):
        wrapped = len(plain(before)) >= 50 and (line[:1].islower() or not re.search(r"[.:!?;]\**$", before))
        text += (" " if wrapped else "\n") + line
    return text


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
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if width == 2 and all(not r[1] for r in rows):
        rows = [[r[0]] for r in rows]
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
