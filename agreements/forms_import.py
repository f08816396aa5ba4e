"""Forms of the import: the file (or many, for a district), then the review of what was read."""

import zipfile
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _

from agreements.access import (
    agreements_replaceable,
    bulk_import_districts,
    import_owner_parties_choosable,
)
from agreements.forms import offer_parties
from agreements.importing.service import READABLE, SectionEdit, UnknownUnit
from agreements.models import Agreement, Owner
from agreements.services import police_district
from samarbeid.forms import DateInput
from samarbeid.models import Kommune, Malform, Party
from samarbeid.uploads import sniff_document_type

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 30 * 1024 * 1024  # a .docx is a zip archive: refuse archives that unpack to far more
MAX_BULK_FILES = 50
MAX_ZIP_UNPACKED_BYTES = 60 * 1024 * 1024


def _types_text() -> str:
    return ", ".join(READABLE[:-1]) + " " + str(_("eller")) + " " + READABLE[-1]


def check_agreement_file(name: str, upload) -> None:
    """Refuse, in Norwegian, what the reader cannot read: wrong type, too big, not what its name says."""
    extension = PurePath(name).suffix.lower()
    if extension not in READABLE:
        raise ValidationError(_("Filen må være en %(types)s-fil.") % {"types": _types_text()})
    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationError(_("Filen er for stor. Største tillatte størrelse er 2 MB."))
    if extension in (".docx", ".odt", ".pdf") and sniff_document_type(upload) != extension:
        messages = {
            ".docx": _("Filen er ikke et Word-dokument (.docx)."),
            ".odt": _("Filen er ikke et OpenDocument-dokument (.odt)."),
            ".pdf": _("Filen er ikke en PDF-fil."),
        }
        raise ValidationError(messages[extension])
    if extension in (".docx", ".odt") and _unpacked_size(upload) > MAX_DOCX_UNPACKED_BYTES:
        raise ValidationError(_("Filen er for stor. Største tillatte størrelse er 2 MB."))
    if extension == ".txt" and b"\x00" in upload.read():
        raise ValidationError(_("Filen er ikke en tekstfil."))
    upload.seek(0)


def _unpacked_size(upload) -> int:
    with zipfile.ZipFile(upload) as archive:
        size = sum(info.file_size for info in archive.infolist())
    upload.seek(0)
    return size


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Avtalen som fil"))
    party = forms.ModelChoiceField(
        label=_("Last opp for"),
        queryset=Party.objects.none(),
        empty_label=None,
        help_text=_("Importen er din til du har sett over den; bare du ser den."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        parties = list(import_owner_parties_choosable(user))
        self.fields["party"].queryset = import_owner_parties_choosable(user)
        self.only_party = parties[0] if len(parties) == 1 else None
        if self.only_party is not None:  # nothing to choose: the one party the user acts for
            del self.fields["party"]
        self.fields["file"].help_text = _("En %(types)s-fil på høyst 2 MB.") % {"types": _types_text()}
        self.fields["file"].widget.attrs["accept"] = ",".join(READABLE)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_agreement_file(upload.name, upload)
        return upload

    def clean(self):
        data = super().clean()
        if self.only_party is not None:
            data["party"] = self.only_party
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class BulkUploadForm(forms.Form):
    """Many agreements at once, or a .zip of them: each one is read by the task worker and reviewed in turn."""

    files = MultipleFileField(label=_("Avtalene som filer"))
    district = forms.ModelChoiceField(label=_("Politidistrikt"), queryset=Party.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = bulk_import_districts(user)
        districts = list(self.fields["district"].queryset)
        self.only_district = districts[0] if len(districts) == 1 else None
        if self.only_district is not None:
            del self.fields["district"]
        self.fields["files"].help_text = _(
            "Velg mange filer (%(types)s, høyst 2 MB hver) eller én .zip-fil med dem, høyst %(count)s filer."
        ) % {"types": _types_text(), "count": MAX_BULK_FILES}
        self.fields["files"].widget.attrs["accept"] = ",".join([*READABLE, ".zip"])

    def clean_files(self):
        uploads = []
        for upload in self.cleaned_data["files"]:
            if PurePath(upload.name).suffix.lower() == ".zip":
                uploads += _unzipped(upload)
            else:
                uploads.append(upload)
        if len(uploads) > MAX_BULK_FILES:
            raise ValidationError(_("Høyst %(count)s filer om gangen.") % {"count": MAX_BULK_FILES})
        errors = []
        for upload in uploads:
            try:
                check_agreement_file(upload.name, upload)
            except ValidationError as error:
                errors += [f"{upload.name}: {message}" for message in error.messages]
        if errors:
            raise ValidationError(errors)
        if not uploads:
            raise ValidationError(_("Zip-filen har ingen avtaler i seg."))
        return uploads

    def clean(self):
        data = super().clean()
        if self.only_district is not None:
            data["district"] = self.only_district
        return data


def _unzipped(upload) -> list:
    try:
        with zipfile.ZipFile(upload) as archive:
            members = [
                i for i in archive.infolist() if not i.is_dir() and not PurePath(i.filename).name.startswith(".")
            ]
            if len(members) > MAX_BULK_FILES:
                raise ValidationError(_("Høyst %(count)s filer om gangen.") % {"count": MAX_BULK_FILES})
            if sum(i.file_size for i in members) > MAX_ZIP_UNPACKED_BYTES:
                raise ValidationError(_("Zip-filen er for stor når den pakkes ut."))
            return [SimpleUploadedFile(PurePath(i.filename).name, archive.read(i)) for i in members]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise ValidationError(_("Zip-filen kunne ikke leses.")) from None


# --- The review ---------------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """What the reviewer confirms: one row of fields per section (heading, owner, order, merge, split), the
    template's suggestions, the parties (choices from agreements/access.py only), new police units, the period,
    målform, the earlier signing date and the agreement this one replaces. With `confirming` the parties are
    required; applying edits needs only valid sections."""

    police_party = forms.ModelChoiceField(
        label=_("Politiet"),
        queryset=Party.objects.none(),
        required=False,
        empty_label=_("Velg politienhet eller politidistrikt"),
    )
    kommuner = forms.ModelMultipleChoiceField(label=_("Kommuner"), queryset=Kommune.objects.none(), required=False)
    new_units = forms.MultipleChoiceField(
        label=_("Politienheter som ikke er i registeret"), widget=forms.CheckboxSelectMultiple, required=False
    )
    malform = forms.ChoiceField(label=_("Målform"), choices=Malform.choices)
    period_start = forms.DateField(label=_("Gjelder fra"), required=False, widget=DateInput)
    period_end = forms.DateField(
        label=_("Gjelder til"),
        required=False,
        widget=DateInput,
        help_text=_("Tomt betyr at avtalen gjelder til den blir revidert."),
    )
    signed_on = forms.DateField(label=_("Den gamle avtalen ble signert"), required=False, widget=DateInput)
    replaces = forms.ModelChoiceField(
        label=_("Erstatter avtalen i registeret"),
        queryset=Agreement.objects.none(),
        required=False,
        empty_label=_("Ingen (den gamle avtalen er ikke i registeret)"),
    )
    suggestions = forms.TypedMultipleChoiceField(
        label=_("Malen har også"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        coerce=int,
        help_text=_(
            "Avsnitt som teksten mangler. Kryss av for dem dere vil ta med som forslag; eieren kan fjerne dem."
        ),
    )

    def __init__(self, *args, user, sections, suggestions, unknown_units: list[UnknownUnit], confirming=False, **kw):
        super().__init__(*args, **kw)
        self.sections, self.confirming = sections, confirming
        self.units = {u.key: u for u in unknown_units}
        offer_parties(self, user)
        self.fields["replaces"].queryset = agreements_replaceable(user)
        self.fields["suggestions"].choices = [
            (pk, _("%(heading)s — legg til?") % {"heading": heading}) for pk, heading in suggestions
        ]
        self.fields["new_units"].choices = [
            (u.key, _("Opprett «%(unit)s» under %(district)s") % {"unit": u.name, "district": u.district.name})
            for u in unknown_units
        ]
        if not unknown_units:
            del self.fields["new_units"]
        if not suggestions:
            del self.fields["suggestions"]
        owners = Owner.choices
        count = len(sections)
        for i, section in enumerate(sections):
            blocks = len(section.blocks())
            self.fields[f"s{i}-heading"] = forms.CharField(
                label=_("Overskrift"), max_length=200, initial=section.heading, required=False
            )
            self.fields[f"s{i}-owner"] = forms.ChoiceField(label=_("Eier"), choices=owners, initial=section.owner)
            self.fields[f"s{i}-order"] = forms.IntegerField(
                label=_("Plass"), min_value=1, max_value=max(count, 1), initial=i + 1
            )
            if section.suggested:
                self.fields[f"s{i}-remove"] = forms.BooleanField(label=_("Ta bort forslaget"), required=False)
            if i:
                self.fields[f"s{i}-merge"] = forms.BooleanField(
                    label=_("Slå sammen med avsnittet over"), required=False
                )
            if blocks > 1:
                self.fields[f"s{i}-split"] = forms.TypedChoiceField(
                    label=_("Del opp før tekstblokk"),
                    required=False,
                    coerce=int,
                    empty_value=None,
                    choices=[("", _("Ikke del opp")), *((n, str(n)) for n in range(2, blocks + 1))],
                )
                self.fields[f"s{i}-split_heading"] = forms.CharField(
                    label=_("Overskrift for den nye delen"), max_length=200, required=False
                )

    def section_rows(self):
        """(section, its bound fields by short name) for the template."""
        for i, section in enumerate(self.sections):
            names = ["heading", "owner", "order", "remove", "merge", "split", "split_heading"]
            yield section, {n: self[f"s{i}-{n}"] for n in names if f"s{i}-{n}" in self.fields}

    def other_fields(self):
        return [self[n] for n in self.fields if "-" not in n]

    def clean(self):
        data = super().clean()
        for i in range(len(self.sections)):
            if not (data.get(f"s{i}-heading") or "").strip():
                self.add_error(f"s{i}-heading", _("Skriv en overskrift."))
            if data.get(f"s{i}-split") and not (data.get(f"s{i}-split_heading") or "").strip():
                self.add_error(f"s{i}-split_heading", _("Skriv en overskrift for den nye delen."))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Sluttdatoen kan ikke være før startdatoen."))
        data["new_units"] = [self.units[key] for key in data.get("new_units", []) if key in self.units]
        if not self.confirming:
            return data
        police, kommuner = data.get("police_party"), list(data.get("kommuner") or [])
        if police is None and not data["new_units"]:
            self.add_error("police_party", _("Velg politiet, eller opprett politienheten teksten nevner."))
        if not kommuner:
            self.add_error("kommuner", _("Velg minst én kommune."))
        district = police_district(police) if police is not None else None
        if district is None and data["new_units"]:
            district = data["new_units"][0].district
        if district is not None and any(k.district_id != district.pk for k in kommuner):
            raise ValidationError(_("Alle kommunene må høre til politidistriktet til politiparten."))
        replaces = data.get("replaces")
        if replaces is not None and police is not None:
            ids = {k.pk for k in kommuner}
            if replaces.police_party_id != police.pk or not all(k.pk in ids for k in replaces.kommuner.all()):
                self.add_error("replaces", _("En avtale kan bare erstatte en avtale med de samme partene."))
        return data

    def edits(self) -> list[SectionEdit]:
        data = self.cleaned_data
        return [
            SectionEdit(
                heading=data.get(f"s{i}-heading") or s.heading,
                owner=data.get(f"s{i}-owner") or s.owner,
                order=data.get(f"s{i}-order") or i + 1,
                merge=bool(data.get(f"s{i}-merge")),
                split_at=data.get(f"s{i}-split"),
                split_heading=data.get(f"s{i}-split_heading") or "",
                remove=bool(data.get(f"s{i}-remove")),
            )
            for i, s in enumerate(self.sections)
        ]


def stored_choices(data) -> dict:
    """The review's non-section fields as posted, to be shown again as they were (nothing the user chose is lost)."""
    names = [
        "police_party",
        "kommuner",
        "new_units",
        "malform",
        "period_start",
        "period_end",
        "signed_on",
        "replaces",
        "suggestions",
    ]
    return {name: data.getlist(name) for name in names if name in data}


def initial_from(choices: dict, multiple=("kommuner", "new_units", "suggestions")) -> dict:
    return {name: (values if name in multiple else (values[0] if values else None)) for name, values in choices.items()}
