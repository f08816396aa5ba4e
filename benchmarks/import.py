"""How well the import reads agreements: the corpus in benchmarks/import_corpus and the three seeds.

    uv run python benchmarks/import.py [--build] [--check]

For each document (its ground truth in benchmarks/import_corpus/truth/*.json) it prints heading recall and
precision, word recall and precision, and whether the parties, the period, the signatories, the signing date
and the målform were read right; then the coverage the import itself reports.

- Headings are compared without their numbering, case and punctuation ("3.1 Politiråd" = "politiråd").
- Words: the reference is the text a reader of the document sees (for the corpus the source it was built from,
  without markup and list markers; for a seed its text without Word's artefacts, list markers and bare page
  numbers). The import's words are its sections (headings and visible text) and what it set aside as title,
  table of contents and signatures — not page headers and footers, which are no part of the text. Numbers of
  one or two digits are left out of both (page numbers, list numbering and heading numbers are shown by the
  layout). Recall: share of the reference found; precision: share of the import's words in the reference.
- Parties: the kommuner and the police parties (district and units) the import names, as sets.
Goals: word recall 1.00 on every document, heading recall ≥ 0.95, parties right on all. `--check` exits 1
if a goal is missed; `--build` rebuilds the corpus first (benchmarks/import_corpus/build.py).
"""

import argparse
import datetime
import json
import os
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "import_corpus"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/benchmark.sqlite3")

CORPUS = ROOT / "benchmarks" / "import_corpus"
GOALS = {"word_recall": 1.0, "heading_recall": 0.95}
_WORD = re.compile(r"\w+")


def _words(text: str) -> Counter:
    return Counter(w for w in _WORD.findall(text.lower()) if not re.fullmatch(r"\d{1,2}", w))


def _heading_key(text: str) -> str:
    text = re.sub(r"\*\*", "", text).strip()
    text = re.sub(
        r"^(?:§\s*|(?:kapittel|kap\.)\s+)?\d{1,2}(?:\.\d{1,2})*\.?\s*[-–:.]?\s*", "", text, flags=re.IGNORECASE
    )
    return " ".join(_WORD.findall(text.lower().rstrip(":")))


def reference_words(truth: dict) -> Counter:
    if "source" in truth:
        from build import parse_source, plain_text

        return _words(plain_text(parse_source((CORPUS / "sources" / truth["source"]).read_text(encoding="utf-8"))))
    text = (CORPUS / truth["file"]).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\[bookmark:[^\]]*\]|\*\*|</?i>", "", line)
        if re.fullmatch(r"\s*\d{1,3}\s*", line):
            continue
        lines.append(re.sub(r"^\s*(?:[-•·❖–o]\s+)+", "", line))
    return _words("\n".join(lines))


def import_words(parsed) -> Counter:
    text = []
    for section in parsed.sections:
        if not section.preamble:  # the preamble's heading is the import's own
            text += [section.numbering, section.heading]
        text.append(re.sub(r"<[^>]+>", " ", section.html))
    text += [item.text for item in parsed.set_aside if item.reason != "page"]
    import html

    return _words(html.unescape("\n".join(text)))


def _ratio(part: int, whole: int) -> float:
    return 1.0 if whole == 0 else part / whole


def _date(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@dataclass
class Row:
    name: str
    format: str
    heading_recall: float
    heading_precision: float
    word_recall: float
    word_precision: float
    parties: bool
    period: bool
    signatories: bool
    signed_on: bool
    malform: bool
    coverage: float
    missing: list[str]
    extra: list[str]

    @property
    def meets_goals(self) -> bool:
        return (
            self.word_recall >= GOALS["word_recall"] and self.heading_recall >= GOALS["heading_recall"] and self.parties
        )


def evaluate(truth_path: Path) -> Row:
    from agreements.importing import parse_agreement

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    path = (CORPUS / truth["file"]).resolve()
    parsed = parse_agreement(path)

    expected = Counter(_heading_key(h) for h in truth["headings"])
    found = Counter(_heading_key(h) for h in parsed.headings)
    matched = sum((expected & found).values())

    reference, imported = reference_words(truth), import_words(parsed)
    common = sum((reference & imported).values())

    kommuner = {p.text.lower() for p in parsed.parties if p.kind == "kommune"}
    police = {p.text.lower() for p in parsed.parties if p.kind != "kommune"}
    parties = kommuner == {k.lower() for k in truth["parties"]["kommuner"]} and police == {
        p.lower() for p in truth["parties"]["police"]
    }
    period = truth["period"]
    period_right = (parsed.period_start, parsed.period_end, parsed.open_ended) == (
        _date(period["start"]),
        _date(period["end"]),
        period["open_ended"],
    )
    signatories = [(s.name, s.party, s.date) for s in parsed.signatories] == [
        (s["name"], s["party"], _date(s["date"])) for s in truth["signatories"]
    ]
    return Row(
        name=truth_path.stem,
        format=path.suffix.lstrip("."),
        heading_recall=_ratio(matched, sum(expected.values())),
        heading_precision=_ratio(matched, sum(found.values())),
        word_recall=_ratio(common, sum(reference.values())),
        word_precision=_ratio(common, sum(imported.values())),
        parties=parties,
        period=period_right,
        signatories=signatories,
        signed_on=parsed.signed_on == _date(truth["signed_on"]),
        malform=parsed.malform == truth["malform"],
        coverage=parsed.coverage.ratio,
        missing=sorted((reference - imported).elements()),
        extra=sorted((imported - reference).elements()),
    )


def truths() -> list[Path]:
    return sorted((CORPUS / "truth").glob("*.json"))


def table(rows: list[Row]) -> str:
    def yes(flag: bool) -> str:
        return "yes" if flag else "NO"

    lines = [
        "| document | format | heading R | heading P | word R | word P | parties | period | signatories | signed | "
        "målform | coverage |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.format} | {r.heading_recall:.2f} | {r.heading_precision:.2f} | {r.word_recall:.2f} | "
            f"{r.word_precision:.2f} | {yes(r.parties)} | {yes(r.period)} | {yes(r.signatories)} | "
            f"{yes(r.signed_on)} | {yes(r.malform)} | {r.coverage:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="rebuild the corpus files first")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--verbose", action="store_true", help="list the words missed and added")
    args = parser.parse_args()
    import django

    django.setup()
    if args.build:
        from build import build

        build()
    rows = [evaluate(path) for path in truths()]
    print(table(rows))
    missed = [r.name for r in rows if not r.meets_goals]
    if args.verbose:
        for r in rows:
            if r.missing or r.extra:
                print(f"{r.name}: missing {r.missing[:30]} extra {r.extra[:30]}")
    print(
        f"\n{len(rows)} documents; goals (word recall 1.00, heading recall ≥ 0.95, parties right) "
        + ("met on all." if not missed else f"missed on: {', '.join(missed)}")
    )
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
