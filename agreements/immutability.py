"""A signed agreement never changes: guards on model save/delete and on queryset update/delete.

Models whose rows belong to an agreement inherit `LockedWhenSigned` and name the lookup to the
agreement's status in `signed_lock_lookup` ("status" on Agreement itself, "agreement__status" on its
parts). On PostgreSQL a trigger refuses the same changes (migration in agreements/migrations).
The one change allowed on a signed agreement is its status becoming "erstattet" when its revision is
signed (`Agreement.LOCK_EXEMPT_FIELDS`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

LOCKED_STATUSES = ("signert", "erstattet")  # Agreement.Status.SIGNED, Agreement.Status.REPLACED


class AgreementLocked(Exception):
    """Something tried to change a signed agreement, its sections or its signatures."""

    message = _("Avtalen er signert og kan ikke endres. Bruk «Revider avtale» for å lage en ny versjon.")

    def __str__(self):
        return str(self.message)


class LockedWhenSignedQuerySet(models.QuerySet):
    def locked(self):
        return self.filter(**{f"{self.model.signed_lock_lookup}__in": LOCKED_STATUSES})

    def update(self, **kwargs):
        if self.locked().exists():
            raise AgreementLocked
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if self.locked().exists():
            raise AgreementLocked
        return super().delete()

    delete.queryset_only = True


class LockedWhenSigned(models.Model):
    signed_lock_lookup = "agreement__status"

    objects = LockedWhenSignedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._is_locked_in_database() and not self._lock_allows(kwargs.get("update_fields")):
            raise AgreementLocked
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._is_locked_in_database():
            raise AgreementLocked
        return super().delete(*args, **kwargs)

    def _is_locked_in_database(self) -> bool:
        if self.pk is not None:
            rows = type(self)._base_manager.filter(pk=self.pk)
            return rows.filter(**{f"{self.signed_lock_lookup}__in": LOCKED_STATUSES}).exists()
        if self.signed_lock_lookup == "agreement__status":  # a new part of an agreement
            agreement_model = self._meta.get_field("agreement").related_model
            return agreement_model._base_manager.filter(pk=self.agreement_id, status__in=LOCKED_STATUSES).exists()
        return False

    def _lock_allows(self, update_fields) -> bool:
        return False
