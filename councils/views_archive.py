"""A politiråd's minutes of one year as an archive package, for the council's readers; meeting_reading decides what."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from councils.access import council_for
from councils.archive import council_minutes_package
from samarbeid.http import show_errors


@require_GET
@login_required
def minutes_archive(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    council = council_for(request.user, pk)
    try:
        package = council_minutes_package(council, year, user=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("councils:detail", pk=council.pk)
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="politirad-{council.pk}-referater-{year}.zip"'
    return response
