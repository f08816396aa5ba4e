from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samarbeid.concurrency import StaleEdit, edits_versioned
from samarbeid.http import apply_errors, show_errors
from samarbeid.invitations import invitations_pending_on, split_by_acting
from samarbeid.meetings import membership_end
from samarbeid.models import ForumMembership, Party
from samarbeid.paging import page_of
from samarbeid.pdf import render_pdf_html
from samarbeid.pdf_store import pdf_response
from samarbeid.permissions import can_act_for_any
from slt import services
from slt.access import (
    can_change,
    can_manage_group,
    group_for,
    plan_for,
    slt_model_for,
    slt_models_visible_to,
    tiltak_for,
)
from slt.forms import (
    FocusAreaForm,
    GroupForm,
    PlanForm,
    ProgressForm,
    SltModelForm,
    TiltakForm,
    member_form,
)
from slt.models import CoordinationGroup, Tiltak

PAGE_SIZE = 25


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    models = slt_models_visible_to(request.user).prefetch_related("kommuner")
    page = page_of(models, request.GET.get("side"), PAGE_SIZE)
    return render(
        request, "slt/index.html", {"page": page, "can": {"create": can_act_for_any(request.user, Party.Kind.KOMMUNE)}}
    )


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not can_act_for_any(request.user, Party.Kind.KOMMUNE):
        raise PermissionDenied
    form = SltModelForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["kommuner"], invited = split_by_acting(request.user, data["kommuner"])
        slt_model = services.slt_model_create(created_by=request.user, invite=invited, **data)
        messages.success(request, _("SLT-samarbeidet er opprettet."))
        _invited_message(request, invited)
        return redirect("slt:detail", pk=slt_model.pk)
    return render(request, "slt/slt_model_form.html", {"form": form})


def _invited_message(request: HttpRequest, invited: list) -> None:
    if invited:
        messages.info(
            request,
            _("Invitasjon er sendt til %(kommuner)s. De blir med når de godtar den.")
            % {"kommuner": ", ".join(k.name for k in invited)},
        )


@require_GET
@login_required
def kommune(request: HttpRequest, number: str) -> HttpResponse:
    """The kommune's SLT page: its (first) SLT-samarbeid, if the user may see it."""
    slt_model = slt_models_visible_to(request.user).filter(kommuner__number=number).order_by("pk").first()
    if slt_model is None:
        raise Http404
    return redirect("slt:detail", pk=slt_model.pk)


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    slt_model = slt_model_for(request.user, pk)
    council = slt_model.council
    context = {
        "council": council,
        "council_url": reverse("councils:detail", args=[council.pk]) if council else None,
        "slt_model": slt_model,
        "kommuner": slt_model.kommuner.all(),
        "koordinatorer": slt_model.koordinatorer(),
        "plans": slt_model.plans.all(),
        "groups": services.groups_with_compliance(slt_model.groups.all()),
        "pending_invitations": invitations_pending_on(slt_model),
        "can": {"edit": can_change(request.user, slt_model)},
    }
    return render(request, "slt/detail.html", context)


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    slt_model = slt_model_for(request.user, pk, edit=True)
    form = SltModelForm(request.POST or None, instance=slt_model, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.edited_data
        kommuner, invited = split_by_acting(request.user, data.pop("kommuner"), already=slt_model.kommuner.all())
        try:
            services.slt_model_update(
                slt_model, changed_by=request.user, kommuner=kommuner, expected_version=form.expected_version, **data
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            services.slt_model_invite(slt_model, kommuner=invited, by=request.user)
            messages.success(request, _("Endringene er lagret."))
            _invited_message(request, invited)
            return redirect("slt:detail", pk=slt_model.pk)
    return render(request, "slt/slt_model_form.html", {"form": form, "slt_model": slt_model})


@require_http_methods(["GET", "POST"])
@login_required
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    slt_model = slt_model_for(request.user, pk, edit=True)
    form = PlanForm(request.POST or None, instance=None)
    form.instance.slt_model = slt_model
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = services.plan_create(
            slt_model=slt_model,
            title=data["title"],
            start_year=data["start_year"],
            end_year=data["end_year"],
            adopted_on=data["adopted_on"],
            adopted_link=data["adopted_link"],
            focus_areas=form.focus_area_names(),
            created_by=request.user,
        )
        messages.success(request, _("Handlingsplanen er opprettet."))
        return redirect("slt:plan", pk=plan.pk)
    return render(request, "slt/plan_form.html", {"form": form, "slt_model": slt_model})


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_for(request.user, pk, edit=True)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(
                plan, changed_by=request.user, expected_version=form.expected_version, **form.edited_data
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("slt:plan", pk=plan.pk)
    return render(request, "slt/plan_form.html", {"form": form, "slt_model": plan.slt_model, "plan": plan})


@require_GET
@login_required
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan as an archival PDF, in the målform of its (first) kommune; a draft until adopted."""
    plan = plan_for(request.user, pk)
    kommuner = list(plan.slt_model.kommuner.all())
    areas = list(plan.focus_areas.all())
    tiltak = plan.tiltak.select_related("responsible_party", "responsible_person")
    by_area = {area.pk: [] for area in areas}
    for item in tiltak:
        by_area[item.focus_area_id].append(item)
    context = {
        "plan": plan,
        "slt_model": plan.slt_model,
        "kommuner": kommuner,
        "progress": services.plan_progress(plan),
        "sections": [(area, by_area[area.pk]) for area in areas],
        "toc": [("fremdrift", _("Fremdrift per fokusområde"))] + [(f"fokus-{area.pk}", area.name) for area in areas],
    }
    language = kommuner[0].default_malform if kommuner else None
    html = render_pdf_html(
        "slt/pdf/handlingsplan.html",
        context,
        request=request,
        title=str(plan),
        draft=plan.adopted_on is None,
        language=language,
    )
    filename = f"handlingsplan-{plan.start_year}-{plan.end_year}.pdf"
    return pdf_response(request, html, filename=filename, title=str(plan))


def _tiltak_page(plan, request):
    tiltak = plan.tiltak.select_related("focus_area", "responsible_party", "responsible_person")
    return page_of(tiltak, request.GET.get("side"), PAGE_SIZE)


@require_GET
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_for(request.user, pk)
    context = {
        "plan": plan,
        "slt_model": plan.slt_model,
        "progress": services.plan_progress(plan),
        "page": _tiltak_page(plan, request),
        "focus_area_form": FocusAreaForm(plan=plan),
        "can": {"edit": can_change(request.user, plan.slt_model)},
    }
    return render(request, "slt/plan_detail.html", context)


@require_POST
@login_required
def focus_area_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_for(request.user, pk, edit=True)
    form = FocusAreaForm(request.POST, plan=plan)
    if form.is_valid():
        form.instance.order = plan.focus_areas.count() + 1
        form.save()
        messages.success(request, _("Fokusområdet er lagt til."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("slt:plan", pk=plan.pk)


@require_http_methods(["GET", "POST"])
@login_required
def tiltak_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_for(request.user, pk, edit=True)
    form = TiltakForm(request.POST or None, plan=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        tiltak = services.tiltak_create(plan=plan, created_by=request.user, **form.cleaned_data)
        messages.success(request, _("Tiltaket er lagt til."))
        return redirect("slt:tiltak", pk=tiltak.pk)
    return render(request, "slt/tiltak_form.html", {"form": form, "plan": plan, "slt_model": plan.slt_model})


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def tiltak_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tiltak = tiltak_for(request.user, pk, edit=True)
    form = TiltakForm(request.POST or None, instance=tiltak, plan=tiltak.plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.tiltak_update(
                tiltak, changed_by=request.user, expected_version=form.expected_version, **form.edited_data
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("slt:tiltak", pk=tiltak.pk)
    context = {"form": form, "tiltak": tiltak, "plan": tiltak.plan, "slt_model": tiltak.plan.slt_model}
    return render(request, "slt/tiltak_form.html", context)


def _tiltak_context(request, tiltak: Tiltak, form=None) -> dict:
    notes = tiltak.notes.select_related("created_by__person")
    can = {"edit": can_change(request.user, tiltak.plan.slt_model)}
    return {
        "tiltak": tiltak,
        "plan": tiltak.plan,
        "slt_model": tiltak.plan.slt_model,
        "notes": page_of(notes, request.GET.get("side"), PAGE_SIZE),
        "form": form or (ProgressForm(tiltak=tiltak) if can["edit"] else None),
        "can": can,
    }


@require_GET
@login_required
def tiltak_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tiltak = tiltak_for(request.user, pk)
    return render(request, "slt/tiltak_detail.html", _tiltak_context(request, tiltak))


@require_POST
@login_required
def tiltak_progress(request: HttpRequest, pk: int) -> HttpResponse:
    tiltak = tiltak_for(request.user, pk, edit=True)
    form = ProgressForm(request.POST, tiltak=tiltak)
    if form.is_valid():
        services.tiltak_add_progress(
            tiltak, user=request.user, text=form.cleaned_data["text"], status=form.cleaned_data["status"]
        )
        if not request.htmx:
            messages.success(request, _("Fremdriften er registrert."))
            return redirect("slt:tiltak", pk=tiltak.pk)
        tiltak = tiltak_for(request.user, pk)
        form = None
    template = "slt/tiltak_detail.html#progress" if request.htmx else "slt/tiltak_detail.html"
    return render(request, template, _tiltak_context(request, tiltak, form))


# --- coordination groups ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    slt_model = slt_model_for(request.user, pk, edit=True)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = services.group_create(slt_model=slt_model, created_by=request.user, **form.cleaned_data)
        messages.success(request, _("Koordineringsgruppen er opprettet. Legg til medlemmene."))
        return redirect("slt:group", pk=group.pk)
    return render(request, "slt/group_form.html", {"form": form, "slt_model": slt_model})


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, manage=True)
    form = GroupForm.for_group(group, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(group, expected_version=form.expected_version, **form.edited_data)
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("slt:group", pk=group.pk)
    return render(request, "slt/group_form.html", {"form": form, "slt_model": group.slt_model, "group": group})


@require_GET
@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk)
    [group] = services.groups_with_compliance(CoordinationGroup.objects.filter(pk=group.pk).select_related("slt_model"))
    convener_first = Case(
        When(kind__in=ForumMembership.ORGANISER_KINDS, then=0), When(kind=ForumMembership.Kind.GUEST, then=2), default=1
    )
    memberships = (
        group.forum.memberships.active().select_related("person", "party").order_by(convener_first, "person__name")
    )
    meetings = group.forum.meetings.order_by("-starts_at")
    context = {
        "group": group,
        "slt_model": group.slt_model,
        "memberships": memberships,
        "meetings": page_of(meetings, request.GET.get("side"), PAGE_SIZE),
        "can": {"manage": can_manage_group(request.user, group)},
    }
    return render(request, "slt/group_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, manage=True)
    form = member_form(request.POST or None, group=group, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_member_add(group, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Medlemmet er lagt til."))
            return redirect("slt:group", pk=group.pk)
    context = {"form": form, "group": group, "slt_model": group.slt_model}
    return render(request, "slt/member_form.html", context)


@require_POST
@login_required
def member_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group = group_for(request.user, pk, manage=True)
    membership = get_object_or_404(ForumMembership, pk=membership_pk, forum=group.forum)
    try:
        membership_end(membership)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("%(name)s er ikke lenger medlem.") % {"name": membership.person.name})
    return redirect("slt:group", pk=group.pk)
