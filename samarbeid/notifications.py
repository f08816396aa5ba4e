"""E-mail notifications, sent by the task worker.

`notify` is the one way a message leaves: it renders a plain-text and an HTML part (templates/notifications/
<name>.txt and .html, both extending _base) in the RECIPIENT's målform, honours the person's preference for that
kind (at once, in the weekly digest, or off; signing requests always go at once), and queues the sending on
commit (`send_email`, a django.tasks task). What a message may say of a meeting comes from the caller's
`meeting_reading`; this module only writes and sends.

`send_digests` sends each person one e-mail with what waits for their digest. Reminders are in
`send_reminders`, made from the task list (samarbeid.mytasks) and kept idempotent by SentReminder.
"""

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from samarbeid.models import (
    DigestItem,
    Malform,
    NotificationKind,
    NotificationPreference,
    Person,
    RoleAssignment,
    SentReminder,
    User,
)
from samarbeid.mytasks import Task, tasks_for

Delivery = NotificationPreference.Delivery
ALWAYS_AT_ONCE = (NotificationKind.SIGNING_REQUEST,)


def absolute_url(path: str) -> str:
    """A link for an e-mail: mail is written outside any request, so the site's address comes from settings."""
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def delivery_for(person: Person, kind: str) -> str:
    if kind in ALWAYS_AT_ONCE:
        return Delivery.NOW
    chosen = NotificationPreference.objects.filter(person=person, kind=kind).values_list("delivery", flat=True)
    return chosen.first() or Delivery.NOW


def preferences_for(person: Person) -> dict[str, str]:
    """Every kind with the person's choice (at once where they made none)."""
    chosen = dict(NotificationPreference.objects.filter(person=person).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.NOW) for kind in NotificationKind.values}


@transaction.atomic
def preferences_set(*, person: Person, choices: dict[str, str]) -> None:
    """One row per person and kind; a signing request cannot be turned off (nor put in a digest)."""
    for kind, delivery in choices.items():
        if kind in ALWAYS_AT_ONCE:
            continue
        NotificationPreference.objects.update_or_create(person=person, kind=kind, defaults={"delivery": delivery})


def notify(
    *,
    person: Person,
    kind: str,
    subject,
    template: str,
    context: dict,
    url: str = "",
    calendar: Callable[[], tuple[str, bytes]] | None = None,
    default_malform: str = Malform.BOKMAL,
) -> str:
    """Tell `person` about something, as they chose for `kind`; returns how (now, digest, off).

    `subject` is a (lazy) gettext string filled from `context`; `url` a path on the site that the message and
    the digest link to; `calendar` renders (METHOD, .ics bytes) in the recipient's language. The e-mail goes
    through the task worker once the transaction commits.
    """
    delivery = delivery_for(person, kind)
    if delivery == Delivery.OFF or not person.email:
        return Delivery.OFF
    link = absolute_url(url) if url else ""
    with translation.override(person.malform(default_malform)):
        context = {**context, "person": person, "url": link, "site_url": settings.SITE_URL}
        title = " ".join((str(subject) % context).split())
        context["subject"] = title
        if delivery == Delivery.DIGEST:
            DigestItem.objects.create(person=person, kind=kind, subject=title[:300], url=link)
            return delivery
        message = {
            "to": person.email,
            "subject": title,
            "text": render_to_string(f"notifications/{template}.txt", context),
            "html": render_to_string(f"notifications/{template}.html", context),
        }
        if calendar:
            method, ics = calendar()
            message.update(calendar_method=method, calendar=ics.decode())
    transaction.on_commit(partial(send_email.enqueue, message))
    return delivery


class _Message(EmailMultiAlternatives):
    """iMIP (RFC 6047): a calendar part names its METHOD in its Content-Type as well as inside the calendar."""

    calendar_method = ""

    def message(self, **kwargs):
        message = super().message(**kwargs)
        for part in message.walk():
            if self.calendar_method and part.get_content_type() == "text/calendar":
                part.set_param("method", self.calendar_method)
        return message


@task
def send_email(message: dict) -> None:
    """Send one rendered message (text, HTML and an optional calendar invitation)."""
    email = _Message(message["subject"], message["text"], settings.DEFAULT_FROM_EMAIL, [message["to"]])
    email.attach_alternative(message["html"], "text/html")
    if message.get("calendar"):
        email.calendar_method = message["calendar_method"]
        email.attach("mote.ics", message["calendar"], "text/calendar")
    email.send()


# --- the weekly digest -------------------------------------------------------------------------------------------


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per person with everything that waits for their digest; returns how many were sent.
    Each item is taken under a row lock and marked sent, so two runs at once never send one item twice."""
    now = now or timezone.now()
    sent = 0
    people = Person.objects.filter(digest_items__sent_at__isnull=True).distinct()
    for person in people:
        with transaction.atomic():
            items = list(
                DigestItem.objects.select_for_update(skip_locked=True).filter(person=person, sent_at__isnull=True)
            )
            if not items:
                continue
            DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(sent_at=now)
            with translation.override(person.malform()):
                subject = _("Samarbeid: ukens varsler (%(count)s)") % {"count": len(items)}
                context = {"person": person, "items": items, "site_url": settings.SITE_URL, "subject": subject}
                message = {
                    "to": person.email,
                    "subject": subject,
                    "text": render_to_string("notifications/digest.txt", context),
                    "html": render_to_string("notifications/digest.html", context),
                }
            if person.email:
                transaction.on_commit(partial(send_email.enqueue, message))
                sent += 1
    return sent


def role_holders(parties) -> list[Person]:
    """Everyone who holds an active role in one of the parties, each once."""
    holders = RoleAssignment.objects.active().filter(party__in=parties).exclude(person__email="")
    return list({r.person_id: r.person for r in holders.select_related("person")}.values())


# --- reminders from the task list ----------------------------------------------------------------------------------

REMINDER_SUBJECT = gettext_lazy("Påminnelse om frister (%(count)s)")


def reminder_threshold(due_on: datetime.date | None, today: datetime.date) -> str | None:
    """Which reminder a task is due for today: within a week, tomorrow (or today), or overdue; None: not yet."""
    if due_on is None:
        return None
    days = (due_on - today).days
    if days < 0:
        return "overdue"
    return "1d" if days <= 1 else "7d" if days <= 7 else None


def _reminder_label(due_on: datetime.date, today: datetime.date) -> str:
    days = (due_on - today).days
    if days < 0:
        return _("Fristen er passert")
    if days == 0:
        return _("Frist i dag")
    if days == 1:
        return _("Frist i morgen")
    return ngettext("Frist om %(days)s dag", "Frist om %(days)s dager", days) % {"days": days}


def _claim_reminder(task: Task, threshold: str, person: Person) -> bool:
    """Record the reminder; False if it was sent before. The unique constraint decides, so two runs at once
    cannot both claim it (the second waits for the first's commit, then fails)."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(task_key=task.key, threshold=threshold, person=person)
    except IntegrityError:
        return False
    return True


def send_reminders(*, today: datetime.date | None = None) -> int:
    """The daily job: each person's tasks (samarbeid.mytasks) that reach a threshold today and were not reminded
    of at that threshold before, in one e-mail per person. Returns how many reminders were sent."""
    today = today or timezone.localdate()
    sent = 0
    users = User.objects.filter(is_active=True, person__isnull=False).exclude(person__email="").select_related("person")
    for user in users:
        person = user.person
        if person is None:  # excluded by the query; narrows the type
            continue
        with translation.override(person.malform()):  # the tasks' titles in the recipient's målform
            tasks = tasks_for(user, today)
            due = [
                (task, task.due_on, threshold)
                for task in tasks
                if task.due_on and (threshold := reminder_threshold(task.due_on, today))
            ]
            reminders: list[dict[str, Any]] = [
                {
                    "task": task,
                    "threshold": threshold,
                    "label": _reminder_label(due_on, today),
                    "url": absolute_url(task.url),
                }
                for task, due_on, threshold in due
            ]
        if not reminders:
            continue
        with transaction.atomic():
            new = [r for r in reminders if _claim_reminder(r["task"], r["threshold"], person)]
            if not new:
                continue
            notify(
                person=person,
                kind=NotificationKind.REMINDER,
                subject=REMINDER_SUBJECT,
                template="reminders",
                context={"reminders": new, "count": len(new)},
                url=reverse("min_side"),
            )
            sent += len(new)
    return sent
