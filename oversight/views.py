"""The oversight pages: one per politidistrikt, and the national overview. Read-only; figures in figures.py."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from agreements.access import may_archive_district
from oversight.access import district_for, districts_overseen, openable_ids, sees_nation
from oversight.chart import coverage_chart
from oversight.exports import figures_csv, figures_xlsx
from oversight.figures import (
    SHOWN_STATUSES,
    Figures,
    coverage_by_year,
    district_summaries,
    kommune_figures,
)
from oversight.forms import FigureFilterForm
from samarbeid.models import Kommune, Politidistrikt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _mark_openable(user, figures: Figures) -> None:
    """Set on each row whether the viewer may open its agreement and council (links only for those)."""
    agreements, councils = openable_ids(
        user,
        agreement_ids=[row.agreement.pk for row in figures.rows if row.agreement],
        council_ids=[row.council.council.pk for row in figures.rows if row.council],
    )
    for row in figures.rows:
        row.agreement_url_allowed = row.agreement is not None and row.agreement.pk in agreements
        row.council_url_allowed = row.council is not None and row.council.council.pk in councils


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The national overview for Politidirektoratet and KS; a district's leaders go to their district's page."""
    if sees_nation(request.user):
        return _national(request)
    districts = list(districts_overseen(request.user).order_by("name"))
    if len(districts) == 1:
        return redirect("oversight:district", districts[0].pk)
    return render(request, "oversight/index.html", {"districts": districts})


def _national(request: HttpRequest) -> HttpResponse:
    """The twelve districts side by side and a tile per kommune (the caller has checked `sees_nation`)."""
    today = timezone.localdate()
    figures = kommune_figures(Kommune.objects.all(), today=today)
    _mark_openable(request.user, figures)
    districts = list(Politidistrikt.objects.order_by("name"))
    summaries = district_summaries(figures.rows, districts)
    by_district = {district.pk: [] for district in districts}
    for row in figures.rows:
        by_district[row.kommune.district_id].append(row)
    coverage = coverage_by_year(figures, today=today)
    return render(
        request,
        "oversight/national.html",
        {
            "summaries": summaries,
            "statuses": SHOWN_STATUSES,
            "today": today,
            "tiles": [(district, by_district[district.pk]) for district in districts],
            "total": len(figures.rows),
            "current": sum(row.is_current for row in figures.rows),
            "coverage": coverage,
            "chart": coverage_chart(coverage),
        },
    )


@require_GET
@login_required
def district(request: HttpRequest, pk: int) -> HttpResponse:
    district = district_for(request.user, pk)
    today = timezone.localdate()
    figures = kommune_figures(district.kommuner.all(), today=today)
    _mark_openable(request.user, figures)
    form = FigureFilterForm(request.GET)
    rows = form.apply(figures.rows)
    coverage = coverage_by_year(figures, today=today)
    return render(
        request,
        "oversight/district.html",
        {
            "district": district,
            "rows": rows,
            "form": form,
            "today": today,
            "summary": district_summaries(figures.rows, [district])[0],
            "statuses": SHOWN_STATUSES,
            "coverage": coverage,
            "chart": coverage_chart(coverage),
            "query": request.GET.urlencode(),
            "sort": form.cleaned_data.get("sort") or "kommune",
            "order": form.cleaned_data.get("order") or "asc",
            "can_archive": may_archive_district(request.user, district.pk),
        },
    )


@require_GET
@login_required
def district_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The rows of the district page, filtered and sorted as shown, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    district = district_for(request.user, pk)
    today = timezone.localdate()
    rows = FigureFilterForm(request.GET).apply(kommune_figures(district.kommuner.all(), today=today).rows)
    filename = f"oversikt-{district.code}-{today:%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(figures_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(figures_xlsx(rows, title=district.short_name), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
