"""Negotiation pages: comments, change proposals and their answers, template drift, the party's rule for sending,
the kommunestyre's decision and the case papers (.docx). The rules are in agreements/negotiation.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import negotiation
from agreements.access import (
    acting_party,
    agreement_for,
    council_decision_kommuner,
    editable_owners,
    negotiation_abilities,
    proposal_for,
    section_for,
    thread_for,
)
from agreements.docx import case_papers_docx
from agreements.forms_negotiation import (
    CommentForm,
    CouncilDecisionForm,
    DecisionForm,
    NegotiationSettingForm,
    ProposalForm,
    TemplateDriftForm,
    ThreadForm,
)
from agreements.models import AgreementSection
from samarbeid.concurrency import StaleEdit, edits_versioned
from samarbeid.http import apply_errors, show_errors


def _back(agreement, anchor: str = "") -> HttpResponse:
    return redirect(reverse("agreements:detail", args=[agreement.pk]) + (f"#{anchor}" if anchor else ""))


def _commenter(request, pk: int):
    """A draft the user comments on (an editor of one of its parties) and the party they speak for."""
    agreement = agreement_for(request.user, pk)
    if not agreement.is_editable or not negotiation_abilities(request.user, agreement)["comment"]:
        raise PermissionDenied
    return agreement, acting_party(request.user, agreement)


@require_POST
@login_required
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement, party = _commenter(request, pk)
    form = ThreadForm(request.POST)
    if not form.is_valid():
        show_errors(request, ValidationError(form.errors))
        return _back(agreement)
    data = form.cleaned_data
    section = get_object_or_404(AgreementSection, agreement=agreement, pk=data["section"]) if data["section"] else None
    try:
        thread = negotiation.comment_thread_create(
            agreement=agreement, party=party, by=request.user, body=data["body"], section=section, part=data["part"]
        )
    except ValidationError as error:
        show_errors(request, error)
        return _back(agreement, section.anchor if section else "")
    messages.success(request, _("Kommentaren er lagt inn."))
    return _back(agreement, thread.anchor)


@require_POST
@login_required
def comment_reply(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    agreement, party = _commenter(request, pk)
    thread = thread_for(request.user, pk, thread_pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        show_errors(request, ValidationError(form.errors))
        return _back(agreement, thread.anchor)
    try:
        negotiation.comment_reply(thread=thread, party=party, by=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Svaret er lagt inn."))
    return _back(agreement, thread.anchor)


@require_POST
@login_required
def thread_resolve(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    thread = thread_for(request.user, pk, thread_pk)
    negotiation.comment_thread_resolve(
        thread=thread, by=request.user, owners=editable_owners(request.user, thread.agreement)
    )
    messages.success(request, _("Tråden er markert som løst."))
    return _back(thread.agreement, thread.anchor)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_create(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk)
    agreement = section.agreement
    if not agreement.is_editable or section.owner not in negotiation_abilities(request.user, agreement)["propose_on"]:
        raise PermissionDenied
    form = ProposalForm(request.POST or None, initial={"text": section.local_text})
    if request.method == "POST" and form.is_valid():
        try:
            proposal = negotiation.proposal_create(
                section=section,
                party=acting_party(request.user, agreement),
                by=request.user,
                text=form.cleaned_data["text"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(
                request, _("Endringsforslaget er sendt til %(owner)s.") % {"owner": section.get_owner_display().lower()}
            )
            return _back(agreement, proposal.anchor)
    return render(
        request,
        "agreements/negotiation/proposal_create.html",
        {"agreement": agreement, "section": section, "form": form},
    )


@require_http_methods(["GET", "POST"])
@login_required
def proposal_detail(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """A proposal with its word diff (and, made against an older version, the diff against that one); the owner
    answers it here."""
    proposal = proposal_for(request.user, pk, proposal_pk, decide=request.method == "POST")
    section, agreement = proposal.section, proposal.agreement
    negotiation.annotate_proposal(proposal, section)
    can_decide = (
        agreement.is_editable and proposal.is_open and section.owner in editable_owners(request.user, agreement)
    )
    form = None
    if can_decide or request.method == "POST":
        form = DecisionForm(request.POST or None, initial={"text": proposal.text}, version=section.version)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            negotiation.proposal_decide(
                proposal=proposal,
                by=request.user,
                decision=data["decision"],
                expected_version=form.expected_version,
                text=data["text"],
                reason=data["reason"],
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
            if stale.current is not None:
                section = stale.current
                negotiation.annotate_proposal(proposal, section)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Svaret på forslaget er lagret."))
            return _back(agreement, section.anchor)
    context = {"agreement": agreement, "section": section, "proposal": proposal, "form": form}
    return render(request, "agreements/negotiation/proposal_detail.html", context)


@require_POST
@login_required
def section_template(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """Adopt the template's new text into the section, or keep the old one (its owner)."""
    section = section_for(request.user, pk, section_pk, edit=True)
    form = TemplateDriftForm(request.POST, version=section.version)  # the posted version is the one shown
    if not form.is_valid():
        show_errors(request, ValidationError(form.errors))
        return _back(section.agreement, section.anchor)
    try:
        negotiation.section_template_decide(
            section=section,
            by=request.user,
            adopt=form.cleaned_data["choice"] == "ta_inn",
            expected_version=form.expected_version,
        )
    except StaleEdit:
        messages.error(request, _("Noen andre lagret avsnittet mens du leste. Se over det som står nå, og velg igjen."))
    else:
        messages.success(request, _("Avsnittet «%(heading)s» er oppdatert.") % {"heading": section.heading})
    return _back(section.agreement, section.anchor)


@require_POST
@login_required
def negotiation_setting(request: HttpRequest, pk: int) -> HttpResponse:
    agreement, party = _commenter(request, pk)
    form = NegotiationSettingForm(request.POST)
    form.is_valid()
    negotiation.negotiation_setting_set(
        agreement=agreement,
        party=party,
        require_settled=form.cleaned_data.get("require_settled", False),
        by=request.user,
    )
    messages.success(request, _("Innstillingen er lagret."))
    return redirect("agreements:negotiation", pk=agreement.pk)


@require_GET
@login_required
def negotiation_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything negotiated in one place: open proposals and comments, decided proposals with their reasons."""
    agreement = agreement_for(request.user, pk)
    context = {
        "agreement": agreement,
        "summary": negotiation.negotiation_summary(agreement),
        "setting": negotiation.settings_for(request.user, agreement),
        "setting_form": NegotiationSettingForm(),
        "decisions": negotiation.latest_council_decisions(agreement),
        "can_record_decision": bool(council_decision_kommuner(request.user, agreement)),
    }
    return render(request, "agreements/negotiation/overview.html", context)


@require_GET
@login_required
def case_papers(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft with its open proposals as a .docx for the kommunestyre's case (saksframlegg)."""
    agreement = agreement_for(request.user, pk)
    response = HttpResponse(
        case_papers_docx(agreement),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="samarbeidsavtale-{agreement.pk}-saksdokument.docx"'
    return response


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def council_decision(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk)
    kommuner = council_decision_kommuner(request.user, agreement)
    if not kommuner:
        raise PermissionDenied
    initial = {"case_number": agreement.council_case_number, "decided_on": agreement.council_decision_date}
    form = CouncilDecisionForm(request.POST or None, kommuner=kommuner, version=agreement.version, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kommune = next(k for k in kommuner if k.pk == data["kommune"])
        try:
            negotiation.council_decision_record(
                agreement=agreement,
                kommune=kommune,
                case_number=data["case_number"],
                decided_on=data["decided_on"],
                by=request.user,
                expected_version=form.expected_version,
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Kommunestyrets vedtak er registrert."))
            return redirect("agreements:negotiation", pk=agreement.pk)
    context = {"agreement": agreement, "form": form, "decisions": negotiation.latest_council_decisions(agreement)}
    return render(request, "agreements/negotiation/council_decision.html", context)
