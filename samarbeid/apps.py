from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class SamarbeidConfig(AppConfig):
    name = "samarbeid"
    verbose_name = _("Parter og roller")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from samarbeid.converters import YearConverter
        from samarbeid.generate import generate_people, register_generation_step
        from samarbeid.lookups import register_lookups
        from samarbeid.middleware import remember_malform_at_login
        from samarbeid.page_cache import install_table_triggers

        register_converter(YearConverter, "year")
        register_lookups()
        post_migrate.connect(install_table_triggers, dispatch_uid="samarbeid-table-triggers")
        user_logged_in.connect(remember_malform_at_login, dispatch_uid="samarbeid-malform")
        register_generation_step("personer og roller", generate_people, order=10)
