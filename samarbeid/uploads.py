"""Uploaded documents (vedlegg to agreements and meetings): only PDF, DOCX and ODT, size-limited, checked
by extension AND by content, stored under a short, safe name."""

import re
import unicodedata
import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Characters of an uploaded file's name as kept (shown, downloaded, stored): well inside the file system's
# 255 bytes per name even in UTF-8 and with the storage's suffix for a taken name, and inside every
# title and name column.
MAX_NAME_CHARS = 100
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}


def sniff_document_type(upload: UploadedFile) -> str | None:
    """The extension the content really has (.pdf, .docx or .odt), or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return ".docx"
            if "mimetype" in names and archive.read("mimetype").strip() == CONTENT_TYPES[".odt"].encode():
                return ".odt"
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    return None


def safe_name(name: str) -> str:
    """The file name without control characters or path and shell separators, its stem shortened so that the
    whole is at most MAX_NAME_CHARS long; the extension is kept ("vedlegg" stands in for an empty stem)."""
    path = PurePath(str(name).replace("\\", "/"))
    cleaned = "".join(c for c in unicodedata.normalize("NFC", path.name) if unicodedata.category(c)[0] != "C")
    cleaned = re.sub(r'[/\\:*?"<>|]', "_", cleaned).strip()
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or len(extension) > 10:  # no extension: the whole is the stem (refused below as a wrong type)
        stem, extension = cleaned, ""
    extension = f".{extension.lower()}" if extension else ""
    stem = stem[: MAX_NAME_CHARS - len(extension)].strip(" .") or "vedlegg"
    return stem + extension


def validate_attachment(upload: UploadedFile) -> str:
    """Raise a Norwegian ValidationError unless the file is a real PDF/DOCX/ODT within the limit; return its type.

    The upload's name is made safe and short (`safe_name`), so it can be stored and shown as it is."""
    upload.name = safe_name(upload.name or "")
    extension = PurePath(upload.name).suffix.lower()
    if extension not in CONTENT_TYPES:
        raise ValidationError(_("Vedlegg må være PDF, DOCX eller ODT."))
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("Filen er for stor (%(size)s MB). Største tillatte størrelse er %(max)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "max": MAX_ATTACHMENT_BYTES // 1024 // 1024}
        )
    if sniff_document_type(upload) != extension:
        raise ValidationError(_("Innholdet i filen stemmer ikke med filtypen %(ext)s.") % {"ext": extension})
    return CONTENT_TYPES[extension]
