"""The allow-listed HTML subset of agreement texts: sanitising, plain-text fallback, and readable diffs."""

import difflib
import html
import re
from dataclasses import dataclass

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_BLOCK_END = re.compile(r"</(p|li|tr|h\d)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_EMPTY_PARAGRAPH = re.compile(r"<p>(\s|&nbsp;|<br>)*</p>")


def clean_html(value: str) -> str:
    """Sanitise user HTML to the allowed subset; plain text (the no-JS textarea) becomes paragraphs and lists."""
    value = (value or "").strip()
    if not value:
        return ""
    if not nh3.is_html(value):
        value = plain_text_to_html(value)
    value = nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
    )
    return _EMPTY_PARAGRAPH.sub("", value).strip()


def plain_text_to_html(text: str) -> str:
    """Blank-line separated paragraphs; lines starting with "- " or "* " become a bullet list."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(re.match(r"^[-*•]\s+", line) for line in lines):
            items = "".join(f"<li>{html.escape(re.sub(r'^[-*•]\s+', '', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append("<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>")
    return "".join(blocks)


def editable_plain_text(value: str) -> str | None:
    """The text as plain paragraphs and "- " lists for the no-JS textarea, if that round-trips losslessly
    through clean_html (no bold, links, numbered lists...); else None and the textarea shows the HTML."""
    blocks = []
    for match in re.finditer(r"<p>(.*?)</p>|<ul>(.*?)</ul>", value or "", re.DOTALL):
        paragraph, items = match.groups()
        if paragraph is not None:
            blocks.append(html.unescape(re.sub(r"<br\s*/?>", "\n", paragraph)))
        else:
            blocks.append("\n".join("- " + html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", items)))
    plain = "\n\n".join(blocks)
    return plain if clean_html(plain) == clean_html(value) else None


def html_to_text(value: str) -> str:
    """Readable text of stored HTML, one block (paragraph, list item) per line."""
    text = _BLOCK_END.sub("\n", value or "")
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal", "insert", "delete"
    text: str


def text_diff(old_html: str, new_html: str) -> list[DiffPart]:
    """A word-level diff of two texts, as parts to render with <ins>/<del>; line breaks are kept as words."""
    old = re.findall(r"\n|[^\s]+", html_to_text(old_html))
    new = re.findall(r"\n|[^\s]+", html_to_text(new_html))
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(DiffPart("equal", _join(old[i1:i2])))
        if tag in ("delete", "replace"):
            parts.append(DiffPart("delete", _join(old[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(DiffPart("insert", _join(new[j1:j2])))
    return parts


def _join(words: list[str]) -> str:
    return " ".join(words).replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")
