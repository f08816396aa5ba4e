"""Sign-off pages: status and signatures, sending for signature, signing, PDF, revising, verification."""

import hashlib

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import signing
from agreements.access import CHANGE, agreement_abilities, agreement_by_verification_code, agreement_for
from agreements.forms_signing import ReturnToDraftForm, SendForSignatureForm, SignForm, VerifyForm
from agreements.models import Agreement, SealedDocument
from agreements.negotiation import negotiation_summary
from agreements.reviewing import unreviewed_sections
from agreements.verification import agreement_edition, completed_round, verification_path
from samarbeid.http import show_errors, show_form_errors
from samarbeid.pdf import verify_pdf
from samarbeid.pdf_store import pdf_response


def _second_factor_url(agreement: Agreement) -> str:
    """allauth's confirmation with the second factor, coming back to the signing page."""
    next_url = reverse("agreements:signing", args=[agreement.pk])
    return f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}"


@require_GET
@login_required
def signing_page(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, related=("replaces", "sealed_document"))
    prefetch_related_objects([agreement], "kommuner", "sections")  # read by the slots, the title and the summaries
    signing_round = signing.live_round(agreement)
    slots = signing.signatory_slots(agreement, signing_round)
    can = signing.signing_abilities(
        request.user, agreement, signing_round, slots, authentication=get_authentication_records(request, request.user)
    )
    context = {
        "agreement": agreement,
        "lifecycle": agreement.lifecycle,
        "signing_round": signing_round,
        "slots": slots,
        "sections": agreement.sections.all(),
        "history": signing.history(agreement),
        "departures": signing.departures_from_template(agreement),
        "changes_from_replaced": signing.agreement_diff(agreement.replaces, agreement)
        if agreement.replaces_id
        else None,
        "sealed": getattr(agreement, "sealed_document", None) if agreement.is_signed else None,
        "can": can,
        "send_form": SendForSignatureForm(),
        "unreviewed": unreviewed_sections(agreement) if can["send"] else [],  # a warning; sending is not blocked
        "return_form": ReturnToDraftForm(),
        "sign_form": SignForm(initial={"content_hash": signing_round.content_hash}) if can["sign"] else None,
        "second_factor_url": _second_factor_url(agreement),
        "max_age_minutes": settings.SIGNING_SECOND_FACTOR_MAX_AGE // 60,
        "negotiation_summary": negotiation_summary(agreement),  # what was negotiated, what is open
    }
    return render(request, "agreements/signing.html", context)


@require_POST
@login_required
def send_for_signature(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, edit=True)
    form = SendForSignatureForm(request.POST)
    form.is_valid()
    try:
        signing.agreement_send_for_signature(
            agreement, by=request.user, allow_deputy=form.cleaned_data.get("allow_deputy", False)
        )
        messages.success(request, _("Avtalen er sendt til signering. Innholdet er nå låst."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect("agreements:signing", pk=agreement.pk)


@require_POST
@login_required
def return_to_draft(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, require=CHANGE)
    form = ReturnToDraftForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("agreements:signing", pk=agreement.pk)
    try:
        signing.agreement_return_to_draft(agreement, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Avtalen er sendt tilbake til utkast. Signaturene er fjernet."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect("agreements:signing", pk=agreement.pk)


@require_POST
@login_required
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, require=signing.SIGN)
    authentication = get_authentication_records(request, request.user)
    if signing.has_authenticator(request.user) and signing.second_factor_step(authentication) is None:
        # Not confirmed with the second factor in this session lately: through allauth's confirmation
        # and back to the signing page, where the form is shown again.
        messages.info(request, _("Bekreft med en kode fra autentiseringsappen din, så kan du signere."))
        return redirect(_second_factor_url(agreement))
    form = SignForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("agreements:signing", pk=agreement.pk)
    try:
        signing.agreement_sign(
            agreement,
            by=request.user,
            place=form.cleaned_data["place"],
            signed_hash=form.cleaned_data["content_hash"],
            authentication=authentication,
        )
        messages.success(request, _("Du har signert avtalen."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect("agreements:signing", pk=agreement.pk)


@require_POST
@login_required
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, require=CHANGE)
    try:
        draft = signing.agreement_revise(agreement, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("agreements:signing", pk=agreement.pk)
    messages.success(request, _("Et nytt utkast er laget. Det erstatter avtalen når det er signert."))
    return redirect("agreements:detail", pk=draft.pk)


@require_GET
@login_required
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed PDF of a signed agreement, else a preview of the current text (watermarked until signed)."""
    agreement = agreement_for(request.user, pk)
    sealed = getattr(agreement, "sealed_document", None) if agreement.is_signed else None
    if sealed:
        return FileResponse(
            sealed.file.open("rb"), content_type="application/pdf", filename=f"samarbeidsavtale-{pk}.pdf"
        )
    html = signing.agreement_pdf_html(agreement, final=agreement.is_signed, request=request)  # sealing may lag
    return pdf_response(request, html, filename=f"samarbeidsavtale-{pk}-utkast.pdf", title=agreement.title)


@require_GET
@login_required
def agreement_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed from the agreement it replaces (a revision) to this one."""
    agreement = agreement_for(request.user, pk)
    if not agreement.replaces_id:
        messages.info(request, _("Avtalen erstatter ingen tidligere avtale."))
        return redirect("agreements:signing", pk=agreement.pk)
    replaced = agreement_for(request.user, agreement.replaces_id)
    context = {"agreement": agreement, "replaced": replaced, "changes": signing.agreement_diff(replaced, agreement)}
    return render(request, "agreements/agreement_changes.html", context)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone holding a PDF may check that it is an authentic, unaltered agreement sealed here."""
    result = archived = None
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        result = verify_pdf(data)
        if result.ok:
            archived = SealedDocument.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    return render(request, "agreements/verify.html", {"form": form, "result": result, "archived": archived})


@require_GET
def verify_agreement(request: HttpRequest, code: str) -> HttpResponse:
    """The verification address printed in the sealed PDF: which agreement, which version, who signed and when."""
    agreement = agreement_by_verification_code(code)
    signing_round = completed_round(agreement)
    replaced = agreement.status == Agreement.Status.REPLACED
    successor = agreement.replaced_by.filter(status=Agreement.Status.SIGNED).first() if replaced else None
    context = {
        "agreement": agreement,
        "edition": agreement_edition(agreement),
        "signing_round": signing_round,
        "signatures": signing_round.signatures.select_related("party").order_by("signed_at", "pk"),
        "kommuner": agreement.kommuner.all(),
        "sealed": SealedDocument.objects.filter(agreement=agreement).first(),
        "successor": successor,
        "successor_path": verification_path(successor) if successor else None,
        "can": agreement_abilities(request.user, agreement),
        "form": VerifyForm(),
    }
    return render(request, "agreements/verify_agreement.html", context)
