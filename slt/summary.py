"""What other apps show of SLT: the agreement's SLT section and "status fra SLT" on the politiråd's agenda.

- `slt_summary_for(kommuner)` → SltSummary (coordinators, groups with compliance, current plans with
  progress), rendered by the inclusion tag `{% load slt %}{% slt_summary kommuner %}` or by including
  "slt/partials/slt_summary.html" with `summary` in the context.
- `slt_status_for(kommuner)` → plain text for an agenda item "Status fra SLT".

Only system-level facts (names of groups, counts, plan progress) are shown: nothing under taushetsplikt.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from samarbeid.models import Kommune, Role, RoleAssignment
from slt.models import CoordinationGroup, Handlingsplan, SltModel
from slt.services import FocusAreaProgress, groups_with_compliance, plans_progress


@dataclass
class PlanSummary:
    plan: Handlingsplan
    progress: list[FocusAreaProgress]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.progress)

    @property
    def done(self) -> int:
        return sum(row.done for row in self.progress)


@dataclass
class SltSummary:
    slt_models: list[SltModel]
    koordinatorer: list[RoleAssignment]
    groups: list[CoordinationGroup]
    plans: list[PlanSummary] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.slt_models)


def slt_summary_for(kommuner: Iterable[Kommune]) -> SltSummary:
    """The SLT work of these kommuner today: coordinators, groups with compliance and current plans (or the last)."""
    kommune_ids = [kommune.pk for kommune in kommuner]
    slt_models = list(SltModel.objects.filter(kommuner__in=kommune_ids).distinct())
    year = timezone.localdate().year
    koordinatorer = list(
        RoleAssignment.objects.active()
        .filter(role=Role.SLT_KOORDINATOR, party__in=kommune_ids)
        .select_related("person", "party")
        .order_by("person__name")
    )
    groups = groups_with_compliance(CoordinationGroup.objects.filter(slt_model__in=slt_models), year)
    every_plan = list(Handlingsplan.objects.filter(slt_model__in=slt_models))
    plans = [plan for plan in every_plan if plan.start_year <= year <= plan.end_year]
    if not plans and every_plan:  # no plan for this year: show the latest, its period tells that it has run out
        plans = [max(every_plan, key=lambda plan: plan.end_year)]
    progress = plans_progress(plans)
    return SltSummary(slt_models, koordinatorer, groups, [PlanSummary(plan, progress[plan.pk]) for plan in plans])


def slt_status_for(kommuner: Iterable[Kommune]) -> str:
    """Plain text "status fra SLT" for the politiråd's agenda: plan progress and the groups' meetings."""
    summary = slt_summary_for(kommuner)
    if not summary:
        return _("Kommunen har ikke registrert noe SLT-samarbeid.")
    lines = []
    for plan_summary in summary.plans:
        lines.append(
            _("%(plan)s: %(done)s av %(total)s tiltak er gjennomført eller avsluttet.")
            % {"plan": plan_summary.plan, "done": plan_summary.done, "total": plan_summary.total}
        )
        for row in plan_summary.progress:
            counts = ", ".join(f"{label.lower()} {count}" for _status, label, count in row.by_status() if count)
            lines.append(f"- {row.focus_area.name}: {counts or _('ingen tiltak')}")
    if not summary.plans:
        lines.append(_("Ingen handlingsplan."))
    for group in summary.groups:
        compliance = group.compliance_this_year
        lines.append(
            _("%(group)s: %(held)s av %(expected)s forventede møter hittil i %(year)s.")
            % {
                "group": group.name,
                "held": compliance.held,
                "expected": compliance.expected_so_far,
                "year": compliance.year,
            }
        )
    return "\n".join(lines)
