from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SltConfig(AppConfig):
    name = "slt"
    verbose_name = _("SLT")
