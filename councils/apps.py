from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "councils"
    verbose_name = _("Politiråd")

    def ready(self):
        from django.urls import reverse

        from agreements.signing import register_signed_follower
        from councils import mytasks
        from councils.generate import generate_councils
        from councils.models import Council
        from councils.rules import council_innkalling_days, council_year_theme
        from councils.services import council_follow_signed, council_join
        from samarbeid.generate import register_generation_step
        from samarbeid.invitations import register_invitation_target
        from samarbeid.meetings import register_forum_page, register_innkalling_rule, register_year_theme
        from samarbeid.models import Forum
        from samarbeid.mytasks import register_task_source

        register_forum_page(Forum.Kind.POLITIRAD, lambda forum: reverse("councils:detail", args=[forum.council.pk]))
        register_innkalling_rule(Forum.Kind.POLITIRAD, council_innkalling_days)
        register_year_theme(Forum.Kind.POLITIRAD, council_year_theme)
        register_invitation_target(Council, join=council_join)
        for source in (mytasks.meeting_tasks, mytasks.follow_up_tasks, mytasks.year_end_tasks):
            register_task_source(source)
        register_generation_step("politiråd", generate_councils, order=30)
        register_signed_follower(council_follow_signed)
