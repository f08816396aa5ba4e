"""Public access (offentleglova): what is exempt from it, on which legal basis, and what is published.

Both are logs that only grow (samarbeid/append_only.py): an exemption is lifted, and a publication withdrawn, by a
new record, so who decided what and when stays readable; the latest record of an item is its state.

- `MeetingExemption` (samarbeid/models.py): a meeting's minutes as a whole, one agenda item (its case papers,
  minutes, decisions and follow-up) or one attachment. `meeting_reading` (samarbeid/meetings.py) applies them for
  everyone who is not a member of the forum: the item is listed with its legal basis, its content is not.
- `AttachmentExemption` (agreements/models.py): an agreement's attachment; agreements/access.py applies it.
- `Publication`: publishing an item to the public pages, or withdrawing it. A meeting's minutes are public when
  the meeting is open, its minutes approved and published (approving an open meeting's minutes publishes them, by
  the approver); an SLT handlingsplan is public once published.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from samarbeid.models import (
    AgendaItem,
    ExemptionRecord,
    LegalBasis,
    Meeting,
    MeetingAttachment,
    MeetingExemption,
    Publication,
    User,
)
from samarbeid.models import is_published as is_published  # kept beside the Publication model
from samarbeid.models import published_ids as published_ids


def basis_label(record: ExemptionRecord | None) -> str:
    """ "offl. § 13 jf. fvl. § 13" for an exemption record in force, else ""."""
    return record.get_legal_basis_display() if record is not None and record.exempt else ""


def latest(records: Iterable[ExemptionRecord], key) -> dict:
    """The records in force by `key(record)`: the latest of each, only where it exempts."""
    state = {}
    for record in sorted(records, key=lambda r: (r.decided_at, r.pk)):
        state[key(record)] = record
    return {k: r for k, r in state.items() if r.exempt}


@dataclass
class MeetingExemptions:
    """The exemptions in force in one meeting."""

    minutes: MeetingExemption | None = None
    items: dict[int, MeetingExemption] = field(default_factory=dict)
    attachments: dict[int, MeetingExemption] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.minutes or self.items or self.attachments)


def _part_key(record: MeetingExemption):
    return (record.meeting_id, record.part, record.agenda_item_id, record.attachment_id)


def meeting_exemptions(meeting_ids: Iterable[int]) -> dict[int, MeetingExemptions]:
    """The exemptions in force in each meeting (one query)."""
    meeting_ids = list(meeting_ids)
    state = {pk: MeetingExemptions() for pk in meeting_ids}
    _in_force(MeetingExemption.objects.filter(meeting_id__in=meeting_ids), state)
    return state


def forum_exemptions(forum_ids: Iterable[int]) -> dict[int, MeetingExemptions]:
    """The exemptions in force in every meeting of the forums that has any, by meeting (one query, however many
    meetings the forums have): for lists across a forum's meetings."""
    state: dict[int, MeetingExemptions] = defaultdict(MeetingExemptions)
    _in_force(MeetingExemption.objects.filter(meeting__forum_id__in=list(forum_ids)), state)
    return dict(state)


def _in_force(records, state: dict[int, MeetingExemptions]) -> None:
    for record in latest(records, _part_key).values():
        exemptions = state[record.meeting_id]
        if record.part == MeetingExemption.Part.MINUTES:
            exemptions.minutes = record
        elif record.part == MeetingExemption.Part.ITEM:
            exemptions.items[record.agenda_item_id] = record
        elif record.attachment_id is not None:
            exemptions.attachments[record.attachment_id] = record


def _check_basis(legal_basis: str) -> None:
    if legal_basis not in LegalBasis.values:
        raise ValidationError({"legal_basis": _("Velg hjemmelen for unntaket.")})


@transaction.atomic
def meeting_exemption_set(
    meeting: Meeting,
    *,
    exempt: bool,
    by: User | None,
    legal_basis: str = "",
    agenda_item: AgendaItem | None = None,
    attachment: MeetingAttachment | None = None,
    note: str = "",
) -> MeetingExemption:
    """Exempt (or lift the exemption of) the meeting's minutes, one of its agenda items or one of its attachments."""
    if exempt:
        _check_basis(legal_basis)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError(_("Saken hører ikke til dette møtet."))
    if attachment is not None and attachment.meeting_id != meeting.pk:
        raise ValidationError(_("Vedlegget hører ikke til dette møtet."))
    part = (
        MeetingExemption.Part.ITEM
        if agenda_item
        else MeetingExemption.Part.ATTACHMENT
        if attachment
        else MeetingExemption.Part.MINUTES
    )
    in_force = meeting_exemptions([meeting.pk])[meeting.pk]
    current = {
        MeetingExemption.Part.MINUTES: in_force.minutes,
        MeetingExemption.Part.ITEM: in_force.items.get(agenda_item.pk) if agenda_item else None,
        MeetingExemption.Part.ATTACHMENT: in_force.attachments.get(attachment.pk) if attachment else None,
    }[part]
    if not exempt and current is None:
        raise ValidationError(_("Det er ikke unntatt offentlighet."))
    record = MeetingExemption(
        meeting=meeting,
        part=part,
        agenda_item=agenda_item,
        attachment=attachment,
        attachment_title=attachment.title if attachment else "",
        exempt=exempt,
        legal_basis=legal_basis if exempt else "",
        note=note.strip(),
        decided_by=by,
    )
    record.full_clean(exclude=["decided_by", "meeting", "agenda_item", "attachment"])
    record.save()
    meeting.__dict__.pop("_exemptions", None)  # a reading of this instance reads the new state
    return record


# --- publishing ----------------------------------------------------------------------------------------------------


def publication_history(obj: Model) -> list[Publication]:
    kind = ContentType.objects.get_for_model(type(obj))
    return list(Publication.objects.filter(target_type=kind, target_id=obj.pk).select_related("by__person"))


@transaction.atomic
def publication_record(obj: Model, *, published: bool, by: User | None, reason: str = "") -> Publication:
    """Publish `obj` or withdraw it (a withdrawal says why); refused when nothing would change."""
    reason = reason.strip()
    if is_published(obj) == published:
        raise ValidationError(_("Det er allerede publisert.") if published else _("Det er ikke publisert."))
    if not published and not reason:
        raise ValidationError({"reason": _("Skriv hvorfor det trekkes tilbake.")})
    record = Publication(
        target_type=ContentType.objects.get_for_model(type(obj)),
        target_id=obj.pk,
        published=published,
        reason=reason,
        by=by,
    )
    record.full_clean(exclude=["by", "target_type"])
    record.save()
    obj.__dict__.pop("_published", None)
    return record


def meeting_publish(meeting: Meeting, *, by: User | None) -> Publication:
    """Publish the minutes of an open meeting once they are approved."""
    if meeting.is_closed or meeting.status != Meeting.Status.MINUTES_APPROVED:
        raise ValidationError(_("Bare godkjente referater fra åpne møter kan publiseres."))
    return publication_record(meeting, published=True, by=by)


def meeting_withdraw(meeting: Meeting, *, reason: str, by: User | None) -> Publication:
    return publication_record(meeting, published=False, reason=reason, by=by)
