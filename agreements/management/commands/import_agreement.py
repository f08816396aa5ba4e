from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from agreements.importing import FORMATS, parse_agreement
from agreements.importing.service import MissingParties, agreement_import, resolve_parties
from samarbeid.models import Kommune, Party, User


class Command(BaseCommand):
    help = (
        "Importer en eksisterende samarbeidsavtale (.txt, .docx, .odt eller tekst-.pdf) som et utkast med avsnitt. "
        "Partene hentes fra teksten; oppgi --kommune/--politi bare der teksten ikke nevner dem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kommune", action="append", default=[], help="Kommunenummer, f.eks. 3103 (kan gjentas).")
        parser.add_argument("--police", "--politi", dest="police", help="Politienhet eller politidistrikt, ved navn.")
        parser.add_argument(
            "--by", dest="by", help="E-post til brukeren som står som oppretter (standard: en superbruker)."
        )

    def handle(self, *args, file: Path, kommune: list[str], police: str | None, by: str | None, **options):
        if not file.is_file() or file.suffix.lower() not in FORMATS:
            raise CommandError(f"Fant ingen .txt-, .docx-, .odt- eller .pdf-fil: {file}")
        created_by = (User.objects.filter(email__iexact=by) if by else User.objects.filter(is_superuser=True)).first()
        if created_by is None:
            raise CommandError("Oppgi en eksisterende bruker med --by E-POST.")
        kommuner = list(Kommune.objects.filter(number__in=kommune))
        if len(kommuner) != len(set(kommune)):
            raise CommandError(f"Ukjent kommunenummer blant {', '.join(kommune)}.")
        police_party = None
        if police:
            police_party = Party.objects.filter(
                Q(kind__in=[Party.Kind.POLICE_UNIT, Party.Kind.POLITIDISTRIKT]),
                Q(name__iexact=police) | Q(politidistrikt__short_name__iexact=police),
            ).first()
            if police_party is None:
                raise CommandError(f"Fant ingen politienhet eller politidistrikt som heter «{police}».")
        parsed = parse_agreement(file)
        resolved = resolve_parties(parsed)
        try:
            agreement = agreement_import(
                parsed,
                created_by=created_by,
                police_party=police_party,
                kommuner=kommuner,
                resolved=resolved,
                original=(file.name, file.read_bytes()),
            )
        except MissingParties as missing:
            needed = [name for flag, name in ((missing.police, "--police"), (missing.kommuner, "--kommune")) if flag]
            raise CommandError(f"Teksten nevner ikke alle partene. Oppgi {' og '.join(needed)}.") from None
        self.stdout.write(
            self.style.SUCCESS(f"Importerte «{agreement}» (id {agreement.pk}) med {len(parsed.sections)} avsnitt.")
        )
        self._report(parsed)
        if resolved.unresolved:
            self.stdout.write(f"Fant ikke disse partene i registeret: {', '.join(resolved.unresolved)}")
        for signatory in parsed.signatories:
            signed = f", {signatory.place} {signatory.date:%d.%m.%Y}" if signatory.date else ""
            self.stdout.write(f"  Signert av: {signatory.name or '–'}, {signatory.title}, {signatory.party}{signed}")

    def _report(self, parsed):
        """What the reading found, and how much of the text it placed (nothing is dropped unseen)."""
        coverage = parsed.coverage
        self.stdout.write(
            f"Dekning: {coverage.ratio:.0%} av {coverage.source_words} ord ({coverage.in_sections} i avsnitt, "
            f"{coverage.set_aside} lagt til side: {', '.join(sorted({s.reason for s in parsed.set_aside})) or '–'})."
        )
        if coverage.lost:
            self.stdout.write(self.style.WARNING(f"Ord som ikke ble plassert: {' '.join(coverage.lost[:40])}"))
        preamble = [s for s in parsed.sections if s.preamble]
        self.stdout.write(
            f"Avsnitt: {len(parsed.headings)} overskrifter" + (" og en innledende tekst" if preamble else "")
        )
        for party in parsed.parties:
            unknown = f" (ukjent enhet i {party.district})" if not party.known else ""
            self.stdout.write(f"  Part: {party.text}{unknown}")
        if parsed.period_start or parsed.period_end or parsed.open_ended:
            start = f"{parsed.period_start:%d.%m.%Y}" if parsed.period_start else "–"
            end = f"{parsed.period_end:%d.%m.%Y}" if parsed.period_end else "til ny avtale er inngått"
            self.stdout.write(f"  Avtaleperiode: {start} – {end}")
        if parsed.signed_on:
            self.stdout.write(f"  Signert: {parsed.signed_on:%d.%m.%Y}")
