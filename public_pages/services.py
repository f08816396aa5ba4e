"""Exempting an agreement's attachment from public access (the meetings' exemptions and publishing are in
samarbeid/exemptions.py, beside the meeting machinery)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import Agreement, Attachment, AttachmentExemption
from samarbeid.models import LegalBasis, User


@transaction.atomic
def attachment_exemption_set(
    agreement: Agreement,
    attachment: Attachment,
    *,
    exempt: bool,
    by: User | None,
    legal_basis: str = "",
    note: str = "",
) -> AttachmentExemption:
    """Exempt an agreement's attachment (or lift it): a new record, also on a signed agreement, whose parts never
    change; the public page then names the attachment and the legal basis."""
    if attachment.agreement_id != agreement.pk:
        raise ValidationError(_("Vedlegget hører ikke til denne avtalen."))
    if exempt and legal_basis not in LegalBasis.values:
        raise ValidationError({"legal_basis": _("Velg hjemmelen for unntaket.")})
    record = AttachmentExemption(
        agreement=agreement,
        attachment=attachment,
        attachment_title=attachment.title,
        exempt=exempt,
        legal_basis=legal_basis if exempt else "",
        note=note.strip(),
        decided_by=by,
    )
    record.full_clean(exclude=["agreement", "attachment", "decided_by"])
    record.save()
    return record
