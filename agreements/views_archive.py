"""Archive packages for a kommune's sak/arkiv system: one signed agreement, or a district's signed agreements."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from agreements.access import agreement_for, district_agreements_archivable, district_archive_for
from agreements.archive import agreement_archive_package, district_archive_package
from samarbeid.http import show_errors


def _zip(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
def agreement_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed agreement as an archive package: the sealed PDF/A, its attachments and Noark 5-style metadata."""
    agreement = agreement_for(request.user, pk)
    try:
        package = agreement_archive_package(agreement, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("agreements:signing", pk=agreement.pk)
    return _zip(package, f"samarbeidsavtale-{agreement.pk}-arkiv.zip")


@require_GET
@login_required
def district_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Every sealed agreement of the politidistrikt, for its politimester and malansvarlig: one zip."""
    district = district_archive_for(request.user, pk)
    agreements = district_agreements_archivable(request.user, district)
    try:
        package = district_archive_package(district, agreements, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("oversight:district", pk=district.pk)
    return _zip(package, f"samarbeidsavtaler-distrikt-{district.pk}-{timezone.localdate():%Y-%m-%d}.zip")
