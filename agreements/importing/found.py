"""What the reader found in an uploaded agreement, kept as JSON on its ImportReview, and the task body that reads
it (``agreements.tasks.read_import`` → ``import_review_read``). Apart from the review service
(agreements/importing/service.py) so that the task module and the service do not import each other.
"""

import dataclasses
import datetime
import types
import typing

from django.utils.translation import gettext as _

from agreements.importing import ParsedAgreement, parse_agreement
from agreements.models import ImportReview

# --- The parsed result as JSON, and back -------------------------------------------------------------------


def found_as_json(parsed: ParsedAgreement) -> dict:
    """The ParsedAgreement as JSON (dates as ISO strings); whatever fields the reader adds come along."""

    def plain(value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(dataclasses.asdict(parsed))


def parsed_from_json(data: dict, cls=ParsedAgreement):
    """The dataclass back from `found_as_json` (unknown keys left out, missing ones at their defaults)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data and f.init:
            values[f.name] = _typed(hints[f.name], data[f.name])
    return cls(**values)


def _typed(hint, value):
    if value is None:
        return None
    options = (
        typing.get_args(hint)
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
        else (hint,)
    )
    for option in options:
        if option is datetime.date and isinstance(value, str):
            return datetime.date.fromisoformat(value)
        if typing.get_origin(option) is list and isinstance(value, list):
            (inner,) = typing.get_args(option) or (object,)
            return [_typed(inner, v) for v in value]
        if dataclasses.is_dataclass(option) and isinstance(value, dict):
            return parsed_from_json(value, option)
    return value


def import_review_read(review_id: int) -> ImportReview:
    """Read the stored file into `found` (the task's body); a file that cannot be read is marked, not lost."""
    review = ImportReview.objects.get(pk=review_id)
    if review.status != ImportReview.Status.WAITING:
        return review
    try:
        with review.file.open("rb") as content:
            parsed = parse_agreement(content.read(), filename=review.original_name)
    except Exception:  # noqa: BLE001 — any reader failure on a user's file is reported to them, never a 500
        review.status, review.error = ImportReview.Status.FAILED, _("Filen kunne ikke leses.")
    else:
        if not parsed.headings:  # a text without a single heading is not taken for an agreement
            review.status, review.error = ImportReview.Status.FAILED, _("Fant ingen avsnitt i filen.")
        else:
            review.status, review.found = ImportReview.Status.READY, found_as_json(parsed)
    review.save(update_fields=["status", "error", "found"])
    return review
