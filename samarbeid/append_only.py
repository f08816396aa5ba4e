"""Logs only grow: a log entry is saved once and never changed or deleted.

Two layers, as for signed agreements (agreements/immutability.py): on PostgreSQL a trigger declared with the model
(`AppendOnlyTrigger` in `Meta.triggers`, django-pgtrigger) refuses UPDATE and DELETE from any client; on every
database `AppendOnly` refuses them in the ORM (model save/delete, queryset update/delete). Used by the agreements'
change log, status history, signatures and sealed documents, and by the meetings' minutes history, closed-flag
history and read log.
"""

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _


class LogIsAppendOnly(Exception):
    """Something tried to change or delete an entry of a log (change log, status history, signatures)."""

    message = _("Loggen kan bare utvides: en registrert hendelse kan ikke endres eller slettes.")

    def __str__(self):
        return str(self.message)


def refuse_sql(message: str) -> str:
    # restrict_violation is an integrity error class: Django raises IntegrityError.
    return f"RAISE EXCEPTION '{message}', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';"


class AppendOnlyTrigger(pgtrigger.Trigger):
    """On a log: rows are only inserted. `detachable` names a nullable foreign key (on_delete=SET_NULL) that may
    be set to NULL, nothing else changing, when the row it points to is deleted (a removed draft section)."""

    name = "append_only"
    when = pgtrigger.Before
    operation = pgtrigger.Update | pgtrigger.Delete
    detachable: str | None = None

    def __init__(self, *, detachable: str | None = None, **kwargs):
        self.detachable = detachable
        super().__init__(**kwargs)

    def get_func(self, model):
        refuse = refuse_sql("% er en logg: en registrert hendelse kan ikke endres eller slettes")
        if self.detachable is None:
            return refuse
        column = model._meta.get_field(self.detachable).column
        return f"""
            IF TG_OP = 'UPDATE' AND NEW.{column} IS NULL
               AND (to_jsonb(NEW) - '{column}') = (to_jsonb(OLD) - '{column}') THEN
                RETURN NEW;
            END IF;
            {refuse}
        """


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        detachable = self.model.append_only_detachable
        if not (detachable and kwargs == {detachable: None}):  # the one update: on_delete=SET_NULL
            raise LogIsAppendOnly
        return super().update(**kwargs)

    update.queryset_only = True  # type: ignore[attr-defined]  # read by Manager.from_queryset: not on managers

    def delete(self):
        raise LogIsAppendOnly

    delete.queryset_only = True  # type: ignore[attr-defined]  # read by Manager.from_queryset: not on managers


class AppendOnly(models.Model):
    """A log entry: saved once, never changed or deleted (see AppendOnlyTrigger for the database rule)."""

    append_only_detachable: str | None = None

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LogIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LogIsAppendOnly
