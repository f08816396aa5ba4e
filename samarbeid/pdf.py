"""PDF machinery shared by every app: render a template to an archival PDF, seal it, verify a seal.

- `render_pdf` renders a Django template (which extends "samarbeid/pdf/base.html") with WeasyPrint
  to PDF/A-2b, tagged for screen readers, on A4 with "Side x av y" footers and, for drafts, an
  "UTKAST" watermark on every page. The print stylesheet is static/css/print.css; fonts come from
  fontconfig (DejaVu, Debian package fonts-dejavu-core).
- `seal_pdf` adds an incremental PAdES signature with the installation's seal (settings.SEAL_KEY_FILE,
  settings.SEAL_CERT_FILE; `manage.py make_seal` creates a self-signed one for development).
- `verify_pdf` tells whether a PDF carries an intact seal made with our certificate that covers the
  whole file, i.e. nothing has been changed or appended since it was sealed.
"""

import asyncio
import functools
import logging
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one INFO line per page otherwise

SEAL_FIELD_NAME = "Segl"


@functools.cache
def _print_stylesheet():
    # WeasyPrint takes seconds to import: load it when the first PDF is made, not with the URLconf.
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    return CSS(filename=finders.find("css/print.css"), font_config=font_config), font_config


def render_pdf(
    template_name: str,
    context: dict,
    *,
    request=None,
    draft: bool = False,
    title: str = "",
    language: str | None = None,
) -> bytes:
    """Render `template_name` to PDF/A-2b bytes; `language` ("nb"/"nn") sets the målform of labels."""
    with translation.override(language or translation.get_language()):
        html = render_to_string(
            template_name,
            {
                **context,
                "pdf_draft": draft,
                "pdf_title": title,
                "pdf_footer_title": _css_string(title),
                "pdf_language": language or translation.get_language(),
            },
            request=request,
        )
    from weasyprint import HTML

    stylesheet, font_config = _print_stylesheet()
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[stylesheet], font_config=font_config, pdf_tags=True
    )
    return document.write_pdf(pdf_variant="pdf/a-2b", pdf_tags=True)


def _outside_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous API calls asyncio.run(), which fails in a thread that runs an event loop (an ASGI
    server, Playwright's sync API): there, run it in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside <style> (the footer shows the document's title)."""
    escaped = text.replace("\\", "\\5c ").replace('"', "\\22 ").replace("<", "\\3c ").replace("\n", " ")
    return mark_safe(f'"{escaped}"')


class SealNotConfigured(RuntimeError):
    pass


@functools.cache
def _seal_signer(key_file: str, cert_file: str) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load(key_file, cert_file)
    if signer is None:
        raise SealNotConfigured(f"Kunne ikke lese seglnøkkel {key_file} eller seglsertifikat {cert_file}.")
    return signer


def _signer() -> signers.SimpleSigner:
    key_file, cert_file = settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE
    if not (key_file.exists() and cert_file.exists()):
        raise SealNotConfigured(
            f"Seglsertifikatet mangler ({cert_file}). "
            "Kjør «manage.py make_seal» eller sett SEAL_KEY_FILE og SEAL_CERT_FILE."
        )
    return _seal_signer(str(key_file), str(cert_file))


def seal_certificate() -> asn1_x509.Certificate:
    return _signer().signing_cert


def seal_pdf(pdf_bytes: bytes, *, signer_name: str, reason: str = "", location: str = "") -> bytes:
    """Add an incremental PAdES signature made with the installation's seal; returns the new PDF."""
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=signer_name,
        reason=reason or None,
        location=location or None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    output = _outside_event_loop(signers.sign_pdf, writer, metadata, signer=_signer())
    return output.getvalue()


@dataclass(frozen=True)
class VerificationResult:
    """What `verify_pdf` found. `ok` is the bottom line; `reason` explains a failure in Norwegian."""

    ok: bool
    reason: str = ""
    signed: bool = False
    intact: bool = False
    our_seal: bool = False
    unaltered: bool = False
    signer_name: str = ""
    signed_at: object = None  # datetime of the signature, if found
    covering_revision: int | None = None  # the signed revision that covers the whole file (0-based)
    signature_count: int = 0


def verify_pdf(pdf_bytes: bytes) -> VerificationResult:
    """Check that `pdf_bytes` carries an intact seal by this installation covering the entire file."""
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # a damaged or non-PDF upload: any parser error means "not verifiable"
        logger.info("verify_pdf: unreadable PDF: %s", exc)
        return VerificationResult(ok=False, reason=_("Filen kan ikke leses som PDF."))
    if not embedded:
        return VerificationResult(ok=False, reason=_("PDF-en har ingen elektronisk signatur eller segl."))
    try:
        our_cert = seal_certificate()
    except SealNotConfigured:
        return VerificationResult(ok=False, reason=_("Denne installasjonen har ikke noe seglsertifikat."))
    context = ValidationContext(trust_roots=[our_cert], allow_fetching=False)
    whole_file_revision = None
    last = None
    for sig in embedded:
        try:
            status = _outside_event_loop(validate_pdf_signature, sig, context)
        except Exception as exc:  # malformed signature container
            logger.info("verify_pdf: signature could not be validated: %s", exc)
            return VerificationResult(
                ok=False,
                signed=True,
                signature_count=len(embedded),
                reason=_("Signaturen er skadet og kan ikke kontrolleres."),
            )
        if not (status.intact and status.valid):
            return VerificationResult(
                ok=False,
                signed=True,
                signature_count=len(embedded),
                reason=_("Signaturen stemmer ikke med innholdet: dokumentet er endret etter at det ble signert."),
            )
        if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
            whole_file_revision = sig.signed_revision
        last = (sig, status)
    sig, status = last
    our_seal = status.signing_cert.sha256 == our_cert.sha256 and status.trusted
    result = dict(
        signed=True,
        intact=True,
        our_seal=our_seal,
        unaltered=whole_file_revision is not None,
        signer_name=sig.sig_object.get("/Name", "") and str(sig.sig_object["/Name"]),
        signed_at=sig.self_reported_timestamp,
        covering_revision=whole_file_revision,
        signature_count=len(embedded),
    )
    if not our_seal:
        return VerificationResult(ok=False, reason=_("PDF-en er ikke forseglet av denne installasjonen."), **result)
    if whole_file_revision is None:
        return VerificationResult(ok=False, reason=_("PDF-en er endret etter at den ble forseglet."), **result)
    return VerificationResult(ok=True, **result)


def pdf_text(pdf_bytes: bytes, *, raw: bool = False, layout: bool = False) -> str:
    """The text of a PDF as poppler's pdftotext sees it (Debian package poppler-utils): in reading order, or
    in content-stream order (`raw`), or keeping the physical layout of each line (`layout`)."""
    options = (["-raw"] if raw else []) + (["-layout"] if layout else [])
    command = ["pdftotext", "-enc", "UTF-8", *options, "-", "-"]
    return subprocess.run(command, input=pdf_bytes, capture_output=True, check=True).stdout.decode()


def pdf_page_count(pdf_bytes: bytes) -> int:
    return int(PdfFileReader(BytesIO(pdf_bytes), strict=False).root["/Pages"]["/Count"])
