"""My tasks from SLT: open tiltak assigned to me or my party (registered in SltConfig.ready)."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from samarbeid.mytasks import Task, my_party_ids
from slt.access import plans_visible_to
from slt.models import Tiltak, TiltakStatus

KIND_TILTAK = "tiltak"


def tiltak_tasks(user, today: datetime.date) -> list[Task]:
    """Planned or ongoing tiltak of the plans I see, for which I or a party I hold a role in answers."""
    mine = Q(responsible_party_id__in=my_party_ids(user, today))
    if user.person_id:
        mine |= Q(responsible_person_id=user.person_id)
    tiltak = Tiltak.objects.filter(
        mine, plan__in=plans_visible_to(user), status__in=[TiltakStatus.PLANLAGT, TiltakStatus.I_GANG]
    ).select_related("plan", "responsible_party", "responsible_person")
    tasks = []
    for item in tiltak:
        reason = _("Tiltak i %(plan)s, %(status)s.") % {"plan": item.plan, "status": item.get_status_display().lower()}
        if item.is_overdue(today):
            reason = (
                _("Fristen %(date)s er passert.") % {"date": formats.date_format(item.ends_on, "SHORT_DATE_FORMAT")}
                + " "
                + reason
            )
        tasks.append(
            Task(
                kind=KIND_TILTAK,
                key=f"tiltak:{item.pk}",
                title=item.title,
                url=reverse("slt:tiltak", args=[item.pk]),
                due_on=item.ends_on,
                reason=reason,
                party=item.responsible_party,
            )
        )
    return tasks
