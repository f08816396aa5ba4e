"""Helpers the steps share: a line's plain text, numbering, dates, words."""

import datetime
import re
from collections import Counter

BULLET = re.compile(r"^(?P<indent>\s*)(?P<markers>(?:[-•·*❖▪◦–o](?:\s+|$))+)(?P<text>.*)$")
NUMBERED_ITEM = re.compile(r"^\s*(?P<number>\d{1,2})[.)]\s+(?P<text>\S.*)$")
# A heading's numbering: "1.", "1", "3.1", "3.1.2", "§ 2", "§2.", "Kapittel 2", "Kap. 2:", "KAPITTEL 2 –".
NUMBERING = re.compile(
    r"^(?P<prefix>§\s*|(?:kapittel|kap\.|del|punkt|artikkel)\s+)?(?P<top>\d{1,2})(?:\.(?P<sub>\d{1,2}))?"
    r"(?:\.(?P<subsub>\d{1,2}))?\.?\)?(?:\s*[-–:.])?\s+(?=\S)",
    re.IGNORECASE,
)
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januar",),
            ("februar",),
            ("mars",),
            ("april",),
            ("mai",),
            ("juni",),
            ("juli",),
            ("august",),
            ("september",),
            ("oktober",),
            ("november",),
            ("desember",),
        ],
        start=1,
    )
    for name in names
}
DATE = re.compile(r"\b(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./]|\s+)(?P<year>\d{4}|\d{2})\b")
DATE_WORDS = re.compile(r"\b(?P<day>\d{1,2})\.?\s+(?P<month>" + "|".join(MONTHS) + r")\s+(?P<year>\d{4})\b", re.I)
EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_MARKERS = re.compile(r"\*\*|</?(?:i|b|em|strong)>", re.IGNORECASE)
WORD = re.compile(r"\w+")


def strip_markers(text: str) -> str:
    return _MARKERS.sub("", text)


def plain(line: str) -> str:
    """A line without inline markup and surrounding whitespace."""
    return re.sub(r"\s+", " ", strip_markers(line)).strip()


def split_numbering(text: str) -> tuple[str, str]:
    """("3.1", "Politiråd") from "3.1 Politiråd"; ("", text) when the text is not numbered."""
    match = NUMBERING.match(text)
    if not match:
        return "", text
    return text[: match.end()].strip(), text[match.end() :].strip()


def norm(text: str) -> str:
    """A heading's words in lower case, without its numbering or punctuation."""
    return " ".join(WORD.findall(split_numbering(plain(text))[1].lower()))


def words(text: str) -> Counter:
    return Counter(WORD.findall(text.lower()))


def parse_date(match: re.Match | None) -> datetime.date | None:
    if match is None:
        return None
    year = int(match.group("year"))
    if year < 100:
        year += 2000
    month = match.group("month")
    month = MONTHS[month.lower()] if not month.isdigit() else int(month)
    try:
        return datetime.date(year, month, int(match.group("day")))
    except ValueError:
        return None


def find_date(text: str) -> re.Match | None:
    """The first date in the text, "11.02.2020", "11/02 2020" or "11. februar 2020"."""
    found = [m for m in (DATE.search(text), DATE_WORDS.search(text)) if m]
    return min(found, key=lambda m: m.start()) if found else None
