"""The import page: an editor uploads an existing agreement (.txt/.docx) and gets a draft with its sections."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agreements.forms_import import ImportPartiesForm, ImportUploadForm
from agreements.importer import agreement_import, parse_document, read, resolve_parties
from agreements.importing import Document
from samarbeid.invitations import split_by_acting
from samarbeid.permissions import parties_acted_for

SESSION_KEY = "agreement_import"


def _read_upload(upload) -> dict:
    """The uploaded file as blocks (see agreements.importing.read), kept in the session until the draft exists."""
    return {"name": upload.name, "document": read(upload, filename=upload.name).to_dict()}


@require_http_methods(["GET", "POST"])
@login_required
def agreement_import_view(request: HttpRequest) -> HttpResponse:
    user_parties = set(parties_acted_for(request.user).values_list("pk", flat=True))
    if not user_parties:
        raise PermissionDenied
    upload_form = ImportUploadForm(request.POST or None, request.FILES or None)
    stored = request.session.get(SESSION_KEY) if request.POST.get("step") == "parties" else None
    if request.method == "POST" and stored is None:
        if not upload_form.is_valid():
            return render(request, "agreements/import.html", {"upload_form": upload_form})
        try:
            stored = _read_upload(upload_form.cleaned_data["file"])
        except (ValueError, KeyError):  # python-docx on a damaged document
            upload_form.add_error("file", _("Filen kunne ikke leses."))
            return render(request, "agreements/import.html", {"upload_form": upload_form})
        request.session[SESSION_KEY] = stored
    if stored is None:
        return render(request, "agreements/import.html", {"upload_form": upload_form})

    parsed = parse_document(Document.from_dict(stored["document"]))
    if not parsed.headings:  # a text without a single heading is not taken for an agreement
        upload_form.add_error(None, _("Fant ingen avsnitt i filen."))
        return render(request, "agreements/import.html", {"upload_form": upload_form})
    resolved = resolve_parties(parsed)
    bound = request.POST.get("step") == "parties" or (resolved.police and resolved.kommuner)
    parties_form = ImportPartiesForm(request.POST if bound else None, user=request.user, resolved=resolved)
    context = {"parties_form": parties_form, "parsed": parsed, "resolved": resolved, "stored": stored}
    if not (bound and parties_form.is_valid()):
        return render(request, "agreements/import.html", context)
    police, kommuner = parties_form.cleaned_data["police_party"], parties_form.cleaned_data["kommuner"]
    if not user_parties & {police.pk, *(k.pk for k in kommuner)}:
        context["not_a_party"] = True
        return render(request, "agreements/import.html", context, status=403)
    joining, invited = split_by_acting(request.user, kommuner)
    agreement = agreement_import(
        parsed, created_by=request.user, police_party=police, kommuner=joining, invite=invited, resolved=resolved
    )  # fmt: skip
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _("Avtalen er importert med %(count)s avsnitt. Se over teksten før dere går videre.")
        % {"count": len(parsed.sections)},
    )
    return redirect("agreements:detail", pk=agreement.pk)
