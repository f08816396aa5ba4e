"""Forms of the import page: the file, then only the parties the text does not name."""

import zipfile
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agreements.access import kommuner_choosable, police_parties_choosable
from agreements.forms import _style
from agreements.importer import ResolvedParties
from agreements.services import police_district
from samarbeid.models import Kommune, Party
from samarbeid.uploads import sniff_document_type

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 30 * 1024 * 1024  # a .docx is a zip archive: refuse archives that unpack to far more


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Avtalen som fil"),
        help_text=_("En .txt- eller .docx-fil på høyst 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,text/plain"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = PurePath(upload.name).suffix.lower()
        if extension not in (".txt", ".docx"):
            raise ValidationError(_("Filen må være en .txt- eller .docx-fil."))
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("Filen er for stor. Største tillatte størrelse er 2 MB."))
        if extension == ".docx" and sniff_document_type(upload) != ".docx":
            raise ValidationError(_("Filen er ikke et Word-dokument (.docx)."))
        if extension == ".docx" and _unpacked_size(upload) > MAX_DOCX_UNPACKED_BYTES:
            raise ValidationError(_("Filen er for stor. Største tillatte størrelse er 2 MB."))
        if extension == ".txt" and b"\x00" in upload.read():
            raise ValidationError(_("Filen er ikke en tekstfil."))
        upload.seek(0)
        return upload


def _unpacked_size(upload) -> int:
    with zipfile.ZipFile(upload) as archive:
        size = sum(info.file_size for info in archive.infolist())
    upload.seek(0)
    return size


class ImportPartiesForm(forms.Form):
    """Asks only for what the text does not name: the police party, the kommuner, or both."""

    police_party = forms.ModelChoiceField(
        label=_("Politiet"), queryset=Party.objects.none(), empty_label=_("Velg politienhet eller politidistrikt")
    )
    kommuner = forms.ModelMultipleChoiceField(
        label=_("Kommuner"), queryset=Kommune.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, resolved: ResolvedParties, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolved = resolved
        if resolved.police is not None:
            del self.fields["police_party"]
        else:
            self.fields["police_party"].queryset = police_parties_choosable(user)
        if resolved.kommuner:
            del self.fields["kommuner"]
        else:
            self.fields["kommuner"].queryset = kommuner_choosable(user)
        _style(self)

    def clean(self):
        data = super().clean()
        police = data.get("police_party", self.resolved.police)
        kommuner = data.get("kommuner", self.resolved.kommuner)
        if police and kommuner:
            district = police_district(police)
            if any(k.district_id != district.pk for k in kommuner):
                raise ValidationError(_("Alle kommunene må høre til politidistriktet til politiparten."))
        data["police_party"], data["kommuner"] = police, list(kommuner or [])
        return data
