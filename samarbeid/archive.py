"""Archive packages: records as a zip with their files and Noark 5-style metadata, for a kommune's sak/arkiv system.

A package is one zip: `metadata.xml` (schema samarbeid/schemas/noark5_samarbeid.xsd, namespace NS) at its root
and the documents under `dokumenter/`. The apps describe their records as `Mappe` → `Registrering` →
`Dokument` (agreements/archive.py: a signed agreement; councils/archive.py: a council's minutes); this module
writes the XML (validated against the schema every time: a package that does not validate is never handed out),
the checksums and the zip. The core imports no app.
"""

import datetime
import functools
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from lxml import etree

NS = "urn:x-samarbeid:noark5:1"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "noark5_samarbeid.xsd"
PDF_A = ("PDF/A-2b", "fmt/476", "application/pdf")  # format, PRONOM id, MIME type


class InvalidPackage(ValueError):
    pass


@dataclass
class Skjerming:
    legal_basis: str  # "offl. § 13 jf. fvl. § 13"
    decided_at: datetime.datetime | None = None
    decided_by: str = ""


@dataclass
class Dokument:
    """One document of a record (dokumentbeskrivelse with one dokumentobjekt)."""

    title: str
    filename: str  # the file's name in the package, under dokumenter/
    content: bytes
    created_at: datetime.datetime
    document_type: str  # "Avtale", "Møtereferat", "Vedlegg"
    main: bool = False  # Hoveddokument, else Vedlegg
    format: str = ""  # "PDF/A-2b"; else from the MIME type
    format_details: str = ""
    mime_type: str = "application/pdf"
    archival: bool = True  # Arkivformat, else Produksjonsformat
    skjerming: Skjerming | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Signatur:
    name: str
    role: str
    party: str
    place: str
    signed_at: datetime.datetime
    assurance: str  # how the signer authenticated, e.g. "Passord og engangskode (TOTP)"
    content_sha256: str


@dataclass
class Part:
    system_id: str
    name: str
    role: str
    kommunenummer: str = ""


@dataclass
class Moete:
    forum: str
    number: str
    starts_at: datetime.datetime
    place: str
    closed: bool
    attendees: list[tuple[str, str]] = field(default_factory=list)  # (name, function)


@dataclass
class Registrering:
    system_id: str
    kind: str  # "Arkivnotat" / "Møteregistrering"
    title: str
    created_at: datetime.datetime
    documents: list[Dokument]
    signatures: list[Signatur] = field(default_factory=list)
    meeting: Moete | None = None


@dataclass
class Mappe:
    system_id: str
    kind: str  # "Saksmappe" / "Møtemappe"
    title: str
    created_at: datetime.datetime
    parties: list[Part]
    records: list[Registrering]
    description: str = ""
    closed_at: datetime.datetime | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    version: int | None = None
    replaces: str = ""
    verification_url: str = ""
    folder: str = ""  # the folder of the package that holds this mappe's documents ("" = the root)


def _text(parent, name: str, value) -> None:
    if value is None or value == "":
        return
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).isoformat(timespec="seconds")
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    elif isinstance(value, bool):
        value = "true" if value else "false"
    element.text = str(value)


def _sub(parent, name: str):
    return etree.SubElement(parent, f"{{{NS}}}{name}")


def document_path(mappe: Mappe, document: Dokument) -> str:
    return "/".join(filter(None, [mappe.folder, "dokumenter", document.filename]))


def metadata_xml(*, system_id: str, title: str, folders: list[Mappe], by: str, produced_at=None) -> bytes:
    """The arkivdel with its folders as XML, validated against the schema (InvalidPackage if it does not)."""
    produced_at = produced_at or timezone.now()
    root = etree.Element(f"{{{NS}}}arkivdel", nsmap={None: NS})
    _text(root, "systemID", system_id)
    _text(root, "tittel", title)
    _text(root, "arkivdelstatus", "Avsluttet periode")
    _text(root, "opprettetDato", produced_at)
    _text(root, "opprettetAv", by)
    _text(root, "produsert", "Samarbeid")
    for mappe in folders:
        _mappe(root, mappe, by=by, archived_at=produced_at)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    problems = validation_errors(xml)
    if problems:
        raise InvalidPackage("; ".join(problems))
    return xml


def _mappe(root, mappe: Mappe, *, by: str, archived_at) -> None:
    element = _sub(root, "mappe")
    _text(element, "systemID", mappe.system_id)
    _text(element, "mappetype", mappe.kind)
    _text(element, "tittel", mappe.title)
    _text(element, "beskrivelse", mappe.description)
    _text(element, "opprettetDato", mappe.created_at)
    _text(element, "avsluttetDato", mappe.closed_at)
    _text(element, "gyldigFra", mappe.valid_from)
    _text(element, "gyldigTil", mappe.valid_to)
    _text(element, "versjon", mappe.version)
    _text(element, "erstatter", mappe.replaces)
    _text(element, "kontrolladresse", mappe.verification_url)
    for party in mappe.parties:
        part = _sub(element, "part")
        _text(part, "partID", party.system_id)
        _text(part, "partNavn", party.name)
        _text(part, "partRolle", party.role)
        _text(part, "kommunenummer", party.kommunenummer)
    for record in mappe.records:
        _registrering(element, mappe, record, by=by, archived_at=archived_at)


def _registrering(parent, mappe: Mappe, record: Registrering, *, by: str, archived_at) -> None:
    element = _sub(parent, "registrering")
    _text(element, "systemID", record.system_id)
    _text(element, "registreringstype", record.kind)
    _text(element, "tittel", record.title)
    _text(element, "opprettetDato", record.created_at)
    _text(element, "arkivertDato", archived_at)
    _text(element, "arkivertAv", by)
    if record.meeting:
        meeting = _sub(element, "moete")
        _text(meeting, "utvalg", record.meeting.forum)
        _text(meeting, "moetenummer", record.meeting.number)
        _text(meeting, "moetedato", record.meeting.starts_at)
        _text(meeting, "moetested", record.meeting.place)
        _text(meeting, "lukketMoete", record.meeting.closed)
        for name, function in record.meeting.attendees:
            attendee = _sub(meeting, "moetedeltaker")
            _text(attendee, "moetedeltakerNavn", name)
            _text(attendee, "moetedeltakerFunksjon", function)
    for signature in record.signatures:
        sig = _sub(element, "signatur")
        _text(sig, "signertAv", signature.name)
        _text(sig, "rolle", signature.role)
        _text(sig, "part", signature.party)
        _text(sig, "sted", signature.place)
        _text(sig, "signertDato", signature.signed_at)
        _text(sig, "elektroniskSignaturSikkerhetsnivaa", signature.assurance)
        _text(sig, "signertInnholdSjekksum", signature.content_sha256)
    for number, document in enumerate(record.documents, start=1):
        _dokument(element, mappe, record, document, number)


def _dokument(parent, mappe: Mappe, record: Registrering, document: Dokument, number: int) -> None:
    element = _sub(parent, "dokumentbeskrivelse")
    _text(element, "systemID", f"{record.system_id}.{number}")
    _text(element, "dokumenttype", document.document_type)
    _text(element, "dokumentstatus", "Dokumentet er ferdigstilt")
    _text(element, "tittel", document.title)
    _text(element, "opprettetDato", document.created_at)
    _text(element, "tilknyttetRegistreringSom", "Hoveddokument" if document.main else "Vedlegg")
    _text(element, "dokumentnummer", number)
    if document.skjerming:
        skjerming = _sub(element, "skjerming")
        _text(skjerming, "tilgangsrestriksjon", "Unntatt offentlighet")
        _text(skjerming, "skjermingshjemmel", document.skjerming.legal_basis)
        _text(skjerming, "skjermingDokument", "Hele dokumentet")
        _text(skjerming, "skjermetDato", document.skjerming.decided_at)
        _text(skjerming, "skjermetAv", document.skjerming.decided_by)
    obj = _sub(element, "dokumentobjekt")
    _text(obj, "versjonsnummer", 1)
    _text(obj, "variantformat", "Arkivformat" if document.archival else "Produksjonsformat")
    _text(obj, "format", document.format or document.mime_type)
    _text(obj, "formatDetaljer", document.format_details)
    _text(obj, "mimeType", document.mime_type)
    _text(obj, "opprettetDato", document.created_at)
    _text(obj, "referanseDokumentfil", document_path(mappe, document))
    _text(obj, "sjekksum", document.sha256)
    _text(obj, "sjekksumAlgoritme", "SHA-256")
    _text(obj, "filstoerrelse", len(document.content))


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def validation_errors(xml: bytes) -> list[str]:
    """What the schema finds wrong with `xml` (empty when it validates)."""
    validator = schema()
    if validator.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in validator.error_log]


def package_zip(*, system_id: str, title: str, folders: list[Mappe], by: str) -> bytes:
    """The zip: metadata.xml, and each folder's documents (stored as they are, deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.xml", metadata_xml(system_id=system_id, title=title, folders=folders, by=by))
        for mappe in folders:
            for record in mappe.records:
                for document in record.documents:
                    archive.writestr(document_path(mappe, document), document.content)
    return buffer.getvalue()


def safe_filename(text: str, *, default: str = "dokument") -> str:
    """A file name of [A-Za-z0-9._-] (the schema's file path): "Vedlegg 1: Årshjul" → "vedlegg-1-arshjul"."""
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})
    cleaned = "".join(c if c.isalnum() and c.isascii() else "-" for c in text.translate(table).lower())
    cleaned = "-".join(filter(None, cleaned.split("-")))[:80]
    return cleaned or default


FORMATS = {  # MIME type → the format as named in the metadata (else the MIME type itself)
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.text": "ODT",
}


def person_name(user) -> str:
    """Who did it, as the metadata names them: the person's name, else the login's e-mail."""
    if user is None:
        return ""
    return user.person.name if getattr(user, "person", None) else user.email


def skjerming_of(record) -> Skjerming | None:
    """The skjerming of an exemption record (meeting or attachment exemption); None where nothing is exempt."""
    if record is None or not record.exempt:
        return None
    return Skjerming(
        record.get_legal_basis_display(), decided_at=record.decided_at, decided_by=person_name(record.decided_by)
    )


def attachment_dokument(attachment, *, filename_stem: str, skjerming: Skjerming | None = None) -> Dokument:
    """An uploaded vedlegg (title, original_name, content_type, uploaded_at, file) as a document of the package."""
    with attachment.file.open("rb") as file:
        content = file.read()
    name = attachment.original_name
    extension = safe_filename(name.rsplit(".", 1)[-1].lower(), default="bin") if "." in name else "bin"
    return Dokument(
        title=attachment.title,
        filename=f"{filename_stem}.{extension}",
        content=content,
        created_at=attachment.uploaded_at,
        document_type="Vedlegg",
        archival=False,
        format=FORMATS.get(attachment.content_type, attachment.content_type),
        format_details=name,
        mime_type=attachment.content_type,
        skjerming=skjerming,
    )
