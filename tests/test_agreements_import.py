"""Importing existing agreements (.txt, .docx): the three seeds, other districts' headings, Word artefacts."""

import datetime
import html
import re
from collections import Counter
from io import StringIO
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from agreements.access import agreements_visible_to
from agreements.demo_import import import_demo_agreements
from agreements.importing import parse_agreement, parse_text
from agreements.importing.service import MissingParties, agreement_import, resolve_parties
from agreements.models import Agreement, Owner, SectionRevision
from samarbeid.models import Kommune, PoliceUnit

SEEDS = Path(settings.BASE_DIR) / "referencedata" / "seeds"
MOSS = SEEDS / "moss-ost-2018.txt"
RANDABERG = SEEDS / "randaberg-sor-vest-2020.txt"
LUSTER = SEEDS / "luster-vest-2019-nynorsk.txt"

EXPECTED_HEADINGS = {
    MOSS: [
        "Innledning /formål",
        "Politikontakten",
        "Politiråd",
        "SLT (samordning av lokale kriminalitetsforebyggende tiltak)",
        "Forventninger til samarbeid",
        "Spesielle fokusområder",
        "Administrative forhold",
        "Evaluering",
    ],
    RANDABERG: [
        "Innledning",
        "Politiråd",
        "Politikontakten",
        "SLT (samordning av lokale rus – og kriminalitetsforebyggende tiltak)",
        "Prioriterte områder",
        "Organisering av samarbeidet",
        "Administrative forhold",
        "Evaluering",
        "Vedlegg som ble lagt ved politirådsavtale av 13.11.17",
    ],
    LUSTER: [
        "Innleiing /formål",
        "Organiseringa til politiet i Sogn lensmannsdistrikt",
        "Tenestetilbod",
        "Politikontakten",
        "Politiråd",
        "SLT (samordning av lokale kriminalitetsførebyggjande tiltak)",
        "Forventningar til samarbeid",
        "Spesielle fokusområde",
        "Organisering av samarbeidet",
        "Administrative forhold",
        "Evaluering",
    ],
}

# Where each seed's body starts (its first heading, below the table of contents) and where its signature
# block starts and ends (Randaberg lists its vedlegg after the signatures).
BODY = {
    MOSS: ("Innledning /formål", "GDE leder Follo/Østfold", None),
    RANDABERG: ("Innledning", "Sted/dato _____", "Vedlegg som ble lagt ved politirådsavtale av 13.11.17:"),
    LUSTER: ("1. Innleiing /formål", "Lensmannen i Sogn", None),
}

SYNTHETIC = """[bookmark: _Toc1]POLITIET

**Samarbeidsavtale**
**mellom Bodø kommune og Nordland politidistrikt**

Avtaleperiode: 2024–2027

Bakgrunn[bookmark: _Toc2]

Avtalen bygger på <i>nærpolitireformen</i> og på **politirådsmodellen**.\u00a0\u00a0
\u00a0\u00a0\u00a0
3

Lokale mål for perioden

Vi skal:
- redusere  ungdomskriminalitet
  - særlig vinningskriminalitet
❖ styrke samarbeidet med skolene
o gjelder også videregående

Kontaktpersoner

Navn\tRolle\tEpost
Kari Nordmann\tSLT-koordinator\tkari.nordmann@bodo.kommune.no

Møter i politirådet

1. Januar: årshjul og møteplan
2. Juni: status for tiltakene

Bodø 01.03.2024

Ida Hansen
Ordfører i Bodø

Per Olsen
Politistasjonssjef Salten politistasjonsdistrikt
"""


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|\*\*|</?i>")
_MARKERS = re.compile(r"^\s*(?:(?:[-❖o]\s+)+|\d{1,2}[.)]\s+)")


def source_words(lines: list[str]) -> Counter:
    """Words of source lines, without Word artefacts, list markers and bare page numbers."""
    kept = [_MARKERS.sub("", _ARTEFACTS.sub("", line)) for line in lines if not re.fullmatch(r"\s*\d{1,3}\s*", line)]
    return words("\n".join(kept))


def output_words(parsed) -> Counter:
    """Words of the sections as imported: headings and the visible text of their HTML (the preamble, the text
    before the first heading, aside)."""
    text = []
    for section in parsed.sections:
        if section.preamble:
            continue
        body = re.sub(r"(<p>|<li>)\d{1,2}[.)]\s", r"\1", section.html)
        text += [section.heading, html.unescape(re.sub(r"<[^>]+>", " ", body))]
    return words("\n".join(text))


def body_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    first, signatures, trailing = BODY[path]
    start = lines.index(first)
    end = lines.index(signatures)
    return lines[start:end] + (lines[lines.index(trailing) :] if trailing else [])


@pytest.mark.parametrize("path", [MOSS, RANDABERG, LUSTER], ids=lambda p: p.stem)
def test_every_heading_of_a_seed_becomes_a_section(path):
    assert parse_agreement(path).headings == EXPECTED_HEADINGS[path]


@pytest.mark.parametrize("path", [MOSS, RANDABERG, LUSTER], ids=lambda p: p.stem)
def test_no_text_of_a_seed_body_is_lost_or_duplicated(path):
    assert output_words(parse_agreement(path)) == source_words(body_lines(path))


def test_sections_keep_lists_tables_and_subheadings():
    sections = {s.heading: s.html for s in parse_agreement(LUSTER).sections}
    assert "<p><strong>Publikumsekspedisjon</strong></p>" in sections["Tenestetilbod"]
    assert "<li>Færre enn 2000 innbyggjarar:" in sections["Tenestetilbod"]  # "❖" bullets
    assert sections["Spesielle fokusområde"].count("<li>") == 6  # 1–6 as a list; "8." and "9." keep their numbers
    assert "<p>8. Politirådet skal leggja til rette" in sections["Spesielle fokusområde"]
    assert (
        "<table><tbody><tr><td>Leiing:</td><td>Kommunen/Politiet</td></tr>" in sections["Organisering av samarbeidet"]
    )
    assert "<ol><li>Organisere modellen" in sections["SLT (samordning av lokale kriminalitetsførebyggjande tiltak)"]
    assert sections["Organiseringa til politiet i Sogn lensmannsdistrikt"] == ""

    moss = {s.heading: s.html for s in parse_agreement(MOSS).sections}
    assert "<li>Faste deltakere fra kommunen:<ul><li>Ordfører</li><li>Rådmann</li>" in moss["Politiråd"]
    assert "<th>Navn og funksjon</th><th>Epost</th>" in moss["Administrative forhold"]
    assert "John Kasper Hermansen <em>Tjenesteenhetsleder</em>" in moss["Administrative forhold"]
    assert 'href="mailto:lars.erik.ode@politiet.no"' in moss["Administrative forhold"]


def test_title_parties_and_signing_date_of_moss_are_found():
    parsed = parse_agreement(MOSS)
    assert parsed.title == "Samarbeidsavtale mellom Moss kommune og Øst politidistrikt"
    assert parsed.signed_on == datetime.date(2018, 9, 11)
    assert parsed.malform == "nb"
    assert [(p.text, p.kind) for p in parsed.parties] == [
        ("Moss kommune", "kommune"),
        ("Øst politidistrikt", "politidistrikt"),
        ("Moss politistasjonsdistrikt", "police_unit"),
    ]
    assert [(s.title, s.party) for s in parsed.signatories] == [
        ("GDE leder Follo/Østfold", "Øst politidistrikt"),
        ("Ordfører", "Moss kommune"),
        ("Tjenesteenhetsleder", "Moss politistasjonsdistrikt"),
    ]
    assert parsed.preamble_html.startswith("<p>Tekst i ramme, er generell informasjon")
    assert parsed.toc[-1] == "Evaluerings"  # the TOC's spelling; the body's heading wins


def test_randaberg_multi_line_title_and_named_signatories_are_found():
    parsed = parse_agreement(RANDABERG)
    assert parsed.title == (
        "Samarbeidsavtale mellom Sør-Vest politidistrikt og Randaberg kommune "
        "om Forebyggende arbeid, politikontakten, politiråd og SLT"
    )
    assert parsed.mentions("politidistrikt") == ["Sør-Vest politidistrikt"]
    assert parsed.mentions("kommune") == ["Randaberg kommune"]
    police, kommune = parsed.signatories
    assert (police.name, police.title, police.party, police.date) == (
        "Hans Vik",
        "Politimester",
        "Sør-Vest politidistrikt",
        None,
    )
    assert (kommune.name, kommune.title, kommune.party, kommune.place, kommune.date) == (
        "Jarle Bø",
        "Ordfører i Randaberg",
        "Randaberg kommune",
        "Randaberg",
        datetime.date(2020, 2, 11),
    )
    assert parsed.signed_on == datetime.date(2020, 2, 11)
    assert parsed.period_start is None and parsed.period_end is None


def test_luster_is_read_as_nynorsk_with_the_lensmann_as_police_party():
    parsed = parse_agreement(LUSTER)
    assert parsed.malform == "nn"
    assert parsed.title == "Samarbeidsavtale mellom Luster kommune og Vest politidistrikt"
    assert parsed.signed_on == datetime.date(2019, 7, 11)
    assert [s.number for s in parsed.sections if not s.preamble] == list(range(1, 12))
    assert parsed.mentions("police_unit") == ["Sogn lensmannsdistrikt"]
    assert [(s.title, s.party) for s in parsed.signatories] == [
        ("Lensmannen i Sogn", "Vest politidistrikt"),
        ("Ordførar", "Luster kommune"),
    ]


@pytest.mark.parametrize("path", [MOSS, LUSTER], ids=lambda p: p.stem)
def test_headings_are_found_without_a_table_of_contents(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    toc = [line for line in lines if line in ("Innhold", "Innhald") or re.search(r"(\.{3,}|\t)\s*\d+$", line)]
    assert len(toc) in (9, 12)
    without_toc = "\n".join(line for line in lines if line not in toc)
    headings = parse_text(without_toc).headings
    if path == MOSS:  # the contact table's caption looks like a heading without the TOC to say otherwise
        assert headings == EXPECTED_HEADINGS[MOSS][:-1] + ["Politiråd Moss kommune", "Evaluering"]
    else:
        assert headings == EXPECTED_HEADINGS[LUSTER]


def test_an_agreement_from_another_district_with_word_artefacts():
    parsed = parse_text(SYNTHETIC)
    assert parsed.title == "Samarbeidsavtale mellom Bodø kommune og Nordland politidistrikt"
    assert parsed.headings == ["Bakgrunn", "Lokale mål for perioden", "Kontaktpersoner", "Møter i politirådet"]
    assert (parsed.period_start, parsed.period_end) == (datetime.date(2024, 1, 1), datetime.date(2027, 12, 31))
    body = {s.heading: s.html for s in parsed.sections}
    assert body["Bakgrunn"] == (
        "<p>Avtalen bygger på <em>nærpolitireformen</em> og på <strong>politirådsmodellen</strong>.</p>"
    )  # no bookmark, no page number "3", no stray spaces
    assert body["Lokale mål for perioden"] == (
        "<p>Vi skal:</p><ul><li>redusere  ungdomskriminalitet<ul><li>særlig vinningskriminalitet</li></ul></li>"
        "<li>styrke samarbeidet med skolene<ul><li>gjelder også videregående</li></ul></li></ul>"
    )
    assert body["Kontaktpersoner"].startswith("<table><thead><tr><th>Navn</th><th>Rolle</th><th>Epost</th>")
    assert (
        body["Møter i politirådet"]
        == "<ol><li>Januar: årshjul og møteplan</li><li>Juni: status for tiltakene</li></ol>"
    )
    kommune, police = parsed.signatories
    assert (kommune.name, kommune.party, kommune.place, kommune.date) == (
        "Ida Hansen",
        "Bodø kommune",
        "Bodø",
        datetime.date(2024, 3, 1),
    )
    assert (police.name, police.title, police.party) == (
        "Per Olsen",
        "Politistasjonssjef",
        "Salten politistasjonsdistrikt",
    )
    assert [p.text for p in parsed.parties] == [
        "Bodø kommune",
        "Nordland politidistrikt",
        "Salten politistasjonsdistrikt",
    ]
    lines = SYNTHETIC.splitlines()
    assert output_words(parsed) == source_words(
        lines[lines.index("Bakgrunn[bookmark: _Toc2]") : lines.index("Bodø 01.03.2024")]
    )


def test_markup_in_the_text_is_escaped_not_executed():
    parsed = parse_text(
        "Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\nInnledning\n\n"
        '<script>alert(1)</script> <a href="javascript:x" onclick="y">lenke</a> tekst.\n'
    )
    assert parsed.sections[0].html == (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;a href="javascript:x" onclick="y"&gt;lenke&lt;/a&gt; tekst.</p>'
    )


# --- .docx -------------------------------------------------------------------------------------------


def _add_runs(paragraph, text: str) -> None:
    """Word runs for a line: **bold** and <i>italic</i> markers become formatted runs."""
    if text.count("**") % 2:  # bold spanning several lines: Word keeps it as formatting, not as text
        text = text.replace("**", "")
    for part in re.split(r"(\*\*.+?\*\*|<i>.+?</i>)", text):
        if part.startswith("**"):
            paragraph.add_run(part[2:-2]).bold = True
        elif part.startswith("<i>"):
            paragraph.add_run(part[3:-4]).italic = True
        elif part:
            paragraph.add_run(part)


def seed_as_docx(path: Path, target: Path, headings: list[str]) -> Path:
    """A Word version of a seed: Heading 1 for its headings, list styles, tables, line breaks in a paragraph."""
    document = docx.Document()
    lines = path.read_text(encoding="utf-8").splitlines()
    wanted = list(headings)
    toc = False
    row = 0
    while row < len(lines):
        line = lines[row]
        stripped = line.strip()
        if stripped in ("Innhold", "Innhald"):
            toc = True
        if toc:  # Word's TOC is a field the reader regenerates; leave it out
            toc = not (stripped and re.sub(r"^\d+\.\s*", "", stripped) == re.sub(r"^\d+\.\s*", "", wanted[0]))
            if toc:
                row += 1
                continue
        if not stripped:
            row += 1
            continue
        if "\t" in line:
            cells = []
            while row < len(lines) and "\t" in lines[row]:
                cells.append(lines[row].split("\t"))
                row += 1
            table = document.add_table(rows=len(cells), cols=len(cells[0]))
            for r, values in enumerate(cells):
                for c, value in enumerate(values):
                    _add_runs(table.cell(r, c).paragraphs[0], value.strip())
            continue
        heading = re.sub(r"^\d+\.\s+", "", stripped).rstrip(":")
        if wanted and heading == wanted[0]:
            document.add_heading(heading, level=1)
            wanted.pop(0)
            row += 1
            continue
        bullet = re.match(r"^(\s*)((?:[-❖o]\s+)+)(.*)$", line)
        numbered = re.match(r"^\s*\d+[.)]\s+(.*)$", line)
        if bullet:
            nested = bool(bullet.group(1)) or bullet.group(2).split() == ["o"]
            _add_runs(document.add_paragraph(style="List Bullet 2" if nested else "List Bullet"), bullet.group(3))
        elif numbered:
            _add_runs(document.add_paragraph(style="List Number"), numbered.group(1))
        else:
            paragraph = document.add_paragraph()
            _add_runs(paragraph, stripped)
            while (
                row + 1 < len(lines)
                and lines[row + 1].strip()
                and "\t" not in lines[row + 1]
                and not re.match(r"^\s*(?:[-❖o]\s|\d+[.)]\s)", lines[row + 1])
            ):
                row += 1
                paragraph.add_run().add_break()
                _add_runs(paragraph, lines[row].strip())
        row += 1
    document.save(target)
    return target


@pytest.mark.parametrize("path", [MOSS, RANDABERG, LUSTER], ids=lambda p: p.stem)
def test_a_docx_version_of_a_seed_imports_like_the_text(path, tmp_path):
    docx_path = seed_as_docx(path, tmp_path / f"{path.stem}.docx", EXPECTED_HEADINGS[path])
    from_docx = parse_agreement(docx_path)
    from_text = parse_agreement(path)
    assert from_docx.headings == EXPECTED_HEADINGS[path]
    assert output_words(from_docx) == output_words(from_text)
    assert from_docx.title == from_text.title
    assert [(s.name, s.title, s.party, s.date) for s in from_docx.signatories] == [
        (s.name, s.title, s.party, s.date) for s in from_text.signatories
    ]
    assert from_docx.malform == from_text.malform


def test_docx_styles_become_lists_tables_and_emphasis(tmp_path):
    document = docx.Document()
    document.add_heading("Samarbeidsavtale mellom Luster kommune og Vest politidistrikt", level=1)
    document.add_heading("Innhald", level=1)
    document.add_paragraph("Lokale mål\t2")
    document.add_heading("Lokale mål", level=1)
    intro = document.add_paragraph("Vi vil ")
    intro.add_run("særleg").bold = True
    intro.add_run(" arbeide med ")
    intro.add_run("førebygging").italic = True
    document.add_heading("Tiltak", level=2)
    document.add_paragraph("Tryggare skuleveg", style="List Bullet")
    document.add_paragraph("Nattravnar", style="List Bullet 2")
    document.add_paragraph("Politiråd fire gonger i året", style="List Number")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Leiar"
    table.cell(0, 1).text = "Ordførar"
    document.save(tmp_path / "avtale.docx")
    parsed = parse_agreement(tmp_path / "avtale.docx")
    assert parsed.headings == ["Lokale mål"]  # not the title or the contents, though styled as headings
    assert parsed.title == "Samarbeidsavtale mellom Luster kommune og Vest politidistrikt"
    assert parsed.sections[0].html == (
        "<p>Vi vil <strong>særleg</strong> arbeide med <em>førebygging</em></p><p><strong>Tiltak</strong></p>"
        "<ul><li>Tryggare skuleveg<ul><li>Nattravnar</li></ul></li></ul><ol><li>Politiråd fire gonger i året</li></ol>"
        "<table><tbody><tr><td>Leiar</td><td>Ordførar</td></tr></tbody></table>"
    )


# --- Creating agreements -----------------------------------------------------------------------------


def _import(path, creator, **parties):
    return agreement_import(parse_agreement(path), created_by=creator, **parties)


@pytest.mark.parametrize(
    "path, creator, police, kommuner",
    [
        (MOSS, "moss_slt", "Moss politistasjonsdistrikt", ["3103"]),
        (LUSTER, "luster_slt", "Sogn lensmannsdistrikt", ["4644"]),
        (RANDABERG, "randaberg_slt", "Sør-Vest politidistrikt", ["1127"]),
    ],
    ids=["moss", "luster", "randaberg"],
)
def test_a_seed_imports_with_the_parties_its_text_names(path, creator, police, kommuner, personas):
    agreement = _import(path, personas[creator])
    assert agreement.police_party.name == police
    assert sorted(agreement.kommuner.values_list("number", flat=True)) == kommuner
    assert agreement.created_by == personas[creator]
    assert agreement.malform == ("nn" if path == LUSTER else "nb")
    sections = list(agreement.sections.order_by("order"))
    parsed_sections = parse_agreement(path).sections
    imported = [s.heading for s in sections if s.local_text or s.heading in EXPECTED_HEADINGS[path]]
    # every heading, in the document's order, after the text before the first heading (the preamble)
    assert imported == [s.heading for s in parsed_sections]
    assert [s.heading for s in parsed_sections if not s.preamble] == EXPECTED_HEADINGS[path]
    parsed = {s.heading: s.html for s in parsed_sections}
    assert all(s.local_text == parsed[s.heading] for s in sections if s.heading in parsed)
    assert [s.order for s in sections] == list(range(1, len(sections) + 1))


def test_imported_sections_fill_the_template_sections_they_match(personas):
    agreement = _import(MOSS, personas["moss_slt"])
    sections = {s.heading: s for s in agreement.sections.all()}
    politikontakten = sections["Politikontakten"]
    assert politikontakten.template_section_id and not politikontakten.is_local
    assert politikontakten.owner == Owner.POLICE and politikontakten.version == 2
    assert sections["Evaluering"].template_section_id  # "Evaluerings" in the TOC, "Evaluering" in the template
    assert politikontakten.standard_text == ""  # the imported text already holds the box as it was then
    # Template parts the old agreement lacked are offered on the review page, never forced into the draft.
    assert "Kontaktinformasjon" not in sections and "Tjenestetilbud" not in sections
    revision = politikontakten.revisions.get(action=SectionRevision.Action.EDITED)
    assert (revision.created_by, revision.text) == (personas["moss_slt"], politikontakten.local_text)


def test_imported_sections_without_a_template_match_become_local_sections_in_place(personas):
    agreement = _import(RANDABERG, personas["randaberg_slt"])
    headings = list(agreement.sections.order_by("order").values_list("heading", "is_local"))
    assert ("Prioriterte områder", True) in headings
    order = [h for h, _ in headings]
    assert order.index("SLT (samordning av lokale rus – og kriminalitetsforebyggende tiltak)") + 1 == order.index(
        "Prioriterte områder"
    )
    assert order.index("Organisering av samarbeidet") < order.index("Administrative forhold")


def test_an_imported_agreement_belongs_to_its_parties_only(personas):
    agreement = _import(MOSS, personas["moss_slt"])
    assert list(agreements_visible_to(personas["moss_politikontakt"])) == [agreement]
    assert list(agreements_visible_to(personas["randaberg_slt"])) == []


def test_parties_the_text_does_not_name_must_be_given(personas):
    text = "Samarbeidsavtale\n\nInnledning\n\nAvtalen gjelder samarbeidet om forebygging.\n"
    with pytest.raises(MissingParties) as missing:
        agreement_import(parse_text(text), created_by=personas["moss_slt"])
    assert missing.value.police and missing.value.kommuner
    moss = Kommune.objects.get(number="3103")
    unit = PoliceUnit.objects.get(name="Moss politistasjonsdistrikt")
    agreement = agreement_import(parse_text(text), created_by=personas["moss_slt"], police_party=unit, kommuner=[moss])
    assert (
        agreement.sections.get(heading="Innledning").local_text == "<p>Avtalen gjelder samarbeidet om forebygging.</p>"
    )


def test_a_kommune_name_shared_by_two_kommuner_is_told_apart_by_the_police_district(db):
    parsed = parse_text("Samarbeidsavtale mellom Herøy kommune og Møre og Romsdal politidistrikt\n")
    resolved = resolve_parties(parsed)
    assert resolved.police.name == "Møre og Romsdal politidistrikt"
    assert [k.number for k in resolved.kommuner] == ["1515"]
    unknown = parse_text("Samarbeidsavtale mellom Herøy kommune og Ukjent politidistrikt\n")
    assert resolve_parties(unknown).unresolved == ["Ukjent politidistrikt", "Herøy kommune"]


def test_the_command_imports_a_file_and_asks_for_missing_parties(personas, tmp_path):
    out = StringIO()
    call_command("import_agreement", str(LUSTER), "--by", personas["luster_slt"].email, stdout=out)
    report = out.getvalue()
    assert "med 12 avsnitt" in report and "Lensmannen i Sogn" in report  # 11 headings and the preamble
    assert "Dekning: 100 % av 2075 ord" in report or "Dekning: 100% av 2075 ord" in report
    assert "Avsnitt: 11 overskrifter og en innledende tekst" in report
    assert "Part: Sogn lensmannsdistrikt (ukjent enhet i Vest politidistrikt)" in report
    assert "Avtaleperiode: – – 01.01.2020" in report and "Signert: 11.07.2019" in report
    assert Agreement.objects.get().police_party.name == "Sogn lensmannsdistrikt"

    anonymous = tmp_path / "avtale.txt"
    anonymous.write_text("Samarbeidsavtale\n\nInnledning\n\nTekst om samarbeidet.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Oppgi --police og --kommune"):
        call_command("import_agreement", str(anonymous), "--by", personas["moss_slt"].email)
    call_command(
        "import_agreement",
        str(anonymous),
        "--by",
        personas["moss_slt"].email,
        "--kommune",
        "3103",
        "--police",
        "Moss politistasjonsdistrikt",
        stdout=StringIO(),
    )
    assert Agreement.objects.filter(kommuner__number="3103", police_party__name="Moss politistasjonsdistrikt").exists()


def test_the_demo_imports_the_three_seed_agreements_once(personas):
    first = import_demo_agreements()
    assert [(a.police_party.name, a.created_by) for a in first] == [
        ("Moss politistasjonsdistrikt", personas["moss_slt"]),
        ("Tjenesteenhet Stavanger", personas["randaberg_slt"]),
        ("Sogn lensmannsdistrikt", personas["luster_slt"]),
    ]
    assert import_demo_agreements() == first
    assert Agreement.objects.count() == 3
    randaberg = first[1]
    assert list(agreements_visible_to(personas["stavanger_politikontakt"])) == [randaberg]


TRONDELAG = """Samarbeidsavtale mellom Levanger kommune og Trøndelag politidistrikt

Innholdsfortegnelse
1 Formål ............................ 2
2 Organisering av samarbeidet ....... 2
3 Politiets tilstedeværelse ......... 3

**1 Formål**
Avtalen skal sikre et godt forebyggende samarbeid.
Side 2 av 4
\f
**2 Organisering av samarbeidet**
• Politirådet møtes fire ganger i året.
• SLT-koordinator er sekretær.

§ 3 i politiloven gjelder.

3 Politiets tilstedeværelse
Politikontakten er til stede på rådhuset hver tirsdag kl. 10–14.
"""


def test_a_table_of_contents_with_dot_leaders_and_bold_numbered_headings_without_blank_lines():
    parsed = parse_text(TRONDELAG)
    assert parsed.toc == ["1 Formål", "2 Organisering av samarbeidet", "3 Politiets tilstedeværelse"]
    assert parsed.headings == ["Formål", "Organisering av samarbeidet", "Politiets tilstedeværelse"]
    assert [s.html for s in parsed.sections] == [
        "<p>Avtalen skal sikre et godt forebyggende samarbeid.</p>",
        "<ul><li>Politirådet møtes fire ganger i året.</li><li>SLT-koordinator er sekretær.</li></ul>"
        "<p>§ 3 i politiloven gjelder.</p>",
        "<p>Politikontakten er til stede på rådhuset hver tirsdag kl. 10–14.</p>",
    ]
    assert [p.text for p in parsed.parties] == ["Levanger kommune", "Trøndelag politidistrikt"]


@pytest.mark.parametrize(
    "sentence, period",
    [
        ("Avtalen gjelder fra 01.01.2024 til 31.12.2027.", (datetime.date(2024, 1, 1), datetime.date(2027, 12, 31))),
        ("Avtalen gjeld fram til 31.12.2027.", (None, datetime.date(2027, 12, 31))),
        ("Avtaleperiode: 2025–2027", (datetime.date(2025, 1, 1), datetime.date(2027, 12, 31))),
    ],
)
def test_a_period_in_the_front_matter_wins_over_one_in_the_body(sentence, period):
    parsed = parse_text(
        f"Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\n{sentence}\n\nInnledning\n\n"
        "Avtalen gjeld fram til 01.01.2020 for politirådet.\n"
    )
    assert (parsed.period_start, parsed.period_end) == period


def test_a_signing_line_is_not_a_period_and_other_dates_in_the_body_are_not_either():
    parsed = parse_text(
        "Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\nAvtalen er inngått og signert "
        "11.09.2018\n\nInnledning\n\nPolitirådet møttes første gang 01.01.2016 og har møtt til "
        "31.12.2017 fire ganger i året.\n"
    )
    assert (parsed.period_start, parsed.period_end, parsed.open_ended) == (None, None, False)
    assert parsed.signed_on == datetime.date(2018, 9, 11)


def test_two_parties_run_together_by_og_resolve_to_the_last_one(personas):
    parsed = parse_text("Samarbeidsavtale mellom Luster kommune og Luster og Sogn lensmannsdistrikt\n")
    assert [p.text for p in parsed.parties] == ["Luster kommune", "Luster og Sogn lensmannsdistrikt"]
    resolved = resolve_parties(parsed)
    assert (resolved.police.name, [k.name for k in resolved.kommuner]) == ("Sogn lensmannsdistrikt", ["Luster kommune"])


def test_a_kommune_that_calls_itself_herad_is_found_as_the_registered_kommune(personas):
    parsed = parse_text("Samarbeidsavtale mellom Voss herad og Vest politidistrikt\n")
    resolved = resolve_parties(parsed)
    assert [k.name for k in resolved.kommuner] == ["Voss kommune"] and resolved.unresolved == []
