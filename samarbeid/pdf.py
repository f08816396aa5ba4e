"""PDF machinery shared by every app: render a template to an archival PDF, seal it, verify a seal.

- `render_pdf` (`html_to_pdf` of `render_pdf_html`) renders a Django template (which extends
  "samarbeid/pdf/base.html") with WeasyPrint to PDF/A-2b, tagged for screen readers, on A4 with "Side x av y"
  footers and, for drafts, an "UTKAST" watermark on every page. The print stylesheet is static/css/print.css;
  fonts come from fontconfig (DejaVu, Debian package fonts-dejavu-core).
- `seal_pdf` adds an incremental PAdES signature with the installation's seal (settings.SEAL_KEY_FILE,
  settings.SEAL_CERT_FILE and its issuers in SEAL_CHAIN_FILE; `manage.py make_seal` creates a self-signed one
  for development), at level B-LT: an RFC 3161 timestamp from settings.SEAL_TIMESTAMP_URL when one is
  configured, and the validation data (certificates, CRLs/OCSP responses) in the document security store of
  the same revision. The sealed file stays PDF/A-2b: it keeps PDF 1.7 (pyHanko would raise an ECDSA seal to
  PDF 2.0 for ISO 32002; PAdES in PDF 1.7 needs only the ESIC extension) and its metadata as rendered (the
  Info dictionary and the XMP packet are left untouched, so they stay consistent).
- `verify_pdf` tells whether a PDF carries an intact seal made with our certificate that covers the
  whole file, i.e. nothing has been changed or appended since it was sealed, and whether it is timestamped
  and carries long-term validation data.
"""

import asyncio
import functools
import logging
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
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants as signer_constants
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps import HTTPTimeStamper
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
    html = render_pdf_html(template_name, context, request=request, draft=draft, title=title, language=language)
    return html_to_pdf(html)


def render_pdf_html(
    template_name: str,
    context: dict,
    *,
    request=None,
    draft: bool = False,
    title: str = "",
    language: str | None = None,
) -> str:
    """The HTML `render_pdf` turns into a PDF: everything the document says, so its hash names the PDF."""
    with translation.override(language or translation.get_language()):
        return render_to_string(
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


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint's PDF/A-2b of `html` (from `render_pdf_html`) with the print stylesheet: the slow part."""
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
def _seal_signer(key_file: str, cert_file: str, chain_file: str) -> signers.SimpleSigner:
    chain = [chain_file] if chain_file else None
    signer = signers.SimpleSigner.load(key_file, cert_file, ca_chain_files=chain)
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
    chain_file = settings.SEAL_CHAIN_FILE
    return _seal_signer(str(key_file), str(cert_file), str(chain_file) if chain_file else "")


def seal_certificate() -> asn1_x509.Certificate:
    return _signer().signing_cert


def _is_self_signed(cert: asn1_x509.Certificate) -> bool:
    return cert.self_signed in ("maybe", "yes")


def trust_roots() -> list[asn1_x509.Certificate]:
    """The anchors the seal's chain and the timestamp authority's chain are validated against: the
    SEAL_TRUST_ROOTS_FILE bundle if set, else the self-signed certificates of the seal's own chain."""
    if settings.SEAL_TRUST_ROOTS_FILE:
        return list(load_certs_from_pemder([str(settings.SEAL_TRUST_ROOTS_FILE)]))
    signer = _signer()
    return [cert for cert in [signer.signing_cert, *signer.cert_registry] if _is_self_signed(cert)]


def _validation_context(*, fetching: bool) -> ValidationContext:
    signer = _signer()
    roots = trust_roots()
    others = [cert for cert in signer.cert_registry if cert not in roots]
    return ValidationContext(trust_roots=roots, other_certs=others, allow_fetching=fetching)


class _ArchivalWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves the document's metadata as the PDF/A renderer wrote it.

    pyHanko rewrites the XMP packet's producer and modification date but only the Info entries that already
    exist, so the two would disagree (PDF/A-2 § 6.6.2.3); the signature dictionary records when and by whom
    the seal was made, so the document metadata need not change."""

    def _update_meta(self):
        pass


class _ArchivalSigner(signers.PdfSigner):
    """A PAdES signer that keeps a PDF/A-2 (PDF 1.7) file at 1.7.

    pyHanko registers ISO 32002 for an ECDSA key, which raises the catalog's version to 2.0; PAdES on
    PDF 1.7 (ETSI EN 319 142-1) needs only the ESIC developer extension, which PDF/A-2 allows."""

    def register_extensions(self, pdf_out, *, md_algorithm):
        pdf_out.ensure_output_version(version=(1, 7))
        if pdf_out.output_version < (2, 0):
            pdf_out.register_extension(signer_constants.ESIC_EXTENSION_1)


def seal_pdf(pdf_bytes: bytes, *, signer_name: str, reason: str = "", location: str = "") -> bytes:
    """Add an incremental PAdES B-LT signature made with the installation's seal; returns the new PDF.

    With SEAL_TIMESTAMP_URL the signature carries a timestamp from that authority (PAdES B-T); the
    certificates and revocation data of the seal's and the timestamp's chains go into the document security
    store in the same revision, so the seal covers the whole file and can be checked after its certificate
    expires (fetched from the issuers' CRL/OCSP addresses when not already known)."""
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=signer_name,
        reason=reason or None,
        location=location or None,
        embed_validation_info=True,
        validation_context=_validation_context(fetching=True),
        dss_settings=DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False),
    )
    timestamper = HTTPTimeStamper(settings.SEAL_TIMESTAMP_URL) if settings.SEAL_TIMESTAMP_URL else None
    pdf_signer = _ArchivalSigner(metadata, signer=_signer(), timestamper=timestamper)
    writer = _ArchivalWriter(BytesIO(pdf_bytes), strict=False)
    output = _outside_event_loop(pdf_signer.sign_pdf, writer)
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
    timestamped_at: object = None  # datetime of a trusted RFC 3161 timestamp on the seal, if it has one
    long_term: bool = False  # the file itself holds what it takes to validate the seal (PAdES B-LT)


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
    # `embedded` is not empty and every failing signature returned above: sig, status are the last one's
    our_seal = status.signing_cert.sha256 == our_cert.sha256 and status.trusted
    long_term_status = _long_term_status(reader, sig) if our_seal else None
    timestamp = long_term_status and long_term_status.timestamp_validity
    result = dict(
        signed=True,
        intact=True,
        our_seal=our_seal,
        unaltered=whole_file_revision is not None,
        signer_name=sig.sig_object.get("/Name", "") and str(sig.sig_object["/Name"]),
        signed_at=sig.self_reported_timestamp,
        covering_revision=whole_file_revision,
        signature_count=len(embedded),
        timestamped_at=timestamp.timestamp if timestamp and timestamp.intact and timestamp.trusted else None,
        long_term=bool(long_term_status and long_term_status.bottom_line),
    )
    if not our_seal:
        return VerificationResult(ok=False, reason=_("PDF-en er ikke forseglet av denne installasjonen."), **result)
    if whole_file_revision is None:
        return VerificationResult(ok=False, reason=_("PDF-en er endret etter at den ble forseglet."), **result)
    return VerificationResult(ok=True, **result)


def _long_term_status(reader: PdfFileReader, sig):
    """The seal validated with only what the file carries (its document security store, no fetching, revocation
    checked strictly): what a validator can still conclude once the certificates have expired or their issuers
    are gone. None if the file has no validation data."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no /DSS in the catalog (or a broken one): no long-term data
        return None
    context = dss.as_validation_context(
        {"trust_roots": trust_roots(), "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    try:
        return _outside_event_loop(validate_pdf_signature, sig, context)
    except Exception as exc:
        logger.info("verify_pdf: long-term validation failed: %s", exc)
        return None
