"""Where a signed agreement can be checked: its verification address, printed (with a QR code) in the sealed PDF.

The address is known before the PDF is sealed, so it cannot name the file's hash: it names the agreement, its
version (1 for a first agreement, 2 for its first revision …) and the first 16 hex digits of the SHA-256 of the
content that was signed (`SigningRound.content_hash`), e.g. /avtaler/verifiser/42-2-9f3a1c7b2d4e5f60/. Holding
the PDF (or its QR code) is what lets one read the page, as with uploading the file to /avtaler/verifiser/; the
code cannot be guessed from the agreement's number. `agreements.access.agreement_by_verification_code` resolves it.
"""

import base64
import functools

import segno
from django.conf import settings
from django.db import connection
from django.urls import reverse

from agreements.models import Agreement, SigningRound

CODE_DIGITS = 16
MAX_EDITIONS = 100  # a chain of revisions is one per kommunevalg; this bounds a corrupt (cyclic) one


def _chain(first_id: int) -> dict[int, int | None]:
    """{id: replaces_id} for the agreement and those it replaces back to the first, in one query (a recursive CTE,
    bounded by MAX_EDITIONS; it was a query per edition)."""
    table = connection.ops.quote_name(Agreement._meta.db_table)
    sql = f"""
        WITH RECURSIVE chain(id, replaces_id, depth) AS (
            SELECT id, replaces_id, 1 FROM {table} WHERE id = %s
            UNION ALL
            SELECT a.id, a.replaces_id, chain.depth + 1 FROM {table} a JOIN chain ON a.id = chain.replaces_id
            WHERE chain.depth < %s
        )
        SELECT id, replaces_id FROM chain"""  # noqa: S608 - the table name is the model's, the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [first_id, MAX_EDITIONS])
        return dict(cursor.fetchall())


def agreement_edition(agreement: Agreement) -> int:
    """1 for an agreement that replaces none, else one more than the agreement it replaces."""
    edition, replaces_id, seen = 1, agreement.replaces_id, {agreement.pk}
    chain = _chain(replaces_id) if replaces_id is not None else {}
    while replaces_id is not None and replaces_id not in seen and edition < MAX_EDITIONS:
        seen.add(replaces_id)
        edition += 1
        replaces_id = chain.get(replaces_id)
    return edition


def completed_round(agreement: Agreement) -> SigningRound | None:
    return agreement.signing_rounds.filter(completed_at__isnull=False).order_by("completed_at", "pk").last()


def verification_code(agreement: Agreement, signing_round: SigningRound | None = None) -> str | None:
    """ "<pk>-<version>-<16 hex digits of the signed content's hash>"; None until every party has signed."""
    signing_round = signing_round or completed_round(agreement)
    if signing_round is None:
        return None
    return f"{agreement.pk}-{agreement_edition(agreement)}-{signing_round.content_hash[:CODE_DIGITS]}"


def parse_verification_code(code: str) -> tuple[int, int, str] | None:
    parts = code.split("-")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()) or len(parts[0]) > 12:
        return None
    digest = parts[2].lower()
    if len(digest) != CODE_DIGITS or any(c not in "0123456789abcdef" for c in digest):
        return None
    return int(parts[0]), int(parts[1]), digest


def verification_path(agreement: Agreement, signing_round: SigningRound | None = None) -> str | None:
    code = verification_code(agreement, signing_round)
    return reverse("agreements:verify_agreement", kwargs={"code": code}) if code else None


def verification_url(agreement: Agreement, signing_round: SigningRound | None = None) -> str | None:
    """The absolute address (settings.SITE_URL), as printed in the sealed PDF."""
    path = verification_path(agreement, signing_round)
    return settings.SITE_URL.rstrip("/") + path if path else None


QR_SCALE = 4  # pixels per module in the PNG
QR_BORDER = 4  # the quiet zone, in modules


@functools.lru_cache(maxsize=64)
def qr_png(url: str) -> bytes:
    """The QR code of `url` as a 1-bit PNG (error correction M), each module QR_SCALE pixels."""
    import io

    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def qr_data_uri(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()
