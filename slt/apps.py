from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SltConfig(AppConfig):
    name = "slt"
    verbose_name = _("SLT")

    def ready(self):
        from django.urls import reverse

        from samarbeid.generate import register_generation_step
        from samarbeid.invitations import register_invitation_target
        from samarbeid.meetings import register_forum_page
        from samarbeid.models import Forum
        from samarbeid.mytasks import register_task_source
        from samarbeid.status_reports import register_status_report
        from slt.generate import generate_slt
        from slt.models import SltModel
        from slt.mytasks import tiltak_tasks
        from slt.services import slt_model_join
        from slt.summary import slt_status_for

        register_forum_page(
            Forum.Kind.COORDINATION_GROUP, lambda forum: reverse("slt:group", args=[forum.coordination_group.pk])
        )
        register_invitation_target(SltModel, join=slt_model_join)
        register_task_source(tiltak_tasks)
        register_generation_step("SLT", generate_slt, order=40)
        register_status_report("slt", slt_status_for)  # "status fra SLT" on the politiråd's page
