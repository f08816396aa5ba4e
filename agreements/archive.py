"""A signed agreement as an archive package (samarbeid/archive.py): the sealed PDF/A, its attachments and Noark 5-style
metadata, one zip per agreement; and a district's signed agreements as one zip with a folder per agreement.

Exempt attachments (agreements.AttachmentExemption) go into the package — the kommune's archive keeps the whole
record — with their skjerming (legal basis, who decided and when), so the archive withholds them from the public as
the app does. Who may take a package out: agreements/access.py (`agreement_for`, `district_archive_for`).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from agreements.access import attachment_exemptions
from agreements.models import Agreement, SealedDocument
from agreements.signing import authentication_summary
from agreements.verification import agreement_edition, completed_round, verification_url
from samarbeid.archive import (
    PDF_A,
    Dokument,
    Mappe,
    Part,
    Registrering,
    Signatur,
    attachment_dokument,
    package_zip,
    person_name,
    skjerming_of,
)


def _system_id(agreement: Agreement) -> str:
    return f"samarbeid:avtale:{agreement.pk}"


def agreement_mappe(agreement: Agreement, *, folder: str = "") -> Mappe:
    """The agreement as a Noark saksmappe with one registrering: the sealed PDF and its attachments."""
    sealed = SealedDocument.objects.filter(agreement=agreement).first()
    if not agreement.is_signed or sealed is None:
        raise ValidationError(_("Avtalen er ikke signert og forseglet ennå, så den kan ikke arkiveres."))
    signing_round = completed_round(agreement)
    kommuner = list(agreement.kommuner.all())
    with sealed.file.open("rb") as file:
        documents = [
            Dokument(
                title=agreement.title,
                filename=f"samarbeidsavtale-{agreement.pk}.pdf",
                content=file.read(),
                created_at=sealed.sealed_at,
                document_type="Avtale",
                main=True,
                format=PDF_A[0],
                format_details=f"PRONOM {PDF_A[1]}; PAdES-segl",
                mime_type=PDF_A[2],
            )
        ]
    exempt = attachment_exemptions([agreement.pk])[agreement.pk]
    documents += [
        attachment_dokument(
            attachment, filename_stem=f"vedlegg-{number}", skjerming=skjerming_of(exempt.get(attachment.pk))
        )
        for number, attachment in enumerate(agreement.attachments.all(), start=1)
    ]
    signatures = [
        Signatur(
            name=s.name,
            role=s.title,
            party=s.party.name,
            place=s.place,
            signed_at=s.signed_at,
            assurance=authentication_summary(s.authentication),
            content_sha256=s.content_hash,
        )
        for s in signing_round.signatures.select_related("party").order_by("signed_at", "pk")
    ]
    parties = [Part(f"samarbeid:part:{k.pk}", k.name, "Kommune", kommunenummer=k.number) for k in kommuner]
    parties.append(Part(f"samarbeid:part:{agreement.police_party_id}", agreement.police_party.name, "Politiet"))
    return Mappe(
        system_id=_system_id(agreement),
        kind="Saksmappe",
        title=agreement.title,
        created_at=agreement.created_at,
        closed_at=signing_round.completed_at,
        valid_from=agreement.period_start,
        valid_to=agreement.period_end,
        version=agreement_edition(agreement),
        replaces=_system_id(agreement.replaces) if agreement.replaces_id else "",
        verification_url=verification_url(agreement, signing_round) or "",
        parties=parties,
        folder=folder,
        description=_council_decision(agreement),
        records=[
            Registrering(
                system_id=f"{_system_id(agreement)}:signert",
                kind="Arkivnotat",
                title=f"{agreement.title} ({agreement.period_label})",
                created_at=signing_round.completed_at,
                documents=documents,
                signatures=signatures,
            )
        ],
    )


def _council_decision(agreement: Agreement) -> str:
    if not agreement.council_case_number:
        return ""
    date = agreement.council_decision_date.strftime("%d.%m.%Y") if agreement.council_decision_date else ""
    return f"Vedtatt i kommunestyret, sak {agreement.council_case_number} {date}".strip()


def _by(user) -> str:
    return person_name(user) or "Samarbeid"


def agreement_archive_package(agreement: Agreement, *, by) -> bytes:
    """One signed agreement as a zip: metadata.xml and dokumenter/ (ValidationError if not yet sealed)."""
    with override(agreement.malform):
        mappe = agreement_mappe(agreement)
    return package_zip(system_id=f"{_system_id(agreement)}:uttrekk", title=agreement.title, folders=[mappe], by=_by(by))


def district_archive_package(district, agreements, *, by) -> bytes:
    """Every sealed agreement of `agreements` as one zip: one metadata.xml, a folder per agreement."""
    folders = []
    for agreement in agreements:
        with override(agreement.malform):
            folders.append(agreement_mappe(agreement, folder=f"avtale-{agreement.pk}"))
    if not folders:
        raise ValidationError(_("Ingen signerte og forseglede avtaler å arkivere."))
    stamp = timezone.localdate().isoformat()
    return package_zip(
        system_id=f"samarbeid:distrikt:{district.pk}:{stamp}",
        title=f"Samarbeidsavtaler i {district.name}",
        folders=folders,
        by=_by(by),
    )
