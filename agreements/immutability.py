"""A signed agreement never changes, and its logs only grow.

The rules live in two layers, one per kind of database:

- PostgreSQL (production and CI): triggers declared with the models (`Meta.triggers`, django-pgtrigger, kept
  in migrations by makemigrations) refuse any SQL from any client:
  `signed_agreement_kept` on Agreement (UPDATE/DELETE of a signed row, except its status becoming "erstattet"),
  `SignedAgreementPart` on every table that makes up an agreement (INSERT/UPDATE/DELETE of a row whose agreement
  is signed: sections, structured parts, attachments, signing rounds, signatures, the agreement–kommune link) and
  `AppendOnly` on the logs (UPDATE/DELETE refused: SectionRevision, StatusChange, Signature, SealedDocument).
- Every database, SQLite included (the embedded default, where the triggers are not installed): the Python
  guards below on model save/delete and queryset update/delete/bulk_create. The many-to-many managers
  (`agreement.kommuner.add/set/remove/clear`, `kommune.agreements...`) write through the link model's manager
  (`bulk_create`, `filter().delete()`), so the same guard covers them without signals. Raw SQL on SQLite is
  covered by nothing.

Models whose rows belong to an agreement inherit `LockedWhenSigned` and name the lookup to the agreement's
status in `signed_lock_lookup` ("status" on Agreement itself, "agreement__status" on its parts). Logs inherit
`AppendOnly` from the core (samarbeid/append_only.py), as the meeting logs do.
"""

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from samarbeid.append_only import refuse_sql

LOCKED_STATUSES = ("signert", "erstattet")  # Agreement.Status.SIGNED, Agreement.Status.REPLACED
_LOCKED_SQL = "('signert', 'erstattet')"


class AgreementLocked(Exception):
    """Something tried to change a signed agreement, its sections or its signatures."""

    message = _("Avtalen er signert og kan ikke endres. Bruk «Revider avtale» for å lage en ny versjon.")

    def __str__(self):
        return str(self.message)


# --- PostgreSQL: triggers ---------------------------------------------------------------------------------


def signed_agreement_kept() -> pgtrigger.Trigger:
    """On Agreement: a signed row is neither updated nor deleted; only its status may become "erstattet"."""
    return pgtrigger.Trigger(
        name="signed_agreement_kept",
        when=pgtrigger.Before,
        operation=pgtrigger.Update | pgtrigger.Delete,
        condition=pgtrigger.Condition(f"OLD.status IN {_LOCKED_SQL}"),
        func=f"""
            IF TG_OP = 'UPDATE' AND OLD.status = 'signert' AND NEW.status = 'erstattet'
               AND (to_jsonb(NEW) - 'status' - 'updated_at') = (to_jsonb(OLD) - 'status' - 'updated_at') THEN
                RETURN NEW;
            END IF;
            {refuse_sql("% (signert samarbeidsavtale) kan ikke endres")}
        """,
    )


class SignedAgreementPart(pgtrigger.Trigger):
    """On a table whose rows belong to an agreement (`agreement_id`): nothing is added to, changed in or removed
    from a signed agreement, and no row is moved into or out of one."""

    name = "signed_agreement_part"
    when = pgtrigger.Before
    operation = pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete

    def get_func(self, model):
        agreements = model._meta.get_field("agreement").related_model._meta.db_table
        return f"""
            IF EXISTS (
                SELECT 1 FROM {agreements} WHERE status IN {_LOCKED_SQL} AND id IN (
                    CASE WHEN TG_OP <> 'INSERT' THEN OLD.agreement_id END,
                    CASE WHEN TG_OP <> 'DELETE' THEN NEW.agreement_id END)
            ) THEN
                {refuse_sql("% tilhører en signert samarbeidsavtale og kan ikke endres")}
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        """


# --- Every database: Python guards ------------------------------------------------------------------------


def _agreements_locked(model, agreement_ids) -> bool:
    agreement_model = model._meta.get_field("agreement").related_model
    ids = {i for i in agreement_ids if i is not None}
    return bool(ids) and agreement_model._base_manager.filter(pk__in=ids, status__in=LOCKED_STATUSES).exists()


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

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self.model.signed_lock_lookup == "agreement__status" and _agreements_locked(
            self.model, (obj.agreement_id for obj in objs)
        ):
            raise AgreementLocked
        return super().bulk_create(objs, *args, **kwargs)


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
            return _agreements_locked(type(self), [self.agreement_id])
        return False

    def _lock_allows(self, update_fields) -> bool:
        return False
