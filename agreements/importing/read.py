"""Step 1, read: a file (.txt in any encoding, .docx, .odt, text .pdf) → blocks.

A block is one line of the document as the later steps see it: a line of text (inline **bold** and <i>italic</i>
markers kept), a blank (a paragraph break), a table row (cells) or a list item. Hints from the file's
formatting travel with it: a heading style's level, a whole-bold line, a table-of-contents style. Reading
removes only what is not text: Word's bookmark markers, non-breaking and zero-width spaces, page numbers and
page headers/footers repeated on the pages of a PDF (kept in `Document.set_aside`, so nothing vanishes
unseen), and hyphens a PDF put in to break a word across lines.
"""

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from agreements.importing.parsed import SetAside

CELL_BREAK = "\u2028"  # a line break inside a table cell (the row stays one block)

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*(?:(?:side|s\.)\s*)?\d{1,3}(?:\s*(?:av|/|of)\s*\d{1,3})?\s*$", re.IGNORECASE)
_TOC_TAB = re.compile(r"\t\s*\d{1,3}\s*$")
_TOC_DOTS = re.compile(r"(?:\.{3,}|\s{3,})\s*\d{1,3}\s*$")
_COLUMNS = re.compile(r"\S {3,}\S")
_TYPED_BULLET = re.compile(r"^\s*[-•·–*▪◦❖o]\s")


@dataclass
class Block:
    text: str = ""
    kind: str = "line"  # "line", "blank", "row", "item"
    cells: list[str] = field(default_factory=list)  # a row's cells (CELL_BREAK between lines of a cell)
    heading_level: int | None = None  # the file's heading style: 1 for Heading 1 / outline level 1 …
    bold: bool = False  # every word of the line is bold (or, in a PDF, set in a bold or larger font)
    toc: bool = False  # styled as a table-of-contents entry
    list_kind: str = ""  # for kind "item": "ul" or "ol"
    level: int = 0  # list nesting, 0 = top

    def to_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if value not in ("", None, False, [], 0)}

    @classmethod
    def from_dict(cls, data: dict) -> "Block":
        return cls(**data)

    @property
    def plain(self) -> str:
        if self.kind == "row":
            return " ".join(self.cells).replace(CELL_BREAK, " ")
        return self.text


@dataclass
class Document:
    blocks: list[Block]
    source_format: str = "txt"
    set_aside: list[SetAside] = field(default_factory=list)  # page furniture removed while reading

    def to_dict(self) -> dict:
        return {
            "source_format": self.source_format,
            "blocks": [b.to_dict() for b in self.blocks],
            "set_aside": [[s.reason, s.text] for s in self.set_aside],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        return cls(
            blocks=[Block.from_dict(b) for b in data["blocks"]],
            source_format=data.get("source_format", "txt"),
            set_aside=[SetAside(reason, text) for reason, text in data.get("set_aside", [])],
        )


FORMATS = (".txt", ".docx", ".odt", ".pdf")


def read(source: str | Path | bytes | IO, *, filename: str = "") -> Document:
    """Read a path, bytes or an uploaded file (give its `filename` for the format); text is read as .txt."""
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and len(source) < 1000 and source.lower().endswith(FORMATS)
    ):
        filename = str(source)
        data = Path(source).read_bytes()
    elif isinstance(source, str):
        return read_text(source)
    else:
        data = source if isinstance(source, bytes) else source.read()
    suffix = Path(filename).suffix.lower()
    if suffix == ".docx":
        return read_docx(io.BytesIO(data))
    if suffix == ".odt":
        return read_odt(io.BytesIO(data))
    if suffix == ".pdf":
        return read_pdf(io.BytesIO(data))
    return read_text(decode_text(data))


# --- .txt --------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or many NUL bytes), else Windows-1252, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data and data.count(b"\x00") > len(data) // 4:
        return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def clean_inline(text: str) -> str:
    """Text without Word artefacts: bookmarks, non-breaking, zero-width and soft hyphens, trailing spaces."""
    text = text.replace("\xa0", " ").replace("\u202f", " ").replace("\u200b", "").replace("\ufeff", "")
    text = text.replace("\u00ad", "")
    return _BOOKMARK.sub("", text).rstrip()


def read_text(text: str) -> Document:
    """Each line a block; blank lines and bare page numbers ("3", "Side 2 av 4") become blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\u2028", "\n")
    blocks, set_aside = [], []
    for raw in text.split("\n"):
        line = clean_inline(raw)
        if not line.strip():
            blocks.append(Block(kind="blank"))
        elif _PAGE_NUMBER.match(line):
            set_aside.append(SetAside("page", line.strip()))
            blocks.append(Block(kind="blank"))
        elif "\t" in line.strip() and not _TOC_TAB.search(line):
            blocks.append(Block(kind="row", cells=[c.strip() for c in line.strip().split("\t")]))
        elif _COLUMNS.search(line.strip()) and not _TOC_DOTS.search(line):
            # Columns laid out with spaces (a signature block side by side, a table exported as text).
            blocks.append(Block(kind="row", cells=re.split(r"\s{3,}", line.strip())))
        else:
            blocks.append(Block(text=line))
    return Document(blocks, "txt", set_aside)


# --- .docx -------------------------------------------------------------------------------------------


def _style_level(name: str) -> int:
    match = re.search(r"(\d+)\s*$", name)
    return int(match.group(1)) if match else 1


def _marked(parts: list[tuple[str, bool, bool]]) -> tuple[str, bool]:
    """Runs (text, bold, italic) as one line with **bold** and <i>italic</i> markers; and whether all is bold."""
    out, words_bold = [], []
    for text, bold, italic in parts:
        if not text.strip():
            out.append(text)
            continue
        words_bold.append(bold)
        if bold:
            out.append(f"**{text}**")
        elif italic:
            out.append(f"<i>{text}</i>")
        else:
            out.append(text)
    return "".join(out).replace("****", ""), bool(words_bold) and all(words_bold)


def _paragraph_lines(text: str, all_bold: bool) -> list[str]:
    """A paragraph's lines (manual line breaks split it), markers balanced on each line."""
    if "\n" not in text:
        return [text]
    lines = [line for line in text.split("\n")]
    if all_bold:
        return [f"**{re.sub(r'[*]{2}', '', line)}**" if line.strip() else line for line in lines]
    return lines


def _emit_paragraph(blocks: list[Block], text: str, *, bold=False, heading_level=None, toc=False, item=None):
    """Append a paragraph: a blank before it (unless it continues a list), then its lines."""
    text = clean_inline(text)
    if not text.strip():
        return
    if toc:
        text = re.sub(r"\t+", "\t", text.strip())
    elif _TOC_TAB.search(text):
        text = re.sub(r"\t+", "\t", text)
    else:
        text = text.replace("\t", " ")
    previous_item = blocks and blocks[-1].kind == "item"
    if not (item and previous_item):
        blocks.append(Block(kind="blank"))
    lines = _paragraph_lines(text, bold)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if item and index == 0:
            kind, level = item
            blocks.append(Block(text=line.strip(), kind="item", list_kind=kind, level=level))
        else:
            blocks.append(Block(text=line, bold=bold, heading_level=heading_level, toc=toc))


def _docx_run_parts(paragraph) -> list[tuple[str, bool, bool]]:
    from docx.text.hyperlink import Hyperlink

    style_font = paragraph.style.font if paragraph.style is not None else None
    style_bold = bool(style_font and style_font.bold)
    parts = []
    for item in paragraph.iter_inner_content():
        runs = item.runs if isinstance(item, Hyperlink) else [item]
        for run in runs:
            bold = run.bold if run.bold is not None else style_bold
            parts.append((run.text, bool(bold), bool(run.italic)))
    return parts


def _docx_cell_text(cell) -> str:
    from docx.table import Table

    lines = []
    for content in cell.iter_inner_content():
        if isinstance(content, Table):  # a table inside a cell: its text, row by row
            for row in content.rows:
                lines.append(" ".join(_docx_cell_text(c).replace(CELL_BREAK, " ") for c in row.cells))
            continue
        text, _ = _marked(_docx_run_parts(content))
        text = clean_inline(text).replace("\t", " ").strip()
        lines += [line.strip() for line in text.split("\n") if line.strip()]
    return CELL_BREAK.join(lines)


def read_docx(file) -> Document:
    """Paragraphs and tables in document order (python-docx's `iter_inner_content`), styles as hints."""
    import docx
    from docx.table import Table

    document = docx.Document(file)
    blocks: list[Block] = []
    bullet_indent = None  # the left indent of the first typed bullet of a list: further in is one level down
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(Block(kind="blank"))
            for row in item.rows:
                cells, grid = [], row.cells
                column = 0
                while column < len(grid):  # a merged cell repeats for each grid column it spans
                    cells.append(_docx_cell_text(grid[column]))
                    column += max(1, grid[column].grid_span)
                if any(c.strip() for c in cells):
                    blocks.append(Block(kind="row", cells=cells))
            continue
        style = (item.style.name if item.style is not None else "") or ""
        lowered = style.lower()
        text, bold = _marked(_docx_run_parts(item))
        if lowered.startswith(("heading", "overskrift")):
            level = _style_level(style)
            _emit_paragraph(blocks, re.sub(r"\*\*|</?i>", "", text), heading_level=level)
        elif lowered == "title" or lowered == "tittel":
            _emit_paragraph(blocks, re.sub(r"\*\*|</?i>", "", text), bold=True)
        elif lowered.startswith(("toc", "innhold")):
            _emit_paragraph(blocks, text, toc=True)
        elif "list number" in lowered or "nummerert" in lowered:
            _emit_paragraph(blocks, text, item=("ol", _style_level(style) - 1))
        elif "list" in lowered or "punkt" in lowered:
            level = _style_level(style) - 1 if re.search(r"\d\s*$", style) else 0
            _emit_paragraph(blocks, text, item=("ul", level))
        else:
            if _TYPED_BULLET.match(text):
                indent = item.paragraph_format.left_indent or 0
                bullet_indent = indent if bullet_indent is None else bullet_indent
                if indent > bullet_indent + 38100:  # 3 pt in EMU
                    text = "  " + text.lstrip()
            else:
                bullet_indent = None
            _emit_paragraph(blocks, text, bold=bold)
    return Document(blocks, "docx")


# --- .odt --------------------------------------------------------------------------------------------


def read_odt(file) -> Document:
    """text:h (outline level as heading level), text:p, text:list, table:table, in document order (odfpy)."""
    from odf.opendocument import load

    document = load(file)
    bold_styles = _odt_bold_styles(document)
    blocks: list[Block] = []

    def walk(node, list_level: int = -1):
        for child in node.childNodes:
            name = getattr(child, "qname", None)
            if not name:
                continue
            tag = name[1]
            if tag == "h":
                level = int(child.getAttribute("outlinelevel") or 1)
                text, _ = _marked(_odt_parts(child, bold_styles, False))
                _emit_paragraph(blocks, re.sub(r"\*\*|</?i>", "", text), heading_level=level)
            elif tag == "p":
                style = child.getAttribute("stylename") or ""
                text, bold = _marked(_odt_parts(child, bold_styles, style in bold_styles))
                if list_level >= 0:
                    _emit_paragraph(blocks, text, item=("ul", list_level))
                else:
                    _emit_paragraph(blocks, text, bold=bold, toc=style.lower().startswith(("contents", "toc")))
            elif tag == "list":
                walk(child, list_level + 1)
            elif tag == "list-item" or tag == "list-header":
                walk(child, list_level)
            elif tag == "table":
                blocks.append(Block(kind="blank"))
                for row in _odt_rows(child):
                    cells = []
                    for cell in row:
                        lines = []
                        for paragraph in _odt_descendants(cell, "p"):
                            text, _ = _marked(_odt_parts(paragraph, bold_styles, False))
                            lines += [clean_inline(line).strip() for line in text.split("\n") if line.strip()]
                        cells.append(CELL_BREAK.join(lines))
                    if any(cells):
                        blocks.append(Block(kind="row", cells=cells))
            elif tag in ("section", "table-of-content", "index-body", "alphabetical-index", "user-index"):
                walk(child, list_level)
            elif tag == "index-title":
                walk(child, list_level)

    walk(document.text)
    return Document(blocks, "odt")


def _odt_bold_styles(document) -> set[str]:
    from odf.namespaces import FONS, STYLENS

    bold, parents = set(), {}
    for container in (document.styles, document.automaticstyles):
        for style in container.childNodes:
            if getattr(style, "qname", (None, None))[1] != "style":
                continue
            name = style.getAttribute("name")
            parents[name] = style.attributes.get((STYLENS, "parent-style-name"))
            for prop in style.childNodes:
                if getattr(prop, "qname", (None, None))[1] == "text-properties":
                    if prop.attributes.get((FONS, "font-weight")) in ("bold", "700", "800", "900"):
                        bold.add(name)
    for name, parent in parents.items():  # inherited
        while parent and name not in bold:
            if parent in bold:
                bold.add(name)
            parent = parents.get(parent)
    return bold


def _odt_parts(node, bold_styles: set[str], bold: bool) -> list[tuple[str, bool, bool]]:
    parts = []
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            parts.append((str(child.data), bold, False))
            continue
        tag = getattr(child, "qname", (None, ""))[1]
        if tag == "s":
            parts.append((" " * int(child.getAttribute("c") or 1), bold, False))
        elif tag == "tab":
            parts.append(("\t", bold, False))
        elif tag == "line-break":
            parts.append(("\n", bold, False))
        elif tag in ("span", "a"):
            span_bold = bold or (child.getAttribute("stylename") or "") in bold_styles if tag == "span" else bold
            parts += _odt_parts(child, bold_styles, span_bold)
        elif tag in ("bookmark", "bookmark-start", "bookmark-end", "soft-page-break", "note"):
            continue
        else:
            parts += _odt_parts(child, bold_styles, bold)
    return parts


def _odt_descendants(node, tag: str):
    for child in node.childNodes:
        if getattr(child, "qname", (None, ""))[1] == tag:
            yield child
        elif getattr(child, "childNodes", None):
            yield from _odt_descendants(child, tag)


def _odt_rows(table):
    for child in table.childNodes:
        tag = getattr(child, "qname", (None, ""))[1]
        if tag == "table-row":
            yield [c for c in child.childNodes if getattr(c, "qname", (None, ""))[1] == "table-cell"]
        elif tag in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _odt_rows(child)


# --- .pdf --------------------------------------------------------------------------------------------

_FURNITURE_DIGITS = re.compile(r"\d+")
_HYPHENS = ("\u2010", "\u00ad", "-")
_KEEP_HYPHEN_BEFORE = {"og", "eller", "til", "and", "samt"}


@dataclass
class _PdfLine:
    text: str
    top: float
    bottom: float
    size: float
    bold: bool
    x0: float
    page: int
    cells: list[str] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)  # x of each column's first word


def read_pdf(file) -> Document:
    """A text PDF (pdfplumber): lines rejoined into paragraphs by their spacing, words hyphenated across lines
    mended, page headers/footers repeated on the pages (and "Side 3 av 7") set aside, columns as table rows."""
    import pdfplumber

    pages: list[list[_PdfLine]] = []
    heights: list[float] = []
    with pdfplumber.open(file) as pdf:
        for number, page in enumerate(pdf.pages):
            words = page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False, use_text_flow=False)
            pages.append(_pdf_lines(words, number))
            heights.append(float(page.height))
    set_aside: list[SetAside] = []
    furniture = _pdf_furniture(pages, heights)
    lines = []
    for page_lines in pages:
        for line in page_lines:
            if id(line) in furniture:
                set_aside.append(SetAside("page", line.text))
            else:
                lines.append(line)
    body_size = Counter(round(line.size) for line in lines).most_common(1)[0][0] if lines else 0
    return Document(_pdf_blocks(lines, body_size), "pdf", set_aside)


def _pdf_lines(words: list[dict], page: int) -> list[_PdfLine]:
    """Words → lines; a line's columns are where its words leave a wide gap, or a gap at the x where the line
    above or below also starts a column (the columns of a table or a signature block side by side)."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= max(2.0, word["size"] * 0.3):
            rows[-1].append(word)
        else:
            rows.append([word])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    # Gaps wider than a stretched space: candidate column starts (the x of the word after the gap).
    candidates = [
        [a["x0"] for b, a in zip(row, row[1:], strict=False) if a["x0"] - b["x1"] > row[0]["size"] * 0.8]
        for row in rows
    ]
    lines = []
    for index, row in enumerate(rows):
        size = max(w["size"] for w in row)
        neighbours = [
            x
            for other in (index - 2, index - 1, index + 1, index + 2)
            if 0 <= other < len(rows)
            for x in candidates[other] + ([rows[other][0]["x0"]] if candidates[other] else [])
        ]
        cells, current = [], [row[0]["text"]]
        for before, after in zip(row, row[1:], strict=False):
            gap = after["x0"] - before["x1"]
            aligned = gap > size * 0.8 and any(abs(after["x0"] - x) < 2.5 for x in neighbours)
            if gap > size * 2.2 or aligned:  # the next column
                cells.append(" ".join(current))
                current = []
            current.append(after["text"])
        cells.append(" ".join(current))
        bold = all(re.search(r"bold|black|heavy|semibold", w["fontname"], re.I) for w in row)
        line = _PdfLine(
            text=" ".join(cells),
            top=min(w["top"] for w in row),
            bottom=max(w["bottom"] for w in row),
            size=size,
            bold=bold,
            x0=row[0]["x0"],
            page=page,
            cells=cells if len(cells) > 1 else [],
        )
        line.starts = [row[0]["x0"]] + [
            after["x0"]
            for before, after in zip(row, row[1:], strict=False)
            if after["x0"] - before["x1"] > size * 2.2
            or (after["x0"] - before["x1"] > size * 0.8 and any(abs(after["x0"] - x) < 2.5 for x in neighbours))
        ]
        lines.append(line)
    return _pdf_cell_continuations(lines)


def _pdf_cell_continuations(lines: list[_PdfLine]) -> list[_PdfLine]:
    """A line right below a table row that starts at one of its column starts continues that cell."""
    out: list[_PdfLine] = []
    for line in lines:
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.cells
            and not line.cells
            and line.top - previous.bottom < line.size * 0.5
            and any(abs(line.x0 - x) < 2.5 for x in previous.starts[1:])
        ):
            column = min(range(len(previous.starts)), key=lambda i: abs(previous.starts[i] - line.x0))
            previous.cells[column] = f"{previous.cells[column]} {line.text}".strip()
            previous.text = " ".join(previous.cells)
            previous.bottom = line.bottom
            continue
        out.append(line)
    return out


def _pdf_furniture(pages: list[list[_PdfLine]], heights: list[float]) -> set[int]:
    """Lines at the top or bottom of pages that repeat (digits aside) on several pages, and page numbers."""
    candidates: list[tuple[str, _PdfLine]] = []
    for page_lines, height in zip(pages, heights, strict=True):
        for line in page_lines:
            if line.top < height * 0.09 or line.bottom > height * 0.91:
                candidates.append((_FURNITURE_DIGITS.sub("#", line.text.lower()).strip(), line))
    counts = Counter(key for key, _ in candidates)
    repeated = 2 if len(pages) > 1 else 10**6
    return {id(line) for key, line in candidates if counts[key] >= repeated or _PAGE_NUMBER.match(line.text)}


_BULLET_START = re.compile(r"^\s*(?:[-•·–*▪◦❖]|o(?=\s))\s")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


def _pdf_join(text: str, line: str) -> str:
    """Join a line to the paragraph so far, mending a word hyphenated across the break."""
    if not text:
        return line
    first = line.split(" ", 1)[0]
    if text.endswith(_HYPHENS) and len(text) > 1 and text[-2].isalpha():
        stem = re.search(r"(\w+)[\u2010\u00ad-]$", text)
        stem_word = stem.group(1) if stem else ""
        if text.endswith(("\u2010", "\u00ad")):
            return text[:-1] + line
        if first.lower().strip(",.") in _KEEP_HYPHEN_BEFORE:
            return text + " " + line  # "rus- og kriminalitetsforebyggende"
        if first[:1].islower() and len(stem_word) > 2 and stem_word.islower() and not re.search(r"\d", stem_word):
            return text[:-1] + line  # a word broken by the writer's program
        return text + line  # "SLT-koordinator", "e-post": the hyphen belongs to the word
    return text + " " + line


def _pdf_blocks(lines: list[_PdfLine], body_size: float) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[_PdfLine] = []
    list_x0: list[float | None] = [None]

    def flush():
        if not paragraph:
            return
        text = ""
        for line in paragraph:
            text = _pdf_join(text, line.text)
        bold = all(line.bold for line in paragraph) or paragraph[0].size > body_size * 1.12
        if _BULLET_START.match(text):  # a list item: one level down when it starts further in than the first
            list_x0[0] = paragraph[0].x0 if list_x0[0] is None else list_x0[0]
            if paragraph[0].x0 > list_x0[0] + paragraph[0].size * 0.8:
                text = "  " + text
        else:
            list_x0[0] = None
        blocks.append(Block(kind="blank"))
        blocks.append(Block(text=clean_inline(text), bold=bold))
        paragraph.clear()

    previous: _PdfLine | None = None
    for line in lines:
        if line.cells:
            flush()
            if not (blocks and blocks[-1].kind == "row") or (previous and line.top - previous.bottom > line.size):
                blocks.append(Block(kind="blank"))
            blocks.append(Block(kind="row", cells=[clean_inline(c) for c in line.cells]))
            previous = line
            continue
        if previous is not None and paragraph:
            last = paragraph[-1]
            heading_like = line.bold != last.bold or abs(line.size - last.size) > 0.5
            if line.page != last.page:
                new = bool(_SENTENCE_END.search(last.text)) or not line.text[:1].islower() or heading_like
            else:
                gap = line.top - last.bottom
                new = gap > last.size * 0.5 or heading_like
            if (
                new
                or _BULLET_START.match(line.text)
                or abs(line.x0 - last.x0) > last.size * 1.5
                and not (_BULLET_START.match(paragraph[0].text) and line.x0 > paragraph[0].x0)
            ):
                flush()
        paragraph.append(line)
        previous = line
    flush()
    return blocks
