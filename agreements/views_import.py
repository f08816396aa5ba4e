"""Import: upload an agreement (or many, for a district), review what was read, and only then get a draft."""

import dataclasses
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agreements.access import (
    bulk_import_districts,
    import_review_for,
    import_reviews_visible_to,
    police_parties_choosable,
)
from agreements.forms_import import BulkUploadForm, ImportUploadForm, ReviewForm, initial_from, stored_choices
from agreements.importing.service import (
    NotAParty,
    ReviewChoices,
    ReviewedSection,
    earlier_agreement,
    import_review_confirm,
    import_review_create,
    parsed_from_json,
    resolve_parties,
    sections_edit,
    sections_found,
    suggestions_for,
    template_for_import,
    unknown_police_units,
    with_suggestions,
)
from agreements.models import ImportReview
from samarbeid.http import apply_errors
from samarbeid.permissions import parties_acted_for


@require_http_methods(["GET", "POST"])
@login_required
def agreement_import_view(request: HttpRequest) -> HttpResponse:
    if not parties_acted_for(request.user).exists():
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        review = import_review_create(
            upload=form.cleaned_data["file"], owner_party=form.cleaned_data["party"], by=request.user
        )
        return redirect("agreements:import_review", pk=review.pk)
    context = {
        "upload_form": form,
        "pending": import_reviews_visible_to(request.user).exclude(status=ImportReview.Status.DONE).count(),
        "can_bulk": bulk_import_districts(request.user).exists(),
    }
    return render(request, "agreements/import.html", context)


def _review_context(request, review: ImportReview, *, post=None, action: str = ""):
    """What the review page shows: the sections as edited so far, the suggestions, the parties and choices."""
    parsed = parsed_from_json(review.found)
    resolved = resolve_parties(parsed)
    choices = review.review.get("choices", {})
    chosen_police = next(iter(choices.get("police_party") or []), None)
    police = resolved.police
    if chosen_police and chosen_police.isdigit():
        police = police_parties_choosable(request.user).filter(pk=int(chosen_police)).first() or police
    template = template_for_import(police)
    if "sections" in review.review:
        sections = [ReviewedSection(**s) for s in review.review["sections"]]
    else:
        sections = sections_found(parsed, template)
    malform = next(iter(choices.get("malform") or []), parsed.malform)
    suggestions = suggestions_for(sections, template, malform)
    units = unknown_police_units(parsed, resolved, request.user)
    if choices:
        initial = initial_from(choices)
    else:
        replaced = earlier_agreement(
            request.user, police_party=resolved.police, kommuner=resolved.kommuner, parsed=parsed
        )
        initial = {
            "police_party": resolved.police.pk if resolved.police else None,
            "kommuner": [k.pk for k in resolved.kommuner],
            "malform": parsed.malform,
            "period_start": parsed.period_start,
            "period_end": parsed.period_end,
            "signed_on": parsed.signed_on,
            "replaces": replaced.pk if replaced else None,
            "new_units": [u.key for u in units],
        }
    form = ReviewForm(
        post,
        initial=initial,
        user=request.user,
        sections=sections,
        suggestions=suggestions,
        unknown_units=units,
        confirming=action == "confirm",
    )
    return {
        "review": review,
        "parsed": parsed,
        "resolved": resolved,
        "form": form,
        "template": template,
        "coverage": round(100 * parsed.coverage.in_sections_ratio) if parsed.coverage.source_words else None,
        "sections": sections,
        "malform": malform,
    }


def _next_in_queue(user, review: ImportReview):
    return (
        import_reviews_visible_to(user)
        .filter(status=ImportReview.Status.READY, batch=review.batch)
        .exclude(pk=review.pk)
        .first()
        if review.batch
        else None
    )


@require_http_methods(["GET", "POST"])
@login_required
def import_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = import_review_for(request.user, pk)
    if review.status == ImportReview.Status.DONE:
        return render(request, "agreements/import_review.html", {"review": review})
    if review.status == ImportReview.Status.WAITING:
        if request.htmx:  # still reading: the partial polls on; once read, the whole page is shown
            return render(request, "agreements/import_review.html#waiting", {"review": review})
        return render(request, "agreements/import_review.html", {"review": review})
    if request.htmx and request.method == "GET":
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "discard":
        return _discard(request, review)
    if review.status == ImportReview.Status.FAILED:
        return render(request, "agreements/import_review.html", {"review": review})
    context = _review_context(request, review, post=request.POST if request.method == "POST" else None, action=action)
    form = context["form"]
    if request.method == "GET" or not form.is_valid():
        return render(request, "agreements/import_review.html", context, status=200)
    sections = sections_edit(context["sections"], form.edits())
    sections = with_suggestions(
        sections, form.cleaned_data.get("suggestions", []), context["template"], form.cleaned_data["malform"]
    )
    review.review = {"sections": [dataclasses.asdict(s) for s in sections], "choices": stored_choices(request.POST)}
    review.save(update_fields=["review"])
    if action != "confirm":
        messages.success(request, _("Endringene er tatt med. Se over og lag utkastet når alt stemmer."))
        return redirect("agreements:import_review", pk=review.pk)
    data = form.cleaned_data
    choices = ReviewChoices(
        police_party=data["police_party"],
        kommuner=list(data["kommuner"]),
        sections=sections,
        malform=data["malform"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        signed_on=data["signed_on"],
        replaces=data["replaces"],
        new_units=data["new_units"],
    )
    try:
        agreement = import_review_confirm(review=review, by=request.user, choices=choices)
    except NotAParty:
        context["not_a_party"] = True
        return render(request, "agreements/import_review.html", context, status=403)
    except ValidationError as error:
        apply_errors(form, error)
        return render(request, "agreements/import_review.html", context)
    messages.success(
        request,
        _("Utkastet er laget med %(count)s avsnitt. Den opprinnelige filen ligger ved som vedlegg.")
        % {"count": len(sections)},
    )
    following = _next_in_queue(request.user, review)
    if following is not None:
        return redirect("agreements:import_review", pk=following.pk)
    return redirect("agreements:detail", pk=agreement.pk)


def _discard(request, review: ImportReview) -> HttpResponse:
    name = review.file.name
    storage = review.file.storage
    following = _next_in_queue(request.user, review)
    with transaction.atomic():
        review.delete()
        transaction.on_commit(lambda: storage.delete(name))
    messages.success(request, _("Importen av %(name)s er forkastet.") % {"name": review.original_name})
    if following is not None:
        return redirect("agreements:import_review", pk=following.pk)
    return redirect("agreements:import_queue")


@require_http_methods(["GET"])
@login_required
def import_queue(request: HttpRequest) -> HttpResponse:
    """The uploader's pending imports: progress while the worker reads them, then one review after the other."""
    if not parties_acted_for(request.user).exists():
        raise PermissionDenied
    reviews = list(
        import_reviews_visible_to(request.user).exclude(status=ImportReview.Status.DONE).order_by("uploaded_at", "pk")
    )
    waiting = sum(r.status == ImportReview.Status.WAITING for r in reviews)
    context = {
        "reviews": reviews,
        "waiting": waiting,
        "read": len(reviews) - waiting,
        "total": len(reviews),
        "percent": round(100 * (len(reviews) - waiting) / len(reviews)) if reviews else 100,
    }
    template = "agreements/import_queue.html#queue" if request.htmx else "agreements/import_queue.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
def import_bulk(request: HttpRequest) -> HttpResponse:
    """A district administrator uploads many agreements (or a .zip): the worker reads them into the queue."""
    if not bulk_import_districts(request.user).exists():
        raise PermissionDenied
    form = BulkUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        batch = uuid.uuid4()
        for upload in form.cleaned_data["files"]:
            import_review_create(upload=upload, owner_party=form.cleaned_data["district"], by=request.user, batch=batch)
        messages.success(
            request, _("%(count)s filer er lastet opp og blir lest nå.") % {"count": len(form.cleaned_data["files"])}
        )
        return redirect(reverse("agreements:import_queue"))
    return render(request, "agreements/import_bulk.html", {"form": form})
