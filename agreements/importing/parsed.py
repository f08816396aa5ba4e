"""What an import found: the contract between the reading pipeline and the code that shows and creates drafts."""

import datetime
from dataclasses import dataclass, field

from samarbeid.models import Malform


@dataclass
class PartyMention:
    """A party as the text names it: "Moss kommune", "Øst politidistrikt", "Sogn lensmannsdistrikt".

    `district` is the police district a police unit belongs to, as far as the text and the reference data
    tell ("Vest politidistrikt"); `known` is False for a police unit the reference register does not list,
    so the review step can offer to create it under that district.
    """

    text: str
    kind: str  # "kommune", "politidistrikt", "police_unit"
    source: str  # "title", "body" or "signature"
    district: str = ""
    known: bool = True


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
    preamble: bool = False  # the text before the document's first heading, under a heading of our own
    numbering: str = ""  # the heading's own numbering as written: "3.1", "§ 2", "Kapittel 2"


@dataclass
class SetAside:
    """Text read but not put in a section, and why: "title", "toc" (table of contents), "signatures",
    "page" (page headers and footers repeated on every page)."""

    reason: str
    text: str


@dataclass
class Coverage:
    """How the words of the source were placed: in sections, set aside for a reason, or lost (never expected)."""

    source_words: int = 0
    in_sections: int = 0
    set_aside: int = 0
    lost: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Share of the source's words that are accounted for (in a section or set aside with a reason)."""
        return 1.0 if not self.source_words else (self.in_sections + self.set_aside) / self.source_words

    @property
    def in_sections_ratio(self) -> float:
        return 1.0 if not self.source_words else self.in_sections / self.source_words


@dataclass
class ParsedAgreement:
    title: str = ""
    malform: str = "nb"
    parties: list[PartyMention] = field(default_factory=list)
    signed_on: datetime.date | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    open_ended: bool = False  # "gjelder til ny avtale er inngått"
    toc: list[str] = field(default_factory=list)
    preamble_html: str = ""

    @property
    def malform_label(self) -> str:
        return str(dict(Malform.choices).get(self.malform, Malform.BOKMAL.label))

    sections: list[ParsedSection] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    source_format: str = "txt"  # "txt", "docx", "odt", "pdf"

    @property
    def headings(self) -> list[str]:
        """The document's own headings, in order (not the preamble's)."""
        return [section.heading for section in self.sections if not section.preamble]

    def mentions(self, kind: str) -> list[str]:
        return [p.text for p in self.parties if p.kind == kind]

    @property
    def unknown_units(self) -> list[PartyMention]:
        """Police units the text names that the reference register lacks, each with its district."""
        return [p for p in self.parties if p.kind == "police_unit" and not p.known]
