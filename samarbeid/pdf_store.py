"""PDFs are never rendered in a request: the worker renders each once and the views serve the stored file.

A view computes, through its app's access functions exactly as for the page, the HTML this reader may see
(`samarbeid.pdf.render_pdf_html`) and hands it to `pdf_response`. The PDF is named by the SHA-256 of that HTML
and of the renderer's options (`pdf_content_hash`), so two readers share a stored file only if they would read
byte-identical content: a member's referat of a closed meeting and a non-member's titles-only one hash apart.

- a stored PDF is served like a static file: ETag (the content hash), Last-Modified, `Cache-Control: private,
  no-cache` (the browser keeps it but asks again, so every use passes the view's access check), 304 on a
  matching If-None-Match/If-Modified-Since;
- a PDF not yet rendered is ordered from the worker (`render_stored_pdf`, one task per hash) and the reader
  gets a page saying it is being made: it polls with htmx and is sent on to the file when it is ready; without
  JavaScript the page reloads itself (a Refresh header) and links to the same address.

The file lives in private storage (Django's storage API: the file system or S3, see settings.STORAGES) and has
no URL of its own: only the view that checked the reader's access streams it. The sealed PDF of a signed
agreement is not made here (agreements.signing.agreement_seal seals and stores it at signing)."""

import datetime
import functools
import hashlib
from collections.abc import Callable

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.tasks import task
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from samarbeid.http import HtmxRequest
from samarbeid.models import RenderedPdf
from samarbeid.pdf import html_to_pdf

# Part of every content hash: raise it when the renderer's output changes for the same HTML (a WeasyPrint
# upgrade, other fonts), so that no file rendered the old way is served again.
RENDERER_VERSION = "weasyprint-pdf/a-2b-tagged-1"
# A PDF ordered this long ago and still not rendered (the worker lost it, or the task failed) is ordered again.
RETRY_AFTER = datetime.timedelta(minutes=2)
# How often the progress page asks again, in seconds (htmx) and the Refresh header without JavaScript.
POLL_SECONDS = 2


@functools.cache
def _stylesheet_hash() -> str:
    path = finders.find("css/print.css")
    if not isinstance(path, str):
        raise ImproperlyConfigured("static/css/print.css is missing")
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def pdf_content_hash(html: str) -> str:
    """The name of the PDF of `html`: the same for the same bytes under the same renderer and print stylesheet."""
    digest = hashlib.sha256()
    for part in (RENDERER_VERSION, _stylesheet_hash(), html):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def stored_pdf(html: str) -> RenderedPdf:
    """The stored PDF of `html`, ordered from the worker if it has not been (or was ordered long ago in vain)."""
    content_hash = pdf_content_hash(html)
    stored = RenderedPdf.objects.filter(content_hash=content_hash).first()
    if stored is None:
        try:
            with transaction.atomic():
                stored = RenderedPdf.objects.create(content_hash=content_hash, html=html)
        except IntegrityError:  # another request ordered the same PDF at the same moment
            return RenderedPdf.objects.get(content_hash=content_hash)
    if not stored.file and (stored.enqueued_at is None or stored.enqueued_at < timezone.now() - RETRY_AFTER):
        RenderedPdf.objects.filter(pk=stored.pk).update(enqueued_at=timezone.now())
        render_stored_pdf.enqueue(content_hash)
        stored.refresh_from_db()  # an immediate task backend (tests, development) has rendered it by now
    return stored


@task
def render_stored_pdf(content_hash: str) -> str:
    """Render the ordered PDF of this hash and store it (once: a second run finds it rendered and stops)."""
    stored = RenderedPdf.objects.filter(content_hash=content_hash).first()
    if stored is None:
        return ""
    if stored.file:
        return stored.file.name or ""
    pdf = html_to_pdf(stored.html)
    stored.file.save(f"{content_hash}.pdf", ContentFile(pdf), save=False)
    stored.html = ""
    stored.rendered_at = timezone.now()
    stored.renders += 1
    stored.save(update_fields=["file", "html", "rendered_at", "renders"])
    return stored.file.name or ""


def pdf_response(
    request: HtmxRequest,
    html: str,
    *,
    filename: str,
    title: str,
    base_template: str = "base.html",
    on_serve: Callable[[], None] | None = None,
) -> HttpResponseBase:
    """The response to a PDF download whose content the view has computed as `html` for this reader: the stored
    file (or 304), else the progress page (its htmx partial when polled). `on_serve` is called when the reader
    gets the PDF (the file or 304), not while it is being made (a read log counts reads, not polls)."""
    stored = stored_pdf(html)
    if not stored.file:
        context = {
            "title": title,
            "poll_url": request.get_full_path(),
            "poll_seconds": POLL_SECONDS,
            "base_template": base_template,
        }
        template = "samarbeid/pdf_pending.html#progress" if request.htmx else "samarbeid/pdf_pending.html"
        response = render(request, template, context)
        if not request.htmx:
            response["Refresh"] = str(POLL_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    if request.htmx:  # the progress page polled, and the file is ready: the browser goes on to download it
        context = {"title": title, "download_url": request.get_full_path()}
        response = render(request, "samarbeid/pdf_pending.html#progress", context)
        response["HX-Redirect"] = request.get_full_path()
        return response
    etag = f'"{stored.content_hash}"'
    rendered_at = stored.rendered_at or stored.created_at  # a stored file has been rendered
    last_modified = int(rendered_at.timestamp())  # HTTP dates have whole seconds
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    served = not_modified or FileResponse(stored.file.open("rb"), content_type="application/pdf", filename=filename)
    served["ETag"] = etag
    served["Last-Modified"] = http_date(last_modified)
    served["Cache-Control"] = "private, no-cache"
    if on_serve is not None:
        on_serve()
    return served


def rendered_pdfs_prune(*, older_than: datetime.timedelta) -> int:
    """Delete the stored PDFs (rows and files) made longer ago than `older_than`: drafts that have since changed
    pile up otherwise. One still wanted is simply rendered again on its next download. Returns how many."""
    stale = list(RenderedPdf.objects.filter(created_at__lt=timezone.now() - older_than))
    for stored in stale:
        if stored.file:
            stored.file.delete(save=False)
    RenderedPdf.objects.filter(pk__in=[stored.pk for stored in stale]).delete()
    return len(stale)
