from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Samarbeidsavtaler")

    def ready(self):
        from agreements import mytasks
        from agreements.generate import generate_agreements
        from agreements.models import Agreement
        from agreements.services import agreement_join
        from samarbeid.generate import register_generation_step
        from samarbeid.invitations import register_invitation_target
        from samarbeid.mytasks import register_task_source

        register_invitation_target(Agreement, join=agreement_join)
        for source in (
            mytasks.signing_tasks,
            mytasks.section_tasks,
            mytasks.review_tasks,
            mytasks.renewal_tasks,
            mytasks.proposal_tasks,
        ):
            register_task_source(source)
        register_generation_step("avtaler", generate_agreements, order=20)
