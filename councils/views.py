"""Politiråd pages. Meetings themselves are the shared pages in samarbeid/meeting_views.py (meetings: URLs)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from councils import services
from councils.access import (
    council_abilities,
    council_for,
    councils_visible_to,
    evaluation_council_for,
    log_entry_for,
    may_write_log,
)
from councils.forms import (
    CouncilEditForm,
    CouncilForm,
    EndMembershipForm,
    EvaluationForm,
    LogEntryDeleteForm,
    LogEntryForm,
    LogFilterForm,
    YearPlanDecideForm,
    YearPlanMeetingForm,
    member_form,
)
from councils.models import Evaluation, LogEntry, YearPlan
from samarbeid.concurrency import StaleEdit, edits_versioned
from samarbeid.http import apply_errors, show_errors
from samarbeid.invitations import invitations_pending_on, split_by_acting
from samarbeid.meetings import forum_member_add, membership_end
from samarbeid.models import Party
from samarbeid.permissions import can_act_for_any
from samarbeid.status_reports import status_report


@require_GET
@login_required
def council_list(request: HttpRequest) -> HttpResponse:
    councils = councils_visible_to(request.user).order_by("forum__name")
    page = Paginator(councils, 25).get_page(request.GET.get("side"))
    can = {"create": can_act_for_any(request.user, Party.Kind.KOMMUNE)}
    return render(request, "councils/council_list.html", {"page": page, "can": can})


@require_http_methods(["GET", "POST"])
@login_required
def council_create(request: HttpRequest) -> HttpResponse:
    if not can_act_for_any(request.user, Party.Kind.KOMMUNE):
        raise PermissionDenied
    form = CouncilForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["other_kommuner"], invited = split_by_acting(request.user, data["other_kommuner"])
        try:
            council = services.council_create(**data, invite=invited, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Politirådet er opprettet med medlemmer etter rolle."))
            if invited:
                messages.info(
                    request,
                    _("Invitasjon er sendt til %(kommuner)s. De blir med når de godtar den.")
                    % {"kommuner": ", ".join(k.name for k in invited)},
                )
            return redirect("councils:detail", pk=council.pk)
    return render(request, "councils/council_form.html", {"form": form, "council": None})


@require_GET
@login_required
def council_detail(request: HttpRequest, pk: int) -> HttpResponse:
    council = council_for(request.user, pk)
    year = timezone.localdate().year
    forum = council.forum
    meetings = services.meetings_by_year(forum, [year - 1, year])
    evaluations = services.evaluations_by_year(council, [year - 1, year])
    kommuner = list(forum.kommuner.all())
    leader, secretary = council.leader_and_secretary(year)
    open_actions, overdue_actions = services.open_action_counts(council, request.user)
    return render(
        request,
        "councils/council_detail.html",
        {
            "council": council,
            "forum": forum,
            "year": year,
            "kommuner": kommuner,
            "leader": leader,
            "secretary": secretary,
            "meetings": meetings[year],
            "members": forum.memberships.active().select_related("person", "party", "deputy_for__person"),
            "compliance": services.council_compliance(council, year, meetings=meetings[year], evaluations=evaluations),
            "previous_compliance": services.council_compliance(
                council, year - 1, meetings=meetings[year - 1], evaluations=evaluations
            ),
            "open_actions": open_actions,
            "overdue_actions": overdue_actions,
            "slt_status": status_report("slt", kommuner),  # registered by slt
            "pending_invitations": invitations_pending_on(council),
            "can": council_abilities(request.user, council),
        },
    )


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def council_edit(request: HttpRequest, pk: int) -> HttpResponse:
    council = council_for(request.user, pk, change=True)
    form = CouncilEditForm.for_council(council, request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.council_update(
                council, by=request.user, expected_version=form.expected_version, **form.edited_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Politirådet er oppdatert."))
            return redirect("councils:detail", pk=council.pk)
    return render(request, "councils/council_form.html", {"form": form, "council": council})


@require_http_methods(["GET", "POST"])
@login_required
def council_members(request: HttpRequest, pk: int) -> HttpResponse:
    council = council_for(request.user, pk, change=request.method == "POST")
    can = council_abilities(request.user, council)
    form = member_form(request.POST or None, council=council, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            membership = forum_member_add(council.forum, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s er lagt til.") % {"name": membership.person.name})
            return redirect("councils:members", pk=council.pk)
    memberships = council.forum.memberships.select_related("person", "party", "deputy_for__person").order_by(
        "-ends_on", "kind", "person__name"
    )
    today = timezone.localdate()
    current = [m for m in memberships if m.is_active(today)]
    history = [m for m in memberships if not m.is_active(today)]
    return render(
        request,
        "councils/members.html",
        {
            "council": council,
            "current": current,
            "history": history,
            "form": form if can["edit"] else None,
            "end_form": EndMembershipForm(),
            "can": can,
        },
    )


@require_POST
@login_required
def membership_end_view(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    council = council_for(request.user, pk, change=True)
    membership = get_object_or_404(council.forum.memberships, pk=membership_pk)
    form = EndMembershipForm(request.POST)
    if form.is_valid():
        try:
            membership_end(membership, on=form.cleaned_data["ends_on"], by=request.user)
            messages.success(request, _("Medlemskapet er avsluttet. Historikken er tatt vare på."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Oppgi siste dag."))
    return redirect("councils:members", pk=council.pk)


@require_http_methods(["GET", "POST"])
@login_required
def year_plan(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The årshjul: the year's meetings with dates and themes; the organisers add planned meetings."""
    council = council_for(request.user, pk)
    if request.method == "POST" and not council_abilities(request.user, council)["plan"]:
        raise PermissionDenied
    form = YearPlanMeetingForm(request.POST or None, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.year_plan_add_meeting(
            council,
            date=data["date"],
            theme=data["theme"],
            starts=data["starts"],
            ends=data["ends"],
            place=data["place"],
            by=request.user,
        )
        messages.success(request, _("Møtet er lagt inn i årshjulet."))
        return redirect("councils:year_plan", pk=council.pk, year=year)
    return _year_plan_page(request, council, year, form=form)


def _year_plan_page(request: HttpRequest, council, year: int, *, form=None, decide_form=None) -> HttpResponse:
    plan = YearPlan.objects.filter(council=council, year=year).select_related("decided_at", "updated_by__person")
    plan = plan.first()
    meetings = list(council.forum.meetings.in_year(year))
    return render(
        request,
        "councils/year_plan.html",
        {
            "council": council,
            "year": year,
            "months": services.year_plan_months(plan, year, meetings),
            "plan": plan,
            "starting_point": services.year_plan_starting_point(council, year, plan),
            "form": form or YearPlanMeetingForm(year=year),
            "decide_form": decide_form or YearPlanDecideForm.for_plan(plan, council=council, year=year),
            "compliance": services.council_compliance(council, year, meetings=meetings),
            "can": council_abilities(request.user, council),
        },
    )


@edits_versioned
@require_POST
@login_required
def year_plan_decide(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    council = council_for(request.user, pk, change=True)
    form = YearPlanDecideForm.for_plan(None, request.POST, council=council, year=year)
    if form.is_valid():
        try:
            services.year_plan_decide(
                council, year=year, by=request.user, expected_version=form.expected_version, **form.edited_data
            )
            messages.success(request, _("Årshjulet er lagret."))
        except ValidationError as error:
            show_errors(request, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
            return _year_plan_page(request, council, year, decide_form=form)
    else:
        return _year_plan_page(request, council, year, decide_form=form)
    return redirect("councils:year_plan", pk=council.pk, year=year)


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def evaluation(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The year-end evaluation: the veileder's questions, each beside the year's figures, with an answer."""
    council = evaluation_council_for(request.user, pk, write=request.method == "POST")
    can = council_abilities(request.user, council)
    existing = Evaluation.objects.filter(council=council, year=year).select_related("submitted_by__person").first()
    figures = services.evaluation_figures(council, year)
    version = existing.version if existing else 0
    form = EvaluationForm(request.POST or None, figures=figures, evaluation=existing, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_submit(
                council, year=year, by=request.user, expected_version=form.expected_version, **form.edited_data
            )
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Årsevalueringen er lagret."))
            return redirect("councils:evaluation", pk=council.pk, year=year)
    return render(
        request,
        "councils/evaluation.html",
        {
            "council": council,
            "year": year,
            "evaluation": existing,
            "questions": services.evaluation_rows(existing, figures, form if can["evaluate"] else None),
            "form": form if can["evaluate"] else None,
            "figures": figures,
            "compliance": figures.compliance,
            "versions": services.evaluation_history(existing),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def log(request: HttpRequest, pk: int) -> HttpResponse:
    """The politikontakt's log per kommune, and presence against the agreement's commitment."""
    council = council_for(request.user, pk)
    write_log = may_write_log(request.user, council)
    if request.method == "POST" and not write_log:
        raise PermissionDenied
    form = LogEntryForm(request.POST or None, council=council)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_add(council, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Føringen er lagret."))
            return redirect("councils:log", pk=council.pk)
    log_filter = LogFilterForm(request.GET, council=council)
    entries = log_filter.apply(LogEntry.objects.filter(council=council).select_related("kommune", "created_by__person"))
    page = Paginator(entries, 25).get_page(request.GET.get("side"))
    return render(
        request,
        "councils/log.html",
        {
            "council": council,
            "page": page,
            "form": form if write_log else None,
            "log_filter": log_filter,
            "presence": services.council_presence(council),
            "changes": council.log_changes.select_related("changed_by__person")[:20],
        },
    )


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def log_entry_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Correct an entry of the log (its author); the log keeps what it said before."""
    entry = log_entry_for(request.user, pk, entry_pk)
    form = LogEntryForm(request.POST or None, instance=entry, council=entry.council)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_change(entry, by=request.user, expected_version=form.expected_version, **form.edited_data)
        except ValidationError as error:
            apply_errors(form, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Føringen er rettet."))
            return redirect("councils:log", pk=pk)
    return render(request, "councils/log_entry_edit.html", {"council": entry.council, "entry": entry, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def log_entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Delete an entry of the log (its author), after a confirmation page; the log keeps what it said."""
    entry = log_entry_for(request.user, pk, entry_pk)
    form = LogEntryDeleteForm(request.POST or None, version=entry.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_delete(entry, by=request.user, expected_version=form.expected_version)
        except StaleEdit:
            messages.error(request, _("Føringen ble endret mens du leste. Se over den og slett igjen om du vil."))
        else:
            messages.success(request, _("Føringen er slettet."))
        return redirect("councils:log", pk=pk)
    return render(request, "councils/log_entry_delete.html", {"council": entry.council, "entry": entry, "form": form})
