from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from samarbeid.models import (
    Kommune,
    OpeningHours,
    Party,
    Person,
    PoliceUnit,
    Politidistrikt,
    RoleAssignment,
    Tjenestested,
    User,
)
from samarbeid.roles import person_resync, role_remove, role_save


@admin.register(Politidistrikt)
class PolitidistriktAdmin(admin.ModelAdmin):
    list_display = ["name", "name_nn", "seat", "politiloggen_id"]
    search_fields = ["name", "name_nn"]


@admin.register(PoliceUnit)
class PoliceUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "unit_kind", "district"]
    list_filter = ["district", "unit_kind"]
    search_fields = ["name"]
    autocomplete_fields = ["kommuner"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Tjenestested)
class TjenestestedAdmin(admin.ModelAdmin):
    list_display = ["name", "place_kind", "police_unit", "publikumsekspedisjon"]
    list_filter = ["place_kind", "police_unit__district"]
    inlines = [OpeningHoursInline]


@admin.register(Kommune)
class KommuneAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "population", "sprakvedtak", "district", "fylke_name"]
    list_filter = ["district", "sprakvedtak", "fylke_name"]
    search_fields = ["name", "number"]
    list_select_related = ["district"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["party"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "organisation"]
    search_fields = ["name", "email"]
    inlines = [RoleAssignmentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person_resync(form.instance.pk)  # the inline may have added, changed or deleted roles


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "title", "party", "starts_on", "ends_on"]
    list_filter = ["role"]
    search_fields = ["person__name", "party__name", "title"]
    autocomplete_fields = ["person", "party"]
    list_select_related = ["person", "party"]

    def save_model(self, request, obj, form, change):
        role_save(obj)

    def delete_model(self, request, obj):
        role_remove(obj)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            role_remove(assignment)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "person", "is_staff", "is_active"]
    search_fields = ["email", "person__name"]
    autocomplete_fields = ["person"]
    fieldsets = [
        (None, {"fields": ["email", "password", "person"]}),
        (_("Tilgang"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "person", "password1", "password2"]})]
    filter_horizontal = []
    list_filter = ["is_staff", "is_active"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    """Only for looking parties up when assigning roles; parties are edited in their own admins."""

    search_fields = ["name"]

    def has_module_permission(self, request):
        return False
