from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SltConfig(AppConfig):
    name = "slt"
    verbose_name = _("SLT")

    def ready(self):
        from django.urls import reverse

        from samarbeid.meetings import register_forum_page
        from samarbeid.models import Forum

        register_forum_page(
            Forum.Kind.COORDINATION_GROUP, lambda forum: reverse("slt:group", args=[forum.coordination_group.pk])
        )
