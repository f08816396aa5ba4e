"""Step 3, recognise: the title, parties, period, signatories, signing date and målform, from anywhere in the text.

Parties: from the title block (over several lines: "Samarbeidsavtale / mellom / Sør-Vest politidistrikt / og /
Randaberg kommune"), names without the word kommune after "kommunene"/"kommunane" ("kommunane Sogndal,
Luster og Årdal") or before "kommuner"/"kommunar"; police units ("Sogn lensmannsdistrikt", "Tjenesteenhet
Stavanger", "Moss politistasjon") or only the district; then from the signature block. A police unit the
reference list (referencedata/politi_tjenesteenheter_partial.csv) lacks is kept, marked unknown, with the
district it belongs to (named in the text, else the district of the kommuner named) so it can be created.

The period: "Avtaleperiode: 2025–2027" or "Avtalen gjelder fra 01.01.2024 til 31.12.2027" in the front matter,
else such a sentence about the agreement anywhere in the body; "til ny avtale er inngått" is open-ended.
Signatories: one- or two-column signature blocks (columns are read one after the other), "For X kommune"
lines, tables, "Sted/dato" and "Sogndal, 3. mars 2025" lines.
"""

import csv
import datetime
import functools
import re

from django.conf import settings

from agreements.importing.parsed import PartyMention, Signatory
from agreements.importing.read import CELL_BREAK
from agreements.importing.text import BULLET, DATE, DATE_WORDS, find_date, parse_date, plain

_SIGNED_LINE = re.compile(r"\b(?:signert|underskrive[nt]?|underteikna|inngått)\b", re.IGNORECASE)
_STED_DATO = re.compile(r"^(?:sted|stad)?\s*(?:/|og)?\s*dato\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
_PLACE_DATE = re.compile(
    r"^(?P<place>[A-ZÆØÅ][\w\- ]*?)?[,\s]*(?:den\s+)?(?P<date>"
    + DATE.pattern
    + "|"
    + DATE_WORDS.pattern.replace("(?P<day>", "(?P<day2>")
    .replace("(?P<month>", "(?P<month2>")
    .replace("(?P<year>", "(?P<year2>")
    + r")\s*$",
    re.IGNORECASE,
)
_ROLE_WORDS = re.compile(
    r"\b(?:ordfører|ordførar|varaordfører|varaordførar|rådmann|rådmannen|kommunedirektør|kommunedirektøren|"
    r"kommunalsjef|politimester|politimeister|politimesteren|politimeisteren|visepolitimester|visepolitimeister|"
    r"lensmann|lensmannen|tjenesteenhetsleder|tenesteeiningsleiar|politistasjonssjef|nærpolitisjef|"
    r"stasjonssjef|leder|leiar|slt-koordinator|politikontakt|seksjonssjef|driftsenhetsleder|driftseiningsleiar)\b",
    re.IGNORECASE,
)
_FOR_PARTY = re.compile(r"^(?:for|på vegne av|pva\.?)\s+(?P<party>\S.*?)\s*:?$", re.IGNORECASE)
_UNIT_SUFFIXES = (
    "politistasjonsdistrikt",
    "lensmannsdistrikt",
    "politistasjon",
    "lensmannskontor",
    "politistasjonsdistrikt",
    "driftsenhet",
    "driftseining",
)
_PARTY_SUFFIXES = ("kommune", "herad", "politidistrikt", *_UNIT_SUFFIXES)
_NAME = r"[A-ZÆØÅ][\w\-]*"
_PARTY = re.compile(
    r"(?:[Tt]jenesteenhet|[Tt]enesteeining|[Gg]eografisk driftsenhet|GDE)\s+" + _NAME + r"(?:[ /]" + _NAME + r")*"
    r"|" + _NAME + r"(?:\s+(?:og\s+)?" + _NAME + r")*\s+(?:" + "|".join(_PARTY_SUFFIXES) + r")\b"
)
# "kommunene Sogndal, Luster og Årdal", "kommunane Leikanger, Sogndal og Luster"
_KOMMUNE_LIST = re.compile(
    r"\bkommun(?:ene|ane)\s+(?P<names>" + _NAME + r"(?:\s*,\s*" + _NAME + r")*(?:\s+og\s+" + _NAME + r"))"
)
# "Sogndal, Luster og Årdal kommuner", "Sogndal og Luster kommunar"
_LIST_KOMMUNER = re.compile(
    r"(?P<names>" + _NAME + r"(?:\s*,\s*" + _NAME + r")*\s+og\s+" + _NAME + r")\s+kommun(?:er|ar)\b"
)
# "Ordfører i Randaberg", "Lensmannen i Sogn": the party is implied by the title.
_TITLE_IN_PLACE = re.compile(
    r"^(?P<title>(?P<role>ordfører|ordførar|rådmann|rådmannen|kommunedirektør|lensmann|lensmannen|politimester|"
    r"politimeister)(?:en)?\s+i\s+(?P<place>[A-ZÆØÅ][\w\-]+(?:\s+[A-ZÆØÅ][\w\-]+)*))$",
    re.IGNORECASE,
)
_PERSON = re.compile(r"^[A-ZÆØÅ][\w\-.]+(?:\s+[A-ZÆØÅ][\w\-.]*){1,3}$")
# Words that tell nynorsk from bokmål (each list's words are common in one and absent in the other).
_NYNORSK_WORDS = set(
    "ikkje eit kva frå vert dei korleis difor mogleg kvar vere vera gjeld skule skular kommunane "
    "saman heile meir berre òg ho no eitt mellom_nn eigen eiga einig avtala".split()
)
_BOKMAL_WORDS = set(
    "ikke et hva fra blir de hvordan derfor mulig hver være gjelder skole skoler kommunene sammen "
    "hele mer bare også hun nå ett egen enig".split()
)


def guess_malform(text: str) -> str:
    words = re.findall(r"\w+", text.lower())
    nn = sum(1 for w in words if w in _NYNORSK_WORDS)
    nb = sum(1 for w in words if w in _BOKMAL_WORDS)
    return "nn" if nn > nb else "nb"


# --- Reference data ----------------------------------------------------------------------------------


@functools.cache
def _reference() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(kommune name → district, police unit name → district, district short name → full name), lower-cased keys."""
    directory = settings.REFERENCE_DATA_DIR
    kommuner, units, districts = {}, {}, {}
    with open(directory / "politidistrikter.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            districts[row["politidistrikt"].lower()] = row["navn_bokmal"]
            districts[row["navn_bokmal"].lower()] = row["navn_bokmal"]
            districts[row["navn_nynorsk"].lower()] = row["navn_bokmal"]
    with open(directory / "kommune_politidistrikt.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kommuner[row["kommunenavn"].lower()] = row["politidistrikt_fullt"]
    with open(directory / "politi_tjenesteenheter_partial.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            district = districts.get(row["politidistrikt"].lower(), f"{row['politidistrikt']} politidistrikt")
            name = row["tjenesteenhet"].lower()
            units[re.sub(r"\(s?distrikt\)|\(.*?\)", "", name).strip()] = district
            units[name.replace("(", "").replace(")", "")] = district
    return kommuner, units, districts


# --- Title and front matter ----------------------------------------------------------------------------


def is_title_start(text: str) -> bool:
    return bool(
        re.match(
            r"^(?:\*\*)?(?:samarbeidsavtale|samarbeidsavtala|samarbeidsavtalen|politirådsavtale|politirådsavtala|"
            r"avtale om (?:samarbeid|politiråd)|avtale mellom|avtala om samarbeid)\b",
            text,
            re.IGNORECASE,
        )
    )


def _is_party_line(text: str) -> bool:
    return bool(_PARTY.fullmatch(text.strip(" ,")) or re.fullmatch(r"kommun(?:ene|ane)\s.*", text, re.I))


def continues_title(previous: str, line: str) -> bool:
    lowered, before = line.lower().strip(), previous.lower().strip()
    if lowered in ("mellom", "og", "om", "i") or lowered.startswith(
        ("mellom ", "og ", "om ", "kommunane ", "kommunene ")
    ):
        return True
    if before in ("mellom", "og", "om") or before.endswith((",", " og", " mellom")):
        return True
    if is_title_start(previous) and len(before.split()) == 1:  # "Samarbeidsavtale" / "Sogndal kommune"
        return _is_party_line(line)
    return _is_party_line(line) and (_is_party_line(previous) or before.startswith("mellom"))


def signed_line_after(lines: list[str], start: int, end: int) -> int | None:
    """The "Avtalen er inngått og signert 11.09.2018" line right after the title, if there is one."""
    for index in range(start, min(end, len(lines))):
        if not lines[index].strip():
            continue
        if signing_date(lines[index]) and len(lines[index].split()) <= 10:
            return index
        return None
    return None


def is_signed_line(text: str) -> bool:
    """ "Avtalen er inngått og signert" (with or without a date)."""
    return bool(_SIGNED_LINE.search(text)) and len(text.split()) <= 8 and period_of(text) == (None, None, False)


def looks_like_date_line(text: str) -> bool:
    return bool(_PLACE_DATE.match(text) or _STED_DATO.match(text) and "dato" in text.lower())


def signing_date(text: str) -> datetime.date | None:
    """The date of "Avtalen er inngått og signert 11.09.2018" (not of "gjelder til ny avtale er inngått")."""
    if _SIGNED_LINE.search(text) and period_of(text) == (None, None, False):
        return _date_of(find_date(text))
    return None


def _date_of(match: re.Match | None) -> datetime.date | None:
    return parse_date(match)


_LOWER_IN_NAMES = {
    "og",
    "mellom",
    "om",
    "i",
    "ved",
    "for",
    "kommune",
    "herad",
    "kommunene",
    "kommunane",
    "kommuner",
    "kommunar",
    "politidistrikt",
    *_UNIT_SUFFIXES,
}


def uncaps(text: str) -> str:
    """A title in capitals as names are written: "MOSS KOMMUNE OG ØST POLITIDISTRIKT" → "Moss kommune og Øst …"."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text
    words = []
    for word in text.split(" "):
        lowered = word.lower()
        words.append(
            lowered
            if lowered.strip(",.:") in _LOWER_IN_NAMES
            else "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
        )
    return " ".join(words)


def title_parties(title: str) -> list[PartyMention]:
    title = uncaps(title)
    match = re.search(r"\bmellom\b(?P<rest>.*)$", title, re.IGNORECASE)
    rest = re.sub(r"\s+om\s+.*$", "", match.group("rest")) if match else title
    return party_mentions(rest, "title")


def party_mentions(text: str, source: str) -> list[PartyMention]:
    """Parties named in the text, in order: "X kommune", lists of kommuner, districts and police units."""
    found: list[tuple[int, PartyMention]] = []
    text = text or ""
    for pattern in (_KOMMUNE_LIST, _LIST_KOMMUNER):
        for match in pattern.finditer(text):
            for name in re.split(r"\s*,\s*|\s+og\s+", match.group("names")):
                found.append(
                    (
                        match.start("names") + match.group("names").find(name),
                        PartyMention(f"{name} kommune", "kommune", source),
                    )
                )
    masked = text
    for pattern in (_KOMMUNE_LIST, _LIST_KOMMUNER):
        masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)
    for match in _PARTY.finditer(masked):
        name = match.group(0).strip()
        # "Politimester Sør-Vest politidistrikt": a capitalised title before the name is not part of it.
        while (
            (first := name.split(" ", 1))[0]
            and len(first) > 1
            and (_ROLE_WORDS.fullmatch(first[0]) or is_title_start(first[0]) or first[0] in ("For", "Mellom", "Og"))
        ):
            name = first[1]
        lowered = name.lower()
        if lowered.endswith(("kommune", " herad")):
            kind = "kommune"
        elif lowered.endswith(" politidistrikt"):
            kind = "politidistrikt"
        else:
            kind = "police_unit"
        found.append((match.start(), PartyMention(name, kind, source)))
    return [mention for _, mention in sorted(found, key=lambda pair: pair[0])]


def add_party(parties: list[PartyMention], mention: PartyMention) -> None:
    if all(p.text.lower() != mention.text.lower() for p in parties):
        parties.append(mention)


def place_units(parties: list[PartyMention]) -> None:
    """Each police unit's district: from the reference list, else the district or kommuner named."""
    kommuner, units, districts = _reference()
    named_district = next((p.text for p in parties if p.kind == "politidistrikt"), "")
    for party in parties:
        if party.kind == "politidistrikt":
            party.district = districts.get(party.text.lower(), party.text)
            continue
        if party.kind != "police_unit":
            continue
        names = [party.text.lower()] + ([party.text.lower().rsplit(" og ", 1)[1]] if " og " in party.text else [])
        known = next((units[n] for n in names if n in units), None)
        party.known = known is not None
        if known:
            party.district = known
        elif named_district:
            party.district = districts.get(named_district.lower(), named_district)
        else:
            by_kommune = [kommuner.get(p.text.lower().removesuffix(" kommune")) for p in parties if p.kind == "kommune"]
            party.district = next((d for d in by_kommune if d), "")


# --- Period ------------------------------------------------------------------------------------------

_YEAR_RANGE = r"(?P<start>(?:19|20)\d\d)\s*(?:[-–—]|til|to)\s*(?P<end>(?:19|20)\d\d)\b"
_PERIOD_YEARS = re.compile(
    r"\b(?:avtaleperiode[n]?|perioden?|gjeld(?:er)?|gyldig|varer)\b[^0-9\n]{0,30}?" + _YEAR_RANGE, re.IGNORECASE
)
_DATE_TEXT = r"\d{1,2}[./]\s?\d{1,2}[./]\s?\d{2,4}|\d{1,2}\.?\s+\w+\s+\d{4}"
_PERIOD_DATES = re.compile(
    r"(?:\bgjeld(?:er)?|\bvarer|\bgyldig|periode[n]?|\bløper)\b[^\n]{0,30}?(?:(?:fra|frå|f\.o\.m\.?|fom\.?)\s+"
    r"(?:og med\s+)?)?(?P<start>" + _DATE_TEXT + r")?\s*,?\s*(?:og\s+)?(?:til og med|til|fram til|frem til|t\.o\.m\.?|"
    r"tom\.?|inntil)\s+(?P<end>" + _DATE_TEXT + r")",
    re.IGNORECASE,
)
_OPEN_ENDED = re.compile(
    r"\b(?:til|inntil|fram til|frem til)\s+(?:ein\s+|en\s+)?ny\s+avtal[ea]\s+(?:er|blir|vert|blei|ble)\s+"
    r"(?:inngått|underskriven|underskrevet|signert|vedteken|vedtatt)|\bgjeld(?:er)? til vidare|"
    r"\bgjelder inntil videre\b|\binntil vidare\b|\binntil videre\b|\btidsubegrens",
    re.IGNORECASE,
)
_OPEN_START = re.compile(
    r"\b(?:gjeld(?:er)?|gyldig|varer)\b[^\n.]{0,20}?(?:fra|frå|f\.o\.m\.?)\s+(?:og med\s+)?(?P<start>"
    + _DATE_TEXT
    + ")",
    re.IGNORECASE,
)
_ABOUT_AGREEMENT = re.compile(r"\b(?:avtal[ea]n?|samarbeidsavtal[ea]n?|avtaleperioden?)\b", re.IGNORECASE)


def _date_text(text: str | None) -> datetime.date | None:
    return parse_date(find_date(text or ""))


def period_of(text: str) -> tuple[datetime.date | None, datetime.date | None, bool]:
    """(start, end, open-ended) stated in the text."""
    years = _PERIOD_YEARS.search(text)
    dates = _PERIOD_DATES.search(text)
    if dates and (not years or dates.start() <= years.start()):
        end = _date_text(dates.group("end"))
        if end:
            return _date_text(dates.group("start")), end, False
    if years:
        return datetime.date(int(years.group("start")), 1, 1), datetime.date(int(years.group("end")), 12, 31), False
    if _OPEN_ENDED.search(text):
        start = _OPEN_START.search(text)
        return (_date_text(start.group("start")) if start else None), None, True
    return None, None, False


def period_in_body(text: str) -> tuple[datetime.date | None, datetime.date | None, bool]:
    """The period from a sentence about the agreement itself ("Avtalen gjelder for perioden 2025–2027")."""
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])|\n\s*\n", text):
        if _ABOUT_AGREEMENT.search(sentence):
            found = period_of(sentence)
            if found != (None, None, False):
                return found
    return None, None, False


# --- Signature block ---------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return [c for c in line.split("\t")] if "\t" in line else [line]


def _is_signature_line(text: str) -> bool:
    return bool(
        _ROLE_WORDS.search(text)
        or _STED_DATO.match(text)
        and "dato" in text.lower()
        or _PLACE_DATE.match(text)
        or _FOR_PARTY.match(text)
        and _PARTY.search(text)
    )


def is_signature_group(lines: list[str], following: bool = False) -> bool:
    """A run of short lines (or table rows of short cells) with a role, a "For X kommune" or a place/date."""
    texts = []
    for line in lines:
        if BULLET.match(line) and not re.match(r"^\s*[_-]{3,}", line):
            return False
        texts += [plain(part) for cell in _cells(line) for part in cell.split(CELL_BREAK) if plain(part)]
    if not texts or len(lines) > 7 or any(len(t) > 70 for t in texts):
        return False
    if any(t.endswith((".", ";", ",")) and not _PLACE_DATE.match(t) and not re.search(r"\w\.$", t[-3:]) for t in texts):
        return False
    if any(t.endswith(":") and not _STED_DATO.match(t) and not _FOR_PARTY.match(t) for t in texts):
        return False
    if any(_STED_DATO.match(t) and "dato" in t.lower() or _PLACE_DATE.match(t) for t in texts):
        return True
    if any(_FOR_PARTY.match(t) and _PARTY.search(t) for t in texts):
        return True
    # A role alone ("Leiar | Ordførar" in a table) is not a signature: a name or a party goes with it.
    roles = [t for t in texts if _ROLE_WORDS.search(t) or _TITLE_IN_PLACE.match(t)]
    others = [t for t in texts if t not in roles]
    return bool(roles) and (
        any(_PARTY.search(t) or _TITLE_IN_PLACE.match(t) for t in texts) or any(_PERSON.match(t) for t in others)
    )


def _columns(lines: list[str]) -> list[list[str]]:
    """A signature block as groups of lines: rows of a two-column table become one group per column."""
    groups: list[list[str]] = []
    current: list[str] = []
    table: list[list[str]] = []

    def flush_table():
        if not table:
            return
        width = max(len(row) for row in table)
        for column in range(width):
            cell_lines = [
                part for row in table if column < len(row) for part in row[column].split(CELL_BREAK) if part.strip()
            ]
            if cell_lines:
                groups.append(cell_lines)
        table.clear()

    for line in lines + [""]:
        if "\t" in line:
            if current:
                groups.append(current)
                current = []
            table.append(line.split("\t"))
            continue
        flush_table()
        if line.strip():
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    flush_table()
    return groups


def read_signatories(lines: list[str]) -> list[Signatory]:
    """Signatories in order. A place/date line in a signatory's own group is theirs; "Sted/dato" slots and
    dates on their own are matched to the signatories in order."""
    signatories: list[Signatory] = []
    slots: list[tuple[str, datetime.date | None] | None] = []  # None = an open slot waiting for its value
    own: dict[int, tuple[str, datetime.date | None]] = {}
    for group in _columns(lines):
        names: list[str] = []
        current: Signatory | None = None
        pending_party = ""
        group_date = None
        for line in (plain(line) for line in group):
            if not line.strip(" _.-"):
                continue  # a line to sign on
            sted = _STED_DATO.match(line) if "dato" in line.lower() else None
            place_date = _PLACE_DATE.match(line)
            for_party = _FOR_PARTY.match(line)
            if sted:
                rest = sted.group("rest").strip(" _:")
                value = _PLACE_DATE.match(rest) if rest else None
                if value:
                    group_date = _place_date(value)
                else:
                    slots.append(("", None) if "_" in sted.group("rest") else None)
            elif place_date:
                group_date = _place_date(place_date)
            elif for_party and (_PARTY.search(for_party.group("party")) or "politi" in line.lower()):
                mentions = party_mentions(for_party.group("party"), "signature")
                party = mentions[-1].text if mentions else for_party.group("party")
                if current is not None and not current.party:
                    current.party = party
                else:
                    if current is not None:  # the next signatory in the same column
                        if group_date is not None:
                            own[len(signatories) - 1] = group_date
                        current, names, group_date = None, [], None
                    pending_party = party
            elif current is None and (_ROLE_WORDS.search(line) or _TITLE_IN_PLACE.match(line)):
                current = _signatory_from_title(line)
                current.name = " ".join(names)
                if pending_party and current.party and current.party != pending_party:
                    # "For Trøndelag politidistrikt … stasjonssjef Innherred politistasjonsdistrikt"
                    current.implied_party = current.implied_party or current.party
                current.party = pending_party or current.party
                signatories.append(current)
            elif current is not None and not current.party and party_mentions(line, "signature"):
                current.party = party_mentions(line, "signature")[-1].text if _ROLE_WORDS.search(line) else line
            elif current is not None and not current.name and _PERSON.match(line):
                current.name = line
            elif current is None:
                names.append(line)
        if current is not None and group_date is not None:
            own[len(signatories) - 1] = group_date
        elif group_date is not None:
            if slots and slots[-1] is None:
                slots[-1] = group_date
            else:
                slots.append(group_date)
    free = [s for i, s in enumerate(signatories) if i not in own]
    if len(slots) == 1 and slots[0] and slots[0][1] and len(free) > 1:
        slots = slots * len(free)  # one place and date for all who sign
    for signatory, slot in zip(free, slots, strict=False):
        if slot:
            signatory.place, signatory.date = slot
    for index, (place, date) in own.items():
        signatories[index].place, signatories[index].date = place, date
    return signatories


def _place_date(match: re.Match) -> tuple[str, datetime.date | None]:
    place = (match.group("place") or "").strip(" ,")
    if match.group("day") is not None:
        return place, parse_date(match)
    return place, parse_date(DATE_WORDS.search(match.group("date")))


def _signatory_from_title(line: str) -> Signatory:
    in_place = _TITLE_IN_PLACE.match(line)
    if in_place and not party_mentions(line, "signature"):
        role = in_place.group("role").lower()
        suffix = (
            "lensmannsdistrikt"
            if role.startswith("lensmann")
            else ("politidistrikt" if role.startswith("politim") else "kommune")
        )
        implied = f"{in_place.group('place')} {suffix}"
        return Signatory(title=line, party=implied if suffix == "kommune" else "", implied_party=implied)
    mentions = party_mentions(line, "signature")
    if mentions:
        party = mentions[-1].text
        title = line.replace(party, "").strip(" ,–-")
        title = re.sub(r"\s+(?:i|for)$", "", title)
        return Signatory(title=title, party=party)
    return Signatory(title=line)
