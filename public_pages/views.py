"""The public pages: anyone reads them, logged in or not, and they show the same to everyone (pages.py)."""

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agreements.access import public_agreement_for, public_attachments, public_sealed_document
from agreements.models import Expectation, SectionKind
from oversight.figures import SHOWN_STATUSES, district_summaries, kommune_figures
from public_pages import pages
from public_pages.search import search
from samarbeid.meetings import MeetingDocument, meeting_document_context
from samarbeid.models import Kommune, Politidistrikt
from samarbeid.pdf import render_pdf_html
from samarbeid.pdf_store import pdf_response

SEARCH_PAGE_SIZE = 10


@require_GET
def kommune_list(request: HttpRequest) -> HttpResponse:
    """All 357 kommuner, filtered by name or number on the server (htmx swaps the results while typing)."""
    query = request.GET.get("q", "")[:100]
    context = {"kommuner": pages.kommuner_matching(query), "query": query}
    template = "public/kommune_list.html#results" if request.htmx else "public/kommune_list.html"
    return render(request, template, context)


@require_GET
def kommune_by_number(request: HttpRequest, number: str) -> HttpResponse:
    return redirect(pages.kommune_url(get_object_or_404(Kommune, number=number)), permanent=True)


def _kommune(number: str, slug: str) -> tuple[Kommune, HttpResponse | None]:
    """The kommune, and a redirect to its right address when the name part is wrong."""
    kommune = get_object_or_404(Kommune.objects.select_related("district"), number=number)
    if slug != pages.kommune_slug(kommune):
        return kommune, redirect(pages.kommune_url(kommune), permanent=True)
    return kommune, None


@require_GET
def kommune_page(request: HttpRequest, number: str, slug: str) -> HttpResponse:
    kommune, wrong = _kommune(number, slug)
    if wrong:
        return wrong
    return render(request, "public/kommune.html", pages.kommune_overview(kommune))


@require_GET
def district_list(request: HttpRequest) -> HttpResponse:
    return render(request, "public/district_list.html", {"districts": Politidistrikt.objects.order_by("name")})


@require_GET
def district_page(request: HttpRequest, code: str) -> HttpResponse:
    """The district's kommuner with the status figures of the district oversight (oversight/figures.py)."""
    district = get_object_or_404(Politidistrikt, code=code)
    today = timezone.localdate()
    figures = kommune_figures(district.kommuner.all(), today=today)
    for row in figures.rows:
        row.public_url = pages.kommune_url(row.kommune)
    return render(
        request,
        "public/district.html",
        {
            "district": district,
            "rows": figures.rows,
            "today": today,
            "statuses": SHOWN_STATUSES,
            "summary": district_summaries(figures.rows, [district])[0],
        },
    )


@require_GET
def agreement_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed agreement as readable HTML in its målform, with who signed and the sealed PDF."""
    agreement = public_agreement_for(pk)
    expectations = list(agreement.expectations.all())
    sections = list(agreement.sections.order_by("order", "pk"))
    return render(
        request,
        "public/agreement.html",
        {
            "agreement": agreement,
            "sections": sections,
            "kinds": SectionKind,
            "kommuner": [(k, pages.kommune_url(k)) for k in agreement.kommuner.all()],
            "attachments": public_attachments(agreement),
            "sealed": public_sealed_document(agreement),
            "signatures": pages.signatures_of(agreement),
            "opening_hours": agreement.opening_hours(),
            "replaced_by": agreement.replaced_by.filter(status__in=["signert", "erstattet"]).first(),
            "expectations_from_kommune": [e for e in expectations if e.direction == Expectation.Direction.FROM_KOMMUNE],
            "expectations_from_police": [e for e in expectations if e.direction == Expectation.Direction.FROM_POLICE],
        },
    )


@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The sealed PDF of a signed agreement, the one file anyone may download (404 until it is sealed)."""
    sealed = public_sealed_document(public_agreement_for(pk))
    if sealed is None:
        raise Http404
    return FileResponse(
        sealed.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"samarbeidsavtale-{pk}.pdf",
    )


@require_GET
def council_page(request: HttpRequest, pk: int) -> HttpResponse:
    council = pages.public_council_for(pk)
    return render(
        request,
        "public/council.html",
        {
            "council": council,
            "members": pages.members_by_role(council.forum),
            "meetings": pages.council_meetings([council.forum]),
            "kommuner": [(k, pages.kommune_url(k)) for k in council.forum.kommuner.all()],
        },
    )


@require_GET
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A politiråd meeting as the public reads it: an open one's agenda, and its minutes once published; exempt
    items by title and legal basis; a closed one by its date and that it is closed."""
    reading = pages.public_meeting_for(pk)
    council = getattr(reading.meeting.forum, "council", None)
    return render(request, "public/meeting.html", {"reading": reading, "meeting": reading.meeting, "council": council})


@require_GET
def meeting_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The published minutes as PDF, from the same anonymous reading as the page."""
    reading = pages.public_meeting_for(pk)
    if not reading.minutes:
        raise Http404
    meeting = reading.meeting
    context = meeting_document_context(reading, MeetingDocument.REFERAT)
    title = _("Referat") + f" – {meeting}"
    html = render_pdf_html("meetings/pdf/meeting.html", context, request=request, title=title)
    return pdf_response(request, html, filename=f"referat-{meeting.starts_at:%Y-%m-%d}.pdf", title=title)


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Full-text search over what the visitor may read: public content, and for a logged-in user also what their
    roles let them read (the same access functions as every list)."""
    query = request.GET.get("q", "")[:200].strip()
    results = search(query, user=request.user) if query else []
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("side"))
    template = "public/search.html#results" if request.htmx else "public/search.html"
    return render(request, template, {"query": query, "page": page, "searched": bool(query)})
