"""URLs for benchmarks/load.py: the app's URLs plus /__bare__/, a view that returns a tiny response."""

from django.http import HttpResponse
from django.urls import include, path

from samarbeid.page_cache import never_kept


@never_kept  # the ceiling without the page cache's own lookup: pages are measured against the bare stack
def bare(request):
    """The ceiling of the stack: every middleware runs (session, user, the day's role re-sync), no page work."""
    request.user.is_authenticated  # noqa: B018 - the pages all read the user; so does the ceiling
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("__bare__/", bare),
    path("", include("samarbeid.urls")),
]
