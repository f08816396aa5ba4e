"""The import's reading pipeline: each reader, each heading shape, the preamble, coverage, recognition, the corpus."""

import datetime
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from django.conf import settings

from agreements.importing import parse_agreement, parse_text, read

CORPUS = Path(settings.BASE_DIR) / "benchmarks" / "import_corpus"
sys.path.insert(0, str(CORPUS))
import build  # noqa: E402  (benchmarks/import_corpus/build.py: the corpus's own renderers)

SMALL = """@@ POLITIET

!! Samarbeidsavtale
!! mellom Sogndal kommune
!! og Vest politidistrikt

Denne avtalen byggjer på den førre frå 2019.

# Formål

Avtalen skal styrkje det førebyggjande samarbeidet mellom kommunen og politiet i Sogndal.

# Politirådet

Politirådet møtest fire gonger i året. Medlemer:
- ordførar
- lensmann
  - eller stedfortredar

| Namn | Rolle |
| Kari Li | SLT-koordinator |

# Evaluering

Avtalen skal evaluerast kvart år i politirådet, og avtalen gjeld for perioden 2025–2027.

|| For Sogndal kommune | For Vest politidistrikt ||
|| Sogndal, 3. mars 2025 | Bergen, 4. mars 2025 ||
|| Jon Haugen | Kari Sandvik ||
|| ordførar | politimeister ||
"""
HEADINGS = ["Formål", "Politirådet", "Evaluering"]


def built(tmp_path: Path, source: str, **options) -> Path:
    options.setdefault("format", "txt")
    path = tmp_path / f"avtale.{options['format']}"
    path.write_bytes(build.RENDERERS[options["format"]](build.parse_source(source), options))
    return path


def assert_small(parsed, *, preamble=True):
    assert parsed.headings == HEADINGS
    assert parsed.title == "Samarbeidsavtale mellom Sogndal kommune og Vest politidistrikt"
    assert [(p.text, p.kind) for p in parsed.parties] == [
        ("Sogndal kommune", "kommune"),
        ("Vest politidistrikt", "politidistrikt"),
    ]
    assert (parsed.period_start, parsed.period_end) == (datetime.date(2025, 1, 1), datetime.date(2027, 12, 31))
    assert [(s.name, s.title, s.party, s.place, s.date) for s in parsed.signatories] == [
        ("Jon Haugen", "ordførar", "Sogndal kommune", "Sogndal", datetime.date(2025, 3, 3)),
        ("Kari Sandvik", "politimeister", "Vest politidistrikt", "Bergen", datetime.date(2025, 3, 4)),
    ]
    assert parsed.signed_on == datetime.date(2025, 3, 4)
    assert parsed.malform == "nn"
    body = {s.heading: s.html for s in parsed.sections}
    assert "<li>ordførar</li><li>lensmann<ul><li>eller stedfortredar</li></ul></li>" in body["Politirådet"]
    assert "<td>Kari Li</td><td>SLT-koordinator</td>" in body["Politirådet"]
    if preamble:
        first = parsed.sections[0]
        assert (first.preamble, first.heading, first.html) == (
            True,
            "Innleiande tekst",
            "<p>Denne avtalen byggjer på den førre frå 2019.</p>",
        )
    assert parsed.coverage.lost == [] and parsed.coverage.ratio == 1.0


# --- Readers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_a_text_file_in_any_common_encoding_reads_the_same(tmp_path, encoding):
    parsed = parse_agreement(built(tmp_path, SMALL, encoding=encoding))
    assert parsed.source_format == "txt"
    assert_small(parsed)


def test_a_docx_with_heading_styles_bookmarks_and_non_breaking_spaces(tmp_path):
    path = built(tmp_path, SMALL, format="docx", headings="style", artefacts=True)
    assert b"w:bookmarkStart" in build.zipfile.ZipFile(path).read("word/document.xml")
    parsed = parse_agreement(path)
    assert parsed.source_format == "docx"
    assert_small(parsed)
    assert "\xa0" not in "".join(s.html for s in parsed.sections)


def test_a_docx_without_heading_styles_takes_bold_paragraphs_and_typed_bullets(tmp_path):
    path = built(tmp_path, SMALL, format="docx", headings="bold", bullet="•", sub_bullet="o")
    assert_small(parse_agreement(path))
    dashes = built(tmp_path, SMALL, format="docx", headings="bold", bullet="–", sub_bullet="·")
    assert_small(parse_agreement(dashes))


def test_an_odt_with_outline_headings_lists_and_tables(tmp_path):
    parsed = parse_agreement(built(tmp_path, SMALL, format="odt", headings="style"))
    assert parsed.source_format == "odt"
    assert_small(parsed)


def test_an_odt_without_heading_styles_takes_its_bold_paragraphs(tmp_path):
    assert_small(parse_agreement(built(tmp_path, SMALL, format="odt", headings="bold")))


def test_a_pdf_is_rejoined_mended_and_its_page_furniture_set_aside(tmp_path):
    long_words = " ".join(["Kriminalitetsforebyggingsarbeidet og ungdomsoppfølgingstjenesten samarbeider."] * 30)
    source = SMALL.replace("Politirådet møtest fire gonger i året.", long_words)
    path = built(tmp_path, source, format="pdf", lang="nb", header="Samarbeidsavtale Sogndal")
    document = read(path)
    furniture = [s.text for s in document.set_aside]
    pages = furniture.count("Samarbeidsavtale Sogndal")  # the running header, once on every page
    assert pages >= 2 and [f for f in furniture if f.startswith("Side")] == [
        f"Side {n} av {pages}" for n in range(1, pages + 1)
    ]
    parsed = parse_agreement(path)
    assert_small(parsed)
    body = {s.heading: s.html for s in parsed.sections}["Politirådet"]
    assert body.count("Kriminalitetsforebyggingsarbeidet og ungdomsoppfølgingstjenesten") == 30  # no "‐" left
    assert "Side" not in body and "\n" not in body


def test_a_docx_whose_title_is_heading_1_takes_its_heading_2_as_sections(tmp_path):
    document = docx.Document()
    document.add_heading("Samarbeidsavtale mellom Ringsaker kommune og Innlandet politidistrikt", level=1)
    document.add_paragraph("Innholdsfortegnelse")
    document.add_paragraph("Formål\t2")
    document.add_heading("Formål", level=2)
    document.add_paragraph("Avtalen skal sikre samarbeid.")
    document.add_heading("Politiråd", level=2)
    document.add_paragraph("Politirådet består av:")
    document.add_paragraph("ordfører", style="List Paragraph")  # Word's style for lists numbered by hand
    document.add_paragraph("lensmann", style="List Paragraph")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "For Ringsaker kommune", "For Innlandet politidistrikt"
    table.cell(1, 0).text, table.cell(1, 1).text = "Ola Nordmann\nordfører", "Kari Nordmann\npolitimester"
    document.save(tmp_path / "avtale.docx")
    parsed = parse_agreement(tmp_path / "avtale.docx")
    assert parsed.title == "Samarbeidsavtale mellom Ringsaker kommune og Innlandet politidistrikt"
    assert parsed.headings == ["Formål", "Politiråd"] and parsed.toc == ["Formål"]
    assert parsed.sections[1].html == "<p>Politirådet består av:</p><ul><li>ordfører</li><li>lensmann</li></ul>"
    assert [(s.name, s.title, s.party) for s in parsed.signatories] == [
        ("Ola Nordmann", "ordfører", "Ringsaker kommune"),
        ("Kari Nordmann", "politimester", "Innlandet politidistrikt"),
    ]
    assert parsed.coverage.ratio == 1.0


def test_a_pdf_with_bare_page_numbers_keeps_a_paragraph_that_runs_over_a_page_break(tmp_path):
    from weasyprint import HTML

    sentence = "Politiet og kommunen skal samarbeide tett om forebygging i lokalsamfunnet. "
    page = (
        '<html lang="nb"><style>@page { size: A5; margin: 2cm; @bottom-right { content: counter(page) } } '
        "h2 { font-size: 10pt; margin: 8pt 0 0 0 } p { margin: 0 0 8pt 0; font-size: 10pt }</style>"
        "<p><b>Samarbeidsavtale mellom Gran kommune og Innlandet politidistrikt</b></p>"
        f"<h2>1. Formål</h2><p>{sentence * 40}</p><h2>2. Varighet</h2><p>Avtalen gjelder til ny avtale er inngått.</p>"
        "<p>Gran, 1. juli 2025</p><table style='width: 100%'><tr><td>Ola Hansen</td><td>Kari Berg</td></tr>"
        "<tr><td>ordfører</td><td>politimester</td></tr></table></html>"
    )
    (tmp_path / "avtale.pdf").write_bytes(HTML(string=page).write_pdf())
    parsed = parse_agreement(tmp_path / "avtale.pdf")
    assert [item.text for item in parsed.set_aside if item.reason == "page"] == ["1", "2"]
    assert parsed.headings == ["Formål", "Varighet"] and parsed.open_ended
    assert parsed.sections[0].html == f"<p>{sentence.strip()}" + f" {sentence.strip()}" * 39 + "</p>"
    assert [(s.name, s.title, s.date) for s in parsed.signatories] == [
        ("Ola Hansen", "ordfører", datetime.date(2025, 7, 1)),
        ("Kari Berg", "politimester", datetime.date(2025, 7, 1)),
    ]


@pytest.mark.parametrize(
    "end, start, joined",
    [
        ("samar\u2010", "beidet", "samarbeidet"),  # the hyphen a typesetter adds (WeasyPrint, InDesign)
        ("samar\u00ad", "beidet", "samarbeidet"),  # a soft hyphen
        ("kriminalitets-", "forebygging", "kriminalitetsforebygging"),  # Word's hyphen-minus inside a word
        ("rus-", "og kriminalitet", "rus- og kriminalitet"),  # "rus- og kriminalitetsforebyggende"
        ("SLT-", "koordinator", "SLT-koordinator"),
        ("e-", "post", "e-post"),
        ("Sør-", "Vest", "Sør-Vest"),
        ("politiet", "og kommunen", "politiet og kommunen"),
    ],
)
def test_a_pdf_line_break_inside_a_word_is_mended_only_where_the_hyphen_is_not_the_words(end, start, joined):
    from agreements.importing.read import _pdf_join

    assert _pdf_join(end, start) == joined


def test_an_upload_is_read_by_its_file_name(tmp_path):
    path = built(tmp_path, SMALL, format="docx")
    parsed = parse_agreement(path.read_bytes(), filename="Avtale.DOCX")
    assert parsed.headings == HEADINGS and parsed.source_format == "docx"


def test_blocks_survive_the_session_as_json():
    document = read(build.render_txt(build.parse_source(SMALL), {}), filename="a.txt")
    again = type(document).from_dict(json.loads(json.dumps(document.to_dict())))
    assert again == document


# --- Heading shapes ----------------------------------------------------------------------------------

BODY = "Her står det ein tekst som sluttar med punktum."


@pytest.mark.parametrize(
    "lines, headings",
    [
        (["1. Formål", BODY, "2. Politiråd", BODY], ["Formål", "Politiråd"]),
        (
            ["1 Formål", BODY, "2 Politiråd", BODY, "2.1 Møte", BODY, "2.2 Referat", BODY, "3 Slutt", BODY],
            ["Formål", "Politiråd", "Møte", "Referat", "Slutt"],
        ),
        (["§ 1 Formål", BODY, "§ 2. Politiråd", BODY], ["Formål", "Politiråd"]),
        (
            ["Kapittel 1 Innleiing", "§ 1 Formål", BODY, "Kapittel 2: Organisering", "§ 2 Politiråd", BODY],
            ["Innleiing", "Formål", "Organisering", "Politiråd"],
        ),
        (["FORMÅL", BODY, "POLITIRÅD OG SLT", BODY], ["FORMÅL", "POLITIRÅD OG SLT"]),
        (["**Formål**", BODY, "**Politiråd**", BODY], ["Formål", "Politiråd"]),
        (["Formål:", BODY, "Politiråd:", BODY, "Politikontakt:", BODY], ["Formål", "Politiråd", "Politikontakt"]),
        (["Formål", BODY, "Politiråd", BODY], ["Formål", "Politiråd"]),
    ],
    ids=["numbered", "sub-numbered", "paragraph-sign", "kapittel", "capitals", "bold", "colon", "plain"],
)
@pytest.mark.parametrize("blank_before", [True, False], ids=["blank-lines", "no-blank-lines"])
def test_every_heading_shape_is_found_with_or_without_blank_lines(lines, headings, blank_before):
    separator = "\n\n" if blank_before else "\n"
    text = "Samarbeidsavtale mellom Luster kommune og Vest politidistrikt\n\n" + separator.join(lines) + "\n"
    if not blank_before and headings == ["Formål", "Politiråd"] and lines[0] == "Formål":
        text = text.replace(f"{BODY}\nPolitiråd", f"{BODY}\nPolitiråd")  # a short line after a full stop
    parsed = parse_text(text)
    assert parsed.headings == headings
    assert all(s.html.startswith("<p>Her står") for s in parsed.sections if s.html)
    assert parsed.coverage.lost == []


def test_numbered_lists_are_not_headings_and_docx_heading_2_is_a_sub_heading(tmp_path):
    text = (
        "Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\n1. Formål\n\nVi skal:\n\n"
        "1. Møtast\n2. Skrive referat\n\n2. Politiråd\n\nTekst om rådet.\n"
    )
    parsed = parse_text(text)
    assert parsed.headings == ["Formål", "Politiråd"]
    assert "<ol><li>Møtast</li><li>Skrive referat</li></ol>" in parsed.sections[0].html
    path = built(tmp_path, "# Formål\n\n## Deltakarar\n\nTekst.\n", format="docx", headings="style")
    parsed = parse_agreement(path)
    assert (
        parsed.headings == ["Formål"] and parsed.sections[0].html == "<p><strong>Deltakarar</strong></p><p>Tekst.</p>"
    )


# --- No text lost ------------------------------------------------------------------------------------


def test_text_before_the_first_heading_is_a_preamble_section():
    text = (
        "Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\nDenne avtalen erstattar den frå 2018. "
        "Ho er lang og forklarar mykje.\n\nHo har fleire avsnitt.\n\n1. Formål\n\nTekst.\n\n"
        "2. Slutt\n\nTekst.\n"
    )
    parsed = parse_text(text)
    assert parsed.headings == ["Formål", "Slutt"]
    preamble = parsed.sections[0]
    assert preamble.preamble and preamble.html.startswith("<p>Denne avtalen") and "fleire avsnitt" in preamble.html
    assert parsed.preamble_html == preamble.html


def test_a_text_without_headings_is_all_preamble_and_nothing_is_lost():
    parsed = parse_text("Vi er einige om å samarbeide.\nPolitiet og kommunen møtest kvar månad.\n")
    assert parsed.headings == [] and len(parsed.sections) == 1 and parsed.sections[0].preamble
    assert parsed.coverage.ratio == 1.0 and parsed.coverage.in_sections == 12


def test_coverage_counts_the_words_placed_and_names_what_was_set_aside():
    parsed = parse_text(
        "POLITIET\n\nSamarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\nInnhold\n"
        "Formål ..... 2\n\nFormål\n\nTekst om formålet.\n\nSide 2 av 3\n\nOla Nordmann\nOrdfører\n"
        "Moss kommune\n"
    )
    coverage = parsed.coverage
    assert coverage.lost == [] and coverage.ratio == 1.0
    assert coverage.in_sections == 4  # "Formål", "Tekst om formålet"
    reasons = {item.reason: item.text for item in parsed.set_aside}
    assert reasons["title"] == "POLITIET\nSamarbeidsavtale mellom Moss kommune og Øst politidistrikt"
    assert reasons["toc"] == "Innhold\nFormål ..... 2"
    assert reasons["page"] == "Side 2 av 3"
    assert reasons["signatures"] == "Ola Nordmann\nOrdfører\nMoss kommune"
    assert coverage.source_words == coverage.in_sections + coverage.set_aside


# --- Recognition -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, kommuner, police",
    [
        (
            "Samarbeidsavtale\nmellom\nkommunane Leikanger, Sogndal og Luster\nog\nVest politidistrikt",
            ["Leikanger kommune", "Sogndal kommune", "Luster kommune"],
            ["Vest politidistrikt"],
        ),
        (
            "Samarbeidsavtale mellom Bodø og Saltdal kommuner og Nordland politidistrikt",
            ["Bodø kommune", "Saltdal kommune"],
            ["Nordland politidistrikt"],
        ),
        (
            "Samarbeidsavtale mellom Stord kommune,\nFitjar kommune og Bømlo kommune\nog Stord lensmannsdistrikt",
            ["Stord kommune", "Fitjar kommune", "Bømlo kommune"],
            ["Stord lensmannsdistrikt"],
        ),
        (
            "SAMARBEIDSAVTALE MELLOM SØR-VARANGER KOMMUNE OG FINNMARK POLITIDISTRIKT",
            ["Sør-Varanger kommune"],
            ["Finnmark politidistrikt"],
        ),
        ("Politirådsavtale mellom Voss herad og Vest politidistrikt", ["Voss herad"], ["Vest politidistrikt"]),
    ],
    ids=["kommunane-list", "kommuner-after", "over-lines", "capitals", "herad"],
)
def test_parties_are_read_from_titles_of_every_shape(title, kommuner, police):
    parsed = parse_text(f"{title}\n\nFormål\n\nTekst om samarbeidet.\n")
    assert parsed.mentions("kommune") == kommuner
    assert [p.text for p in parsed.parties if p.kind != "kommune"] == police


def test_police_units_carry_their_district_and_unknown_ones_are_marked_for_creation():
    known = parse_text("Samarbeidsavtale mellom Alta kommune og Alta lensmannsdistrikt\n\nFormål\n\nTekst.\n")
    unit = known.parties[1]
    assert (unit.kind, unit.known, unit.district) == ("police_unit", True, "Finnmark politidistrikt")
    unknown = parse_text(
        "Samarbeidsavtale mellom Voss herad og Vest politidistrikt ved Voss lensmannskontor\n\nFormål\n\nTekst.\n"
    )
    assert [(p.text, p.district) for p in unknown.unknown_units] == [("Voss lensmannskontor", "Vest politidistrikt")]
    by_kommune = parse_text("Samarbeidsavtale mellom Lærdal kommune og Lærdal lensmannskontor\n\nFormål\n\nTekst.\n")
    assert [(p.text, p.district) for p in by_kommune.unknown_units] == [
        ("Lærdal lensmannskontor", "Vest politidistrikt")
    ]


def test_parties_named_only_in_the_preamble_are_found():
    parsed = parse_text(
        "Samarbeidsavtale\n\nAvtalen er inngått mellom Hamar kommune og Innlandet politidistrikt.\n\n"
        "Formål\n\nTekst om samarbeidet med Løten kommune.\n"
    )
    assert [p.text for p in parsed.parties] == ["Hamar kommune", "Innlandet politidistrikt"]


@pytest.mark.parametrize(
    "sentence, period",
    [
        ("Avtalen gjelder for perioden 2025-2027.", (datetime.date(2025, 1, 1), datetime.date(2027, 12, 31), False)),
        ("Avtalen gjeld i perioden 2024 til 2027.", (datetime.date(2024, 1, 1), datetime.date(2027, 12, 31), False)),
        (
            "Avtalen gjeld frå 1. januar 2024 til 31. desember 2026.",
            (datetime.date(2024, 1, 1), datetime.date(2026, 12, 31), False),
        ),
        ("Avtalen gjelder fra 1. mars 2025 og til ny avtale er inngått.", (datetime.date(2025, 3, 1), None, True)),
        ("Avtalen gjeld til ny avtale er inngått.", (None, None, True)),
        ("Politirådet møttes i perioden 2015–2017.", (None, None, False)),  # not about the agreement
    ],
)
def test_the_period_is_read_from_a_sentence_about_the_agreement_in_the_body(sentence, period):
    parsed = parse_text(
        "Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\nInnledning\n\nTekst om samarbeidet.\n\n"
        f"Varighet\n\nDet er semje om dette. {sentence} Partane kan seie opp avtalen.\n"
    )
    assert (parsed.period_start, parsed.period_end, parsed.open_ended) == period


@pytest.mark.parametrize(
    "block, expected",
    [
        (  # two columns laid out with spaces, dates on top, "For X" lines
            "Sogndal, 14.02.2025        Bergen, 15.02.2025\nFor Sogndal kommune        For Vest politidistrikt\n"
            "Jon Haugen                 Kari Sandvik\nordførar                   politimeister",
            [
                ("Jon Haugen", "Sogndal kommune", "Sogndal", datetime.date(2025, 2, 14)),
                ("Kari Sandvik", "Vest politidistrikt", "Bergen", datetime.date(2025, 2, 15)),
            ],
        ),
        (  # one column, "For X" lines, one place and date for both
            "Steinkjer, 30.08.2024\n\nFor Steinkjer kommune\nAnne Lein\nordfører\n\nFor Trøndelag politidistrikt\n"
            "Bjørn Aune\npolitimester",
            [
                ("Anne Lein", "Steinkjer kommune", "Steinkjer", datetime.date(2024, 8, 30)),
                ("Bjørn Aune", "Trøndelag politidistrikt", "Steinkjer", datetime.date(2024, 8, 30)),
            ],
        ),
        (  # a table, the title above the name
            "Ordfører\tPolitimester\nLillehammer kommune\tInnlandet politidistrikt\nOle Arnesen\tJohan Brekke",
            [("Ole Arnesen", "Lillehammer kommune", "", None), ("Johan Brekke", "Innlandet politidistrikt", "", None)],
        ),
        (  # "Sted/dato:" lines and "Ordfører i X"
            "Sted/dato: Kristiansand, 12.06.2025\nMathias Bernander\nOrdfører i Kristiansand\n\n"
            "Sted/dato: Kristiansand, 16.06.2025\nKenneth Kvamme\n"
            "Politistasjonssjef Kristiansand politistasjonsdistrikt",
            [
                ("Mathias Bernander", "Kristiansand kommune", "Kristiansand", datetime.date(2025, 6, 12)),
                ("Kenneth Kvamme", "Kristiansand politistasjonsdistrikt", "Kristiansand", datetime.date(2025, 6, 16)),
            ],
        ),
    ],
    ids=["two-columns", "for-lines", "table", "sted-dato"],
)
def test_signatories_are_read_from_signature_blocks_of_every_shape(block, expected):
    parsed = parse_text(f"Samarbeidsavtale mellom X kommune og Y politidistrikt\n\nFormål\n\nTekst.\n\n{block}\n")
    assert [(s.name, s.party, s.place, s.date) for s in parsed.signatories] == expected
    assert parsed.signed_on == max(d for *_, d in expected if d) if any(d for *_, d in expected) else True
    assert parsed.sections[-1].html == "<p>Tekst.</p>"  # the block is not in the last section
    assert parsed.coverage.lost == []


def test_a_table_of_roles_at_the_end_is_text_not_signatures():
    parsed = parse_text("Samarbeidsavtale mellom Moss kommune og Øst politidistrikt\n\nRoller\n\nLeiar\tOrdfører\n")
    assert parsed.signatories == []
    assert "<td>Leiar</td><td>Ordfører</td>" in parsed.sections[0].html


# --- The corpus --------------------------------------------------------------------------------------


def _benchmark():
    spec = importlib.util.spec_from_file_location("import_benchmark", CORPUS.parent / "import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_corpus_and_the_seeds_meet_the_goals():
    benchmark = _benchmark()
    truths = benchmark.truths()
    assert len([t for t in truths if not t.stem.startswith("seed-")]) >= 12
    rows = [benchmark.evaluate(path) for path in truths]
    failing = [(r.name, r.word_recall, r.heading_recall, r.parties) for r in rows if not r.meets_goals]
    assert failing == []
    assert all(r.coverage == 1.0 for r in rows)
    formats = {r.format for r in rows}
    assert formats == {"txt", "docx", "odt", "pdf"}


def test_the_built_corpus_files_are_what_the_sources_give(tmp_path):
    subprocess.run([sys.executable, str(CORPUS / "build.py"), "--out", str(tmp_path)], check=True, capture_output=True)
    built_files = sorted(path.name for path in tmp_path.iterdir())
    assert len(built_files) >= 12
    for name in built_files:
        assert (tmp_path / name).read_bytes() == (CORPUS / "built" / name).read_bytes(), name
