"""Exempting items from public access and publishing them: for who manages the meeting (meeting_for, manage),
edits the signed agreement (agreement_for, CHANGE) or the SLT plan (plan_for, edit). Each act is a new record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agreements.access import CHANGE, agreement_for, public_attachments
from agreements.models import AttachmentExemption
from public_pages.forms import ExemptionForm, WithdrawForm
from public_pages.services import attachment_exemption_set
from samarbeid import exemptions
from samarbeid.http import show_errors
from samarbeid.meetings import meeting_for
from samarbeid.models import Meeting, MeetingExemption
from slt.access import plan_for


def _publish_action(request: HttpRequest, obj, publish) -> bool:
    """Publish or withdraw `obj` from a POST; whether it did something (errors go to the messages)."""
    action = request.POST.get("action")
    try:
        if action == "publish":
            publish(obj, by=request.user)
            messages.success(request, _("Publisert."))
            return True
        if action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Skriv hvorfor det trekkes tilbake."))
                return False
            exemptions.publication_record(obj, published=False, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Trukket tilbake fra de offentlige sidene."))
            return True
    except ValidationError as error:
        show_errors(request, error)
    return False


@require_http_methods(["GET", "POST"])
@login_required
def meeting_publicity(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk, manage=True)
    items = {f"item:{item.pk}": item for item in meeting.agenda_items.all()}
    attachments = {f"attachment:{a.pk}": a for a in meeting.attachments.all()}
    parts = [
        ("minutes", _("Hele referatet")),
        *((key, f"{i.case_number} {i.title}") for key, i in items.items()),
        *((key, _("Vedlegg: %(title)s") % {"title": a.title}) for key, a in attachments.items()),
    ]
    action = request.POST.get("action")
    form = ExemptionForm(request.POST if action in ("exempt", "lift") else None, parts=parts)
    if request.method == "POST":
        if action in ("exempt", "lift") and form.is_valid():
            data = form.cleaned_data
            try:
                exemptions.meeting_exemption_set(
                    meeting,
                    exempt=action == "exempt",
                    by=request.user,
                    legal_basis=data["legal_basis"],
                    agenda_item=items.get(data["part"]),
                    attachment=attachments.get(data["part"]),
                    note=data["note"],
                )
                messages.success(
                    request, _("Unntatt offentlighet.") if action == "exempt" else _("Unntaket er opphevet.")
                )
            except ValidationError as error:
                show_errors(request, error)
        else:
            _publish_action(request, meeting, exemptions.meeting_publish)
        return redirect("publishing:meeting", pk=meeting.pk)
    in_force = exemptions.meeting_exemptions([meeting.pk])[meeting.pk]
    return render(
        request,
        "public/publishing/meeting.html",
        {
            "meeting": meeting,
            "form": form,
            "withdraw_form": WithdrawForm(),
            "in_force": in_force,
            "history": MeetingExemption.objects.filter(meeting=meeting).select_related(
                "agenda_item", "decided_by__person"
            ),
            "publications": exemptions.publication_history(meeting),
            "published": meeting.is_public,
            "can_publish": not meeting.is_closed and meeting.status == Meeting.Status.MINUTES_APPROVED,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_publicity(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, require=CHANGE)
    attachments = {f"attachment:{a.pk}": a for a in agreement.attachments.all()}
    form = ExemptionForm(request.POST or None, parts=[(key, a.title) for key, a in attachments.items()])
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("exempt", "lift") and form.is_valid():
            data = form.cleaned_data
            try:
                attachment_exemption_set(
                    agreement,
                    attachments[data["part"]],
                    exempt=action == "exempt",
                    by=request.user,
                    legal_basis=data["legal_basis"],
                    note=data["note"],
                )
                messages.success(
                    request, _("Unntatt offentlighet.") if action == "exempt" else _("Unntaket er opphevet.")
                )
            except ValidationError as error:
                show_errors(request, error)
        else:
            messages.error(request, _("Velg vedlegg og hjemmel."))
        return redirect("publishing:agreement", pk=agreement.pk)
    return render(
        request,
        "public/publishing/agreement.html",
        {
            "agreement": agreement,
            "form": form,
            "attachments": public_attachments(agreement),
            "history": AttachmentExemption.objects.filter(agreement=agreement).select_related("decided_by__person"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def plan_publicity(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_for(request.user, pk, edit=True)
    if request.method == "POST":
        _publish_action(request, plan, lambda obj, by: exemptions.publication_record(obj, published=True, by=by))
        return redirect("publishing:plan", pk=plan.pk)
    return render(
        request,
        "public/publishing/plan.html",
        {
            "plan": plan,
            "withdraw_form": WithdrawForm(),
            "published": exemptions.is_published(plan),
            "publications": exemptions.publication_history(plan),
        },
    )
