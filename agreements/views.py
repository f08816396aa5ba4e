from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import services
from agreements.access import (
    PART_OWNERS,
    agreement_abilities,
    agreement_for,
    agreement_for_writer,
    agreements_visible_to,
    editable_owners,
    may_copy_national_template,
    review_parties,
    section_for,
    section_for_reviewer,
    template_abilities,
    template_for,
    templates_visible_to,
)
from agreements.default_template import ensure_national_template
from agreements.forms import (
    AgreementCreateForm,
    AgreementDetailsForm,
    AttachmentForm,
    ExpectationForm,
    FocusAreaForm,
    LocalSectionForm,
    PresenceForm,
    SectionTextForm,
    TemplateCreateForm,
    TemplateSectionForm,
    part_formset,
)
from agreements.models import (
    Agreement,
    AgreementSection,
    Attachment,
    Expectation,
    NegotiationPart,
    PresenceCommitment,
    SectionReview,
    TemplateSection,
)
from agreements.negotiation import negotiation_board
from agreements.reviewing import latest_reviews, party_reviews, section_writers
from agreements.richtext import text_diff
from samarbeid.concurrency import StaleEdit, edits_versioned
from samarbeid.http import error_text, show_errors
from samarbeid.invitations import invitations_pending_on, split_by_acting
from samarbeid.permissions import can_act_for_any

PAGE_SIZE = 20

# The forms of the structured parts' rows, by the parts' slugs (agreements.services.PART_ROWS).
PARTS = {
    NegotiationPart.PRESENCE: PresenceForm,
    NegotiationPart.EXPECTATIONS_KOMMUNE: ExpectationForm,
    NegotiationPart.EXPECTATIONS_POLICE: ExpectationForm,
    NegotiationPart.FOCUS: FocusAreaForm,
}


# What the agreement page reads of the agreement, in one query each: its kommuner, sections (with the template
# section each was copied from, for the template's drift), structured parts and attachments.
DETAIL_PREFETCH = (
    "kommuner",
    Prefetch("sections", AgreementSection.objects.select_related("template_section")),
    Prefetch("presence_commitments", PresenceCommitment.objects.select_related("kommune")),
    "expectations",
    "focus_areas",
    "attachments",
)


def _reviews(reviews=None) -> Prefetch:
    """The agreement's section reviews (or those of `reviews`) with who made them, for _mark_reviews."""
    reviews = SectionReview.objects.all() if reviews is None else reviews
    return Prefetch("section_reviews", reviews.select_related("reviewed_by__person"))


def _mark_sections(sections, owners) -> list:
    for section in sections:
        section.can_edit = section.owner in owners
    return sections


def _mark_reviews(user, agreement: Agreement, sections) -> list:
    """Each section's review standing (`section.review_rows`: one row per reviewing party) and the parties the user
    may mark it reviewed for (`section.can_review`). A fixed number of queries for any number of sections."""
    if not agreement.is_editable:  # sent or signed: reviewing is over
        for section in sections:
            section.review_rows, section.can_review = [], []
        return sections
    mine = {party.pk for party in review_parties(user, agreement)}
    writers, latest = section_writers(sections), latest_reviews(agreement)
    for section in sections:
        section.review_rows = party_reviews(section, agreement, writers, latest)
        section.can_review = [row.party for row in section.review_rows if row.pending and row.party.pk in mine]
    return sections


# --- Lists and agreement pages ------------------------------------------------------------------------


@require_GET
@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = agreements_visible_to(request.user).select_related("police_party").prefetch_related("kommuner")
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("side"))
    can = {
        "create": can_act_for_any(request.user),
        "templates": templates_visible_to(request.user).exists(),
    }
    return render(request, "agreements/agreement_list.html", {"page": page, "can": can})


@require_http_methods(["GET", "POST"])
@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    if not can_act_for_any(request.user):
        raise PermissionDenied
    form = AgreementCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        joining, invited = split_by_acting(request.user, data["kommuner"])
        agreement = services.agreement_create(
            police_party=data["police_party"],
            kommuner=joining,
            invite=invited,
            created_by=request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            malform=data["malform"] or None,
            replaces=data["replaces"],
            council_case_number=data["council_case_number"],
            council_decision_date=data["council_decision_date"],
        )
        messages.success(request, _("Avtaleutkastet er opprettet."))
        if invited:
            messages.info(
                request,
                _("Invitasjon er sendt til %(kommuner)s. De blir part når de godtar den.")
                % {"kommuner": ", ".join(k.name for k in invited)},
            )
        return redirect("agreements:detail", pk=agreement.pk)
    return render(request, "agreements/agreement_create.html", {"form": form})


@require_GET
@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, related=("replaces",))
    prefetch_related_objects([agreement], *DETAIL_PREFETCH)
    if agreement.is_editable:  # reviewing is over once it is sent (_mark_reviews)
        prefetch_related_objects([agreement], _reviews())
    can = agreement_abilities(request.user, agreement)
    sections = _mark_sections(list(agreement.sections.all()), can["owners"])
    _mark_reviews(request.user, agreement, sections)
    expectations = list(agreement.expectations.all())
    context = {
        "agreement": agreement,
        "sections": sections,
        "can": can,
        "contacts": agreement.contacts(),
        "pending_invitations": invitations_pending_on(agreement),
        "opening_hours": agreement.opening_hours(),
        "expectations_from_kommune": [e for e in expectations if e.direction == Expectation.Direction.FROM_KOMMUNE],
        "expectations_from_police": [e for e in expectations if e.direction == Expectation.Direction.FROM_POLICE],
    }
    context.update(negotiation_board(request.user, agreement, sections))  # comments, proposals, template drift
    return render(request, "agreements/agreement_detail.html", context)


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, edit=True)
    form = AgreementDetailsForm(request.POST or None, instance=agreement, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(
                agreement,
                expected_version=form.expected_version,
                by=request.user,
                changed={name: form.cleaned_data[name] for name in form.changed_data},
                labels=[form.fields[name].label for name in form.changed_data],
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Avtalen er oppdatert."))
            return redirect("agreements:detail", pk=agreement.pk)
    return render(request, "agreements/agreement_edit.html", {"form": form, "agreement": agreement})


# --- Sections -------------------------------------------------------------------------------------------


def _render_section(request, section, *, saved=False, reviewed=False, error=""):
    owners = editable_owners(request.user, section.agreement)
    _mark_sections([section], owners)
    prefetch_related_objects([section.agreement], "kommuner", _reviews(SectionReview.objects.filter(section=section)))
    _mark_reviews(request.user, section.agreement, [section])
    context = {
        "section": section,
        "agreement": section.agreement,
        "saved": saved,
        "reviewed": reviewed,
        "review_error": error,
    }
    return render(request, "agreements/agreement_detail.html#section", context)


@require_GET
@login_required
def section_detail(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk)
    if not request.htmx:
        return redirect(reverse("agreements:detail", args=[pk]) + f"#{section.anchor}")
    return _render_section(request, section)


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def section_edit(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk, edit=True)
    form = SectionTextForm(request.POST or None, initial={"local_text": section.local_text}, version=section.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_update(
                section,
                local_text=form.cleaned_data["local_text"],
                by=request.user,
                expected_version=form.expected_version,
            )
        except StaleEdit as stale:
            # The user's text stays in the editor; the version moves on so saving again overwrites knowingly.
            form.show_conflict(stale)
            if stale.current is not None:
                stale.current.agreement = section.agreement
                section = stale.current
        else:
            if request.htmx:
                return _render_section(request, section, saved=True)
            messages.success(request, _("Avsnittet «%(heading)s» er lagret.") % {"heading": section.heading})
            return redirect(reverse("agreements:detail", args=[pk]) + f"#{section.anchor}")
    template = "agreements/section_edit.html#form" if request.htmx else "agreements/section_edit.html"
    return render(request, template, {"section": section, "agreement": section.agreement, "form": form})


@require_POST
@login_required
def section_review(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """ "Merk som gjennomgått": the user's party has read the section at the version shown to them."""
    chosen = request.POST.get("part", "")
    section, party = section_for_reviewer(
        request.user, pk, section_pk, party_pk=int(chosen) if chosen.isdigit() else None
    )
    version = request.POST.get("versjon", "")
    try:
        if not version.isdigit():
            raise ValidationError(services.SECTION_CHANGED)
        services.section_review(section=section, party=party, user=request.user, version=int(version))
    except ValidationError as error:
        if request.htmx:
            section.refresh_from_db()
            return _render_section(request, section, error=error_text(error))
        show_errors(request, error)
    else:
        if request.htmx:
            section.refresh_from_db()
            return _render_section(request, section, reviewed=True)
        messages.success(
            request,
            _("«%(heading)s» er merket som gjennomgått for %(party)s.")
            % {"heading": section.heading, "party": party.name},
        )
    return redirect(reverse("agreements:detail", args=[pk]) + f"#{section.anchor}")


@require_http_methods(["GET", "POST"])
@login_required
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement, owners = agreement_for_writer(request.user, pk)
    form = LocalSectionForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        section = services.section_add(
            agreement, heading=data["heading"], owner=data["owner"], local_text=data["local_text"], by=request.user
        )
        messages.success(request, _("Avsnittet er lagt til."))
        return redirect(reverse("agreements:detail", args=[pk]) + f"#{section.anchor}")
    return render(request, "agreements/section_add.html", {"agreement": agreement, "form": form})


@require_POST
@login_required
def section_move(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk, edit=True)
    services.section_move(section, by=request.user, up=request.POST.get("retning") == "opp")
    return redirect(reverse("agreements:detail", args=[pk]) + f"#{section.anchor}")


@require_POST
@login_required
def section_delete(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk, edit=True, remove=True)
    services.section_remove(section, by=request.user)
    messages.success(request, _("Avsnittet «%(heading)s» er fjernet.") % {"heading": section.heading})
    return redirect("agreements:detail", pk=pk)


@require_GET
@login_required
def section_history(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk)
    revisions = section.revisions.select_related("created_by__person", "proposed_by__person")
    page = Paginator(revisions, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request, "agreements/section_history.html", {"section": section, "agreement": section.agreement, "page": page}
    )


@require_GET
@login_required
def section_diff(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request.user, pk, section_pk)
    try:
        versions = sorted({int(request.GET["fra"]), int(request.GET["til"])})
    except (KeyError, ValueError) as error:
        raise Http404 from error
    by_version = {
        r.version: r for r in section.revisions.filter(version__in=versions).select_related("created_by__person")
    }
    if len(by_version) != len(set(versions)):
        raise Http404
    old, new = by_version[versions[0]], by_version[versions[-1]]
    return render(
        request,
        "agreements/section_diff.html",
        {
            "section": section,
            "agreement": section.agreement,
            "old": old,
            "new": new,
            "parts": text_diff(old.text, new.text),
        },
    )


@require_GET
@login_required
def changelog(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk)
    revisions = agreement.revisions.select_related("created_by__person", "section")
    page = Paginator(revisions, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "agreements/changelog.html", {"agreement": agreement, "page": page})


# --- Structured parts and attachments ------------------------------------------------------------------


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def part_edit(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    if part not in PARTS:
        raise Http404
    agreement, _owners = agreement_for_writer(request.user, pk, owner=PART_OWNERS[part])
    prefetch_related_objects([agreement], "kommuner")
    rows = services.agreement_part_rows(agreement, part)
    formset_class = part_formset(rows.model, PARTS[part])
    formset = formset_class(request.POST or None, queryset=rows, form_kwargs={"agreement": agreement}, prefix="del")
    if request.method == "POST" and formset.is_valid():
        try:
            services.agreement_part_update(
                agreement,
                part=part,
                by=request.user,
                saved=formset.save(commit=False),  # not written yet: the service does
                deleted=formset.deleted_objects,
                edited_from=[
                    (form.instance, form.expected_version) for form in formset.initial_forms if form.has_changed()
                ],
            )
        except services.StaleRows as stale:
            for form in formset.initial_forms:
                if form.instance in stale.stale:
                    form.show_conflict(stale.stale[form.instance])
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("agreements:detail", pk=pk)
    title = NegotiationPart(part).label
    return render(request, "agreements/part_edit.html", {"agreement": agreement, "formset": formset, "title": title})


@require_http_methods(["GET", "POST"])
@login_required
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, edit=True)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.attachment_add(
            agreement=agreement,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            content_type=form.content_type,
            by=request.user,
        )
        messages.success(request, _("Vedlegget er lastet opp."))
        return redirect(reverse("agreements:detail", args=[pk]) + "#vedlegg")
    return render(request, "agreements/attachment_add.html", {"agreement": agreement, "form": form})


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    agreement = agreement_for(request.user, pk)
    attachment = get_object_or_404(Attachment, agreement=agreement, pk=attachment_pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    agreement = agreement_for(request.user, pk, edit=True)
    attachments = Attachment.objects.select_related("agreement")  # the service logs on it
    attachment = get_object_or_404(attachments, agreement=agreement, pk=attachment_pk)
    services.attachment_delete(attachment, by=request.user)
    messages.success(request, _("Vedlegget er slettet."))
    return redirect(reverse("agreements:detail", args=[pk]) + "#vedlegg")


# --- Templates (maler) ----------------------------------------------------------------------------------


@require_GET
@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    templates = templates_visible_to(request.user)
    may_copy = may_copy_national_template(request.user, ensure_national_template())  # made on first use
    create_form = TemplateCreateForm(user=request.user) if may_copy else None
    if not templates.exists() and create_form is None:
        raise PermissionDenied
    page = Paginator(templates, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "agreements/template_list.html", {"page": page, "create_form": create_form})


@require_POST
@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    if not may_copy_national_template(request.user, ensure_national_template()):
        raise PermissionDenied
    form = TemplateCreateForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Velg et politidistrikt du er malansvarlig for, og som ikke har egen mal."))
        return redirect("agreements:template_list")
    template = services.template_create_for_district(form.cleaned_data["district"], by=request.user)
    messages.success(request, _("Distriktets mal er laget som en kopi av den nasjonale standardmalen."))
    return redirect("agreements:template_detail", pk=template.pk)


@require_GET
@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = template_for(request.user, pk)
    can = template_abilities(request.user, template)
    return render(
        request,
        "agreements/template_detail.html",
        {"template": template, "sections": template.sections.all(), "can": can},
    )


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def template_section_edit(request: HttpRequest, pk: int, section_pk: int | None = None) -> HttpResponse:
    template = template_for(request.user, pk, edit=True)
    section = get_object_or_404(TemplateSection, template=template, pk=section_pk) if section_pk else None
    form = TemplateSectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        try:
            if section is None:
                services.template_section_add(template, by=request.user, **form.cleaned_data)
            else:
                services.template_section_update(
                    section, by=request.user, expected_version=form.expected_version, **form.edited_data
                )
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Malen er lagret. Avtaler som allerede er laget, endres ikke."))
            return redirect("agreements:template_detail", pk=template.pk)
    return render(
        request, "agreements/template_section_edit.html", {"template": template, "section": section, "form": form}
    )


@require_POST
@login_required
def template_section_move(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    template = template_for(request.user, pk, edit=True)
    section = get_object_or_404(TemplateSection, template=template, pk=section_pk)
    services.template_section_move(section, by=request.user, up=request.POST.get("retning") == "opp")
    return redirect("agreements:template_detail", pk=template.pk)


@require_POST
@login_required
def template_section_delete(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    template = template_for(request.user, pk, edit=True)
    section = get_object_or_404(TemplateSection, template=template, pk=section_pk)
    try:
        services.template_section_delete(section, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Avsnittet er fjernet fra malen. Avtaler som allerede er laget, endres ikke."))
    return redirect("agreements:template_detail", pk=template.pk)
