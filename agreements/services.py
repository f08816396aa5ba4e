"""Work on agreements and templates that touches several rows; single-row changes are model methods."""

import datetime
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from agreements.access import TEMPLATE_POLICY, grant_agreement, grant_joined_kommune
from agreements.default_template import template_for_district
from agreements.models import (
    Agreement,
    AgreementSection,
    AgreementTemplate,
    Attachment,
    Expectation,
    FocusArea,
    NegotiationPart,
    PresenceCommitment,
    SectionReview,
    SectionRevision,
    TemplateSection,
)
from agreements.reviewing import latest_reviews, party_reviews, section_writers
from agreements.richtext import clean_html
from samarbeid.concurrency import StaleEdit, claim_version
from samarbeid.invitations import invitations_create
from samarbeid.models import Kommune, Party, PoliceUnit, Politidistrikt
from samarbeid.ordering import swap_with_neighbour
from samarbeid.permissions import grant


def police_district(police_party: Party) -> Politidistrikt:
    police = police_party.specific()
    if isinstance(police, Politidistrikt):
        return police
    return cast(PoliceUnit, police).district


@transaction.atomic
def agreement_create(
    *,
    police_party: Party,
    kommuner: Iterable[Kommune],
    created_by,
    template: AgreementTemplate | None = None,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    malform: str | None = None,
    replaces: Agreement | None = None,
    council_case_number: str = "",
    council_decision_date: datetime.date | None = None,
    invite: Iterable[Kommune] = (),
    copy_from: Agreement | None = None,
    template_sections: Iterable[int] | None = None,
) -> Agreement:
    """A draft agreement with the template's sections copied in its målform, and the parties' rights.

    `kommuner` take part at once; the kommuner in `invite` get an invitation and join when they accept it.
    `template` defaults to the police district's template (else the national one); `malform` to the
    first kommune's `default_malform`. `replaces` must have no party the new agreement lacks. With `copy_from`
    (a revision) the sections are copied from that agreement instead, local text included. `template_sections`
    (ids) copies only those of the template's sections (an import: what its text fills or its reviewer chose).
    """
    kommuner, invite = list(kommuner), list(invite)
    wanted = None if template_sections is None else set(template_sections)
    if not police_party.is_police:
        raise ValidationError(_("Politiparten må være et politidistrikt eller en politienhet."))
    if not kommuner and not invite:
        raise ValidationError(_("Velg minst én kommune."))
    if replaces is not None and not replaces_all_parties(police_party, [*kommuner, *invite], replaces):
        raise ValidationError({"replaces": REPLACES_ERROR})
    district = police_district(police_party)
    template = template or template_for_district(district)
    agreement = Agreement.objects.create(
        template=template,
        police_party=police_party,
        period_start=period_start,
        period_end=period_end,
        malform=malform or [*kommuner, *invite][0].default_malform,
        replaces=replaces,
        council_case_number=council_case_number,
        council_decision_date=council_decision_date,
        created_by=created_by,
        updated_by=created_by,
    )
    agreement.kommuner.set(kommuner)
    if copy_from is None:
        sections = [
            AgreementSection(
                agreement=agreement,
                template_section=ts,
                template_version=ts.version,
                order=ts.order,
                kind=ts.kind,
                owner=ts.owner,
                **ts.in_malform(agreement.malform),
            )
            for ts in template.sections.all()
            if wanted is None or ts.pk in wanted
        ]
    else:
        sections = [
            AgreementSection(
                agreement=agreement,
                template_section_id=s.template_section_id,
                template_version=s.template_version,
                order=s.order,
                kind=s.kind,
                owner=s.owner,
                is_local=s.is_local,
                heading=s.heading,
                standard_text=s.standard_text,
                guidance=s.guidance,
                local_text=s.local_text,
                updated_by=created_by,
            )
            for s in copy_from.sections.order_by("order", "pk")
        ]
    AgreementSection.objects.bulk_create(sections)
    SectionRevision.objects.bulk_create(
        SectionRevision(
            agreement=agreement,
            section=s,
            version=1,
            action=SectionRevision.Action.CREATED,
            heading=s.heading,
            text=s.local_text,
            created_by=created_by,
        )
        for s in AgreementSection.objects.filter(agreement=agreement)
    )
    grant_agreement(agreement)
    invitations_create(target=agreement, kommuner=invite, by=created_by, district=district)
    return agreement


REPLACES_ERROR = _lazy("En avtale kan bare erstatte en avtale med de samme partene: samme politi og alle kommunene.")


def replaces_all_parties(police_party: Party, kommuner: Iterable[Kommune], old: Agreement) -> bool:
    """Whether an agreement of these parties may replace `old`: the same police party and all of its kommuner."""
    ids = {k.pk for k in kommuner}
    return old.police_party_id == police_party.pk and all(k.pk in ids for k in old.kommuner.all())


@transaction.atomic
def agreement_join(agreement: Agreement, kommune: Kommune, by) -> None:
    """An invited kommune accepted: it becomes a party to the draft and its roles get their rights."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not agreement.is_editable:
        raise ValidationError(_("Avtalen er ikke lenger et utkast, så kommunen kan ikke bli med nå."))
    agreement.kommuner.add(kommune)
    grant_joined_kommune(agreement, kommune)
    text = _("%(kommune)s godtok invitasjonen og er part i avtalen.") % {"kommune": escape(kommune.name)}
    agreement.log(SectionRevision.Action.DETAILS, heading=_("Parter"), by=by, text=text)


@transaction.atomic
def agreement_update(
    agreement: Agreement, *, expected_version: int | None, by, changed: dict[str, Any], labels: Iterable[str]
) -> Agreement:
    """Store the changed details (period, decisions) as edited from `expected_version` (StaleEdit if saved
    since), and record which ones changed (`labels`, as the form names them) in the agreement's history."""
    claim_version(agreement, expected_version)
    for name, value in changed.items():
        setattr(agreement, name, value)
    agreement.updated_by = by
    agreement.save(update_fields=[*changed, "updated_by", "updated_at"])
    changes = "".join(f"<li>{label}</li>" for label in labels)
    agreement.log(
        SectionRevision.Action.DETAILS,
        heading=_("Periode og vedtak"),
        by=by,
        text=f"<ul>{changes}</ul>" if changes else "",
    )
    return agreement


# --- Structured parts: lists of rows, each part written by its owner (access.PART_OWNERS) ----------------------

type PartRow = PresenceCommitment | Expectation | FocusArea

# The structured parts by slug (NegotiationPart, which also names them): the model of their rows and the fields
# that mark a row as that part's.
PART_ROWS: dict[str, tuple[type[PartRow], dict[str, str]]] = {
    NegotiationPart.PRESENCE: (PresenceCommitment, {}),
    NegotiationPart.EXPECTATIONS_KOMMUNE: (Expectation, {"direction": Expectation.Direction.FROM_KOMMUNE}),
    NegotiationPart.EXPECTATIONS_POLICE: (Expectation, {"direction": Expectation.Direction.FROM_POLICE}),
    NegotiationPart.FOCUS: (FocusArea, {}),
}


def agreement_part_rows(agreement: Agreement, part: str) -> QuerySet[Any]:
    """The rows of one structured part of the agreement (`part`: a slug of PART_ROWS)."""
    model, fixed = PART_ROWS[part]
    return model._default_manager.filter(agreement=agreement, **fixed)


def part_label(row: PartRow) -> str:
    """One line of a structured part, as kept in the change log."""
    if isinstance(row, PresenceCommitment):
        hours = f" {row.hours_from:%H:%M}–{row.hours_to:%H:%M}" if row.hours_from and row.hours_to else ""
        days = f" ({', '.join(row.weekday_names())})" if row.weekdays else ""
        return f"{row.kommune.name}: {row.times} × {row.get_per_display()}{days}{hours} {row.place} {row.note}".strip()
    if isinstance(row, FocusArea):
        return f"{row.title}: {row.description}" if row.description else row.title
    return row.text


class StaleRows(Exception):
    """Rows of a list that someone else saved or removed since the user loaded it: each row's StaleEdit."""

    def __init__(self, stale: dict[Any, StaleEdit]):
        super().__init__(f"{len(stale)} rows saved or removed meanwhile")
        self.stale = stale


@transaction.atomic
def agreement_part_update(
    agreement: Agreement,
    *,
    part: str,
    by,
    saved: Iterable[PartRow],
    deleted: Iterable[PartRow],
    edited_from: Iterable[tuple[PartRow, int | None]],
) -> SectionRevision:
    """Write one structured part of a draft as the user edited its list: the new and changed rows in `saved`, the
    rows in `deleted` removed, and the part as it now reads recorded in the agreement's history.

    Every changed or deleted row is claimed from the version the user started from (`edited_from`: row, version);
    when someone else saved or removed any of them meanwhile, StaleRows names them all and nothing is written.
    NotEditable once the agreement is no longer a draft (read under lock: sending for signature waits or wins)."""
    Agreement.objects.select_for_update().get(pk=agreement.pk).assert_editable()
    stale = {}
    for row, version in edited_from:
        try:
            claim_version(row, version)
        except StaleEdit as error:
            stale[row] = error
    if stale:
        raise StaleRows(stale)
    _model, fixed = PART_ROWS[part]
    for row in saved:
        row.agreement = agreement
        for name, value in fixed.items():
            setattr(row, name, value)
        row.save()
    for row in deleted:
        row.delete()
    items = "".join(f"<li>{escape(part_label(row))}</li>" for row in agreement_part_rows(agreement, part))
    heading = str(NegotiationPart(part).label)
    return agreement.log(SectionRevision.Action.PARTS, heading=heading, by=by, text=f"<ol>{items}</ol>")


# --- Attachments ------------------------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, agreement: Agreement, title: str, upload, content_type: str, by) -> Attachment:
    """Attach a checked upload (samarbeid.uploads.validate_attachment gave its `content_type`) to the agreement."""
    attachment = Attachment(
        agreement=agreement,
        title=title,
        file=upload,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    attachment.save()
    agreement.log(
        SectionRevision.Action.ATTACHMENTS,
        heading=attachment.title,
        by=by,
        text=_("Lastet opp %(name)s") % {"name": escape(attachment.original_name)},
    )
    return attachment


def attachment_delete(attachment: Attachment, *, by) -> None:
    """Remove an attachment (recorded in the agreement's history); its file goes once the row is gone."""
    agreement = attachment.agreement
    with transaction.atomic():
        attachment.delete()
        agreement.log(
            SectionRevision.Action.ATTACHMENTS,
            heading=attachment.title,
            by=by,
            text=_("Slettet %(name)s") % {"name": escape(attachment.original_name)},
        )
    attachment.file.delete(save=False)


def attachments_copy(*, source: Agreement, to: Agreement) -> None:
    """Copy the attachments of `source` into the draft `to`, each with a file of its own: versions never share
    a file, so deleting the draft's copy leaves the signed agreement's attachment in place."""
    for attachment in source.attachments.order_by("pk"):
        copy = Attachment(
            agreement=to,
            title=attachment.title,
            original_name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            uploaded_at=attachment.uploaded_at,
            uploaded_by=attachment.uploaded_by,
        )
        with attachment.file.open("rb") as content:
            copy.file.save(PurePath(attachment.file.name or "").name, File(content), save=False)
        copy.save()


@transaction.atomic
def section_add(
    agreement: Agreement,
    *,
    heading: str,
    owner: str,
    by,
    local_text: str = "",
    after: AgreementSection | None = None,
) -> AgreementSection:
    """Add a section of the owner's own to a draft after `after` (default: at the end), its text sanitised,
    recorded in its history."""
    agreement.assert_editable()
    sections = agreement.sections.select_for_update()
    if after is None:
        order = (sections.aggregate(m=Max("order"))["m"] or 0) + 1
    else:
        order = after.order + 1
        sections.filter(order__gte=order).update(order=F("order") + 1)
    section = AgreementSection.objects.create(
        agreement=agreement,
        order=order,
        heading=heading,
        owner=owner,
        is_local=True,
        local_text=clean_html(local_text),
        updated_by=by,
    )
    section.record(SectionRevision.Action.ADDED, by)
    return section


@transaction.atomic
def section_update(
    section: AgreementSection, *, local_text: str, by, expected_version: int | None = None
) -> SectionRevision | None:
    """Save a section's new local text (sanitised) as its next version, recorded in its history; None when the
    text is what is stored already. StaleEdit if someone saved it since `expected_version` (None: as loaded);
    NotEditable once the agreement is no longer a draft."""
    current = AgreementSection.objects.select_for_update().select_related("agreement").get(pk=section.pk)
    current.agreement.assert_editable()
    expected_version = current.version if expected_version is None else expected_version
    cleaned = clean_html(local_text)
    if cleaned == current.local_text and current.version == expected_version:
        return None
    claim_version(section, expected_version)
    section.local_text = cleaned
    section.updated_by = by
    section.save(update_fields=["local_text", "updated_by", "updated_at"])
    return section.record(SectionRevision.Action.EDITED, by)


@transaction.atomic
def section_remove(section: AgreementSection, *, by) -> None:
    """Remove a local section (template sections stay: they are the district's frame)."""
    section.agreement.assert_editable()
    if not section.is_local:
        raise ValidationError(_("Bare lokale avsnitt kan fjernes."))
    section.version += 1
    section.record(SectionRevision.Action.REMOVED, by)
    section.delete()


SECTION_CHANGED = _lazy(
    "Avsnittet er endret etter at du åpnet det. Les den nye teksten før du merker det som gjennomgått."
)


@transaction.atomic
def section_review(*, section: AgreementSection, party: Party, user, version: int) -> SectionReview:
    """Record that `party` (through `user`) has reviewed the section as it stood at `version`.

    Refused when the agreement is no longer a draft, when the section has changed since `version` (the reader saw
    another text), or when the party is not one that reviews it (its own section, or an empty one). Reviewing a
    version the party has already reviewed returns that review. Who may review for the party: access.py."""
    current = AgreementSection.objects.select_for_update().select_related("agreement__police_party").get(pk=section.pk)
    agreement = current.agreement
    if not agreement.is_editable:
        raise ValidationError(_("Avtalen er ikke lenger et utkast, så avsnittene gjennomgås ikke nå."))
    if current.version != version:
        raise ValidationError(SECTION_CHANGED, code="stale")
    standing = {
        row.party.pk: row
        for row in party_reviews(current, agreement, section_writers([current]), latest_reviews(agreement))
    }
    if party.pk not in standing:
        raise ValidationError(_("%(party)s skal ikke gjennomgå dette avsnittet.") % {"party": party.name})
    done = standing[party.pk].review
    if not standing[party.pk].pending and done is not None:  # not pending: reviewed at this version
        return done
    review = SectionReview(
        agreement=agreement,
        section=current,
        party_id=party.pk,
        version=version,
        heading=current.heading,
        reviewed_by=user,
    )
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def section_move(section: AgreementSection, *, by, up: bool) -> None:
    """Swap a section with its neighbour above or below, recorded in its history (at the edge: nothing)."""
    agreement = section.agreement
    agreement.assert_editable()
    if swap_with_neighbour(section, agreement.sections.all(), up=up):
        section.record(SectionRevision.Action.MOVED, by)


@transaction.atomic
def template_create_for_district(district: Politidistrikt, *, by) -> AgreementTemplate:
    """The district's own template as a copy of the national default, editable by its district admins."""
    existing = AgreementTemplate.objects.filter(district=district).first()
    if existing:
        return existing
    national = template_for_district(None)
    template = AgreementTemplate.objects.create(
        district=district, name=_("Avtalemal for %(district)s") % {"district": district.name}, updated_by=by
    )
    TemplateSection.objects.bulk_create(
        TemplateSection(
            template=template,
            order=s.order,
            kind=s.kind,
            owner=s.owner,
            heading_nb=s.heading_nb,
            heading_nn=s.heading_nn,
            standard_text_nb=s.standard_text_nb,
            standard_text_nn=s.standard_text_nn,
            guidance_nb=s.guidance_nb,
            guidance_nn=s.guidance_nn,
        )
        for s in national.sections.all()
    )
    grant(template, Party.objects.filter(pk=district.pk), TEMPLATE_POLICY)
    return template


@transaction.atomic
def template_section_add(template: AgreementTemplate, *, by, **fields) -> TemplateSection:
    order = (template.sections.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    section = TemplateSection.objects.create(template=template, order=order, **fields)
    template.updated_by = by
    template.save(update_fields=["updated_by", "updated_at"])
    return section


@transaction.atomic
def template_section_update(section: TemplateSection, *, expected_version: int, by, **fields) -> TemplateSection:
    """Save a template section edited from `expected_version` (StaleEdit if someone saved it meanwhile)."""
    claim_version(section, expected_version)
    for name, value in fields.items():
        setattr(section, name, value)
    section.save(update_fields=list(fields))
    section.template.updated_by = by
    section.template.save(update_fields=["updated_by", "updated_at"])
    return section


@transaction.atomic
def template_section_delete(section: TemplateSection, *, by) -> None:
    """Remove a section from the template. Refused while a signed agreement was made from it: the link from the
    signed section to its template section is part of the signed record (drafts just lose the link)."""
    if AgreementSection.objects.filter(template_section=section).locked().exists():
        raise ValidationError(
            _(
                "Avsnittet kan ikke fjernes fra malen fordi signerte avtaler bygger på det. "
                "Du kan endre teksten i stedet; avtaler som allerede er laget, endres ikke."
            )
        )
    section.delete()
    template = section.template
    template.updated_by = by
    template.save(update_fields=["updated_by", "updated_at"])


@transaction.atomic
def template_section_move(section: TemplateSection, *, by, up: bool) -> None:
    """Swap a template section with its neighbour above or below (at the edge: nothing)."""
    template = section.template
    if swap_with_neighbour(section, template.sections.all(), up=up):
        template.updated_by = by
        template.save(update_fields=["updated_by", "updated_at"])
