"""A world for the public-access tests: the demo data, plus a signed Moss agreement with an exempt attachment, Moss
politiråd meetings in every public state (published, minutes exempt, an exempt item and attachment, withdrawn,
upcoming, closed), a published and an unpublished handlingsplan — and a unique marker planted in every text field
of everything the public may not read (`plant`, generic over the model's text fields). `SHOWN` is what the public
sees of an exempt item by design: its title (the issue: "exempt items show only title and legal basis")."""

import contextlib
import datetime
import itertools

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models, transaction
from django.test import TestCase
from django.utils import timezone

from agreements.demo import create_demo_agreement_parts
from agreements.demo_import import import_demo_agreements
from agreements.models import Agreement, AgreementSection, Attachment, Expectation, FocusArea
from agreements.services import agreement_create, section_update
from agreements.signing import agreement_send_for_signature, agreement_sign
from councils.demo import create_demo_councils
from councils.models import Council
from public_pages.services import attachment_exemption_set
from samarbeid import exemptions
from samarbeid import meetings as svc
from samarbeid.demo import create_demo_people
from samarbeid.models import (
    AgendaItem,
    Decision,
    FollowUpAction,
    Kommune,
    LegalBasis,
    Meeting,
    MeetingAttachment,
    Person,
    PoliceUnit,
)
from slt.demo import create_demo_slt
from slt.models import FocusArea as SltFocusArea
from slt.models import Handlingsplan, Tiltak
from slt.services import tiltak_create
from tests.walking import world_settings

PDF = b"%PDF-1.4\n%public\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PUBLISHED = "ZQPUBLISHED"  # in published minutes: the walk must find it (it reaches the pages it says it does)
SHOWN = {AgendaItem: {"title"}, MeetingAttachment: {"title"}, Attachment: {"title"}}
_SKIP = {"content_type", "original_name"}  # technical: never rendered


class Markers:
    def __init__(self):
        self._numbers = itertools.count(1)
        self.planted: dict[str, str] = {}  # marker → "Model.field #pk"

    def plant(self, obj: models.Model, *, fields: set[str] | None = None, shown: set[str] = frozenset()) -> None:
        """A unique marker in every text field of `obj` (or those `fields`), but those the public sees by design."""
        updates = {}
        for field in obj._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or field.choices or field.name in _SKIP:
                continue
            if (fields is not None and field.name not in fields) or field.name in shown:
                continue
            marker = f"ZQ{next(self._numbers):04d}X"
            self.planted[marker] = f"{type(obj).__name__}.{field.name} #{obj.pk}"
            updates[field.name] = f"{getattr(obj, field.name) or ''} {marker}".strip()[: field.max_length or None]
        type(obj).objects.filter(pk=obj.pk).update(**updates)

    def plant_meeting_content(self, meeting: Meeting, *, parts: set[str], titles: bool) -> None:
        """The meeting's withheld `parts` ("description", "minutes", "decisions", "attachments") and, unless the
        public sees them (`titles`), its theme, place and agenda titles."""
        if not titles:
            self.plant(meeting, fields={"theme", "place"})
        for item in meeting.agenda_items.all():
            item_fields = {"description", "minutes"} & parts | (set() if titles else {"title"})
            if item_fields:
                self.plant(item, fields=item_fields)
            if "decisions" in parts:
                for decision in Decision.objects.filter(agenda_item=item):
                    self.plant(decision)
                    for action in FollowUpAction.objects.filter(decision=decision):
                        self.plant(action)
        if "attachments" in parts:
            for attachment in meeting.attachments.all():
                self.plant(attachment)


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _meeting(forum, secretary, days: int, *, closed: bool = False, theme: str) -> Meeting:
    meeting = svc.meeting_plan(
        forum,
        starts_at=at(days),
        ends_at=at(days, 12),
        is_closed=closed,
        theme=theme,
        place="Rådhuset",
        agenda=["Nytt fra politiet", "Skole og ungdom"],
        by=secretary,
    )
    for item in meeting.agenda_items.all():
        AgendaItem.objects.filter(pk=item.pk).update(description=f"Sakspapir til {item.title}")
        svc.agenda_item_write_minutes(item, text=f"Referat fra {item.title}", by=secretary)
        decision = svc.decision_add(item, text=f"Vedtak i {item.title}", by=secretary)
        svc.action_add(decision, description="Oppfølging", responsible_person=secretary.person, by=secretary)
    svc.meeting_attach(meeting, upload=ContentFile(PDF, name="notat.pdf"), title="Notat", by=secretary)
    return meeting


def _approve(meeting: Meeting, secretary) -> Meeting:
    return svc.meeting_approve_minutes(svc.meeting_mark_held(meeting, by=secretary), by=secretary)


def signed_moss_agreement(personas, capture) -> Agreement:
    import time

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )
    section = agreement.sections.order_by("order").first()
    section_update(
        section, local_text="<p>Politikontakten har kontortid på rådhuset to dager i uka.</p>", by=personas["moss_slt"]
    )
    for title in ("Kommunestyrets vedtak", "Bekymringsmelding fra skolen"):
        Attachment.objects.create(
            agreement=agreement,
            title=title,
            file=ContentFile(PDF, name="vedlegg.pdf"),
            original_name="vedlegg.pdf",
            content_type="application/pdf",
            size=len(PDF),
            uploaded_by=personas["moss_slt"],
        )
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    steps = [
        {"method": "password", "at": time.time() - 60},
        {"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True},
    ]
    with capture(execute=True):
        for key in ("moss_ordforer", "moss_leder"):
            TOTP.activate(personas[key], generate_totp_secret())
            agreement.refresh_from_db()
            agreement_sign(
                agreement,
                by=personas[key],
                place="Moss",
                authentication=steps,
                signed_hash=agreement.signing_rounds.last().content_hash,
            )
    agreement.refresh_from_db()
    return agreement


def build_public_scene(personas, capture) -> dict:
    """Everything above; returns the objects by name and the planted markers."""
    call_command("make_seal", verbosity=0)
    import_demo_agreements()
    create_demo_agreement_parts()
    create_demo_councils()
    create_demo_slt()
    markers = Markers()
    secretary = personas["moss_slt"]
    council = Council.objects.get(forum__name="Politirådet i Moss")
    forum = council.forum

    published = _meeting(forum, secretary, -60, theme="Trygghet i sentrum")
    minutes_exempt = _meeting(forum, secretary, -50, theme="Rus og ungdom")
    withdrawn = _meeting(forum, secretary, -40, theme="Nettvett")
    closed = _meeting(forum, secretary, -30, closed=True, theme="Enkeltsak")
    upcoming = _meeting(forum, secretary, 20, theme="Vold i nære relasjoner")
    exempt_item = published.agenda_items.order_by("position").last()
    exempt_attachment = svc.meeting_attach(
        published, upload=ContentFile(PDF, name="b.pdf"), title="Bekymring", by=secretary
    )
    open_item = published.agenda_items.order_by("position").first()
    AgendaItem.objects.filter(pk=open_item.pk).update(minutes=f"Åpent referat {PUBLISHED}")

    # what the public may not read, planted before the minutes are approved (then they no longer change)
    markers.plant(exempt_item, fields={"description", "minutes"})
    for decision in Decision.objects.filter(agenda_item=exempt_item):
        markers.plant(decision)
        for action in decision.actions.all():
            markers.plant(action)
    for item in minutes_exempt.agenda_items.all():
        markers.plant(item, fields={"minutes"})
        for decision in Decision.objects.filter(agenda_item=item):
            markers.plant(decision)
    markers.plant_meeting_content(withdrawn, parts={"description", "minutes", "decisions", "attachments"}, titles=True)
    markers.plant_meeting_content(closed, parts={"description", "minutes", "decisions", "attachments"}, titles=False)
    markers.plant_meeting_content(upcoming, parts={"description", "minutes", "decisions", "attachments"}, titles=True)
    for meeting in Meeting.objects.filter(forum__kind="koordineringsgruppe"):  # SLT groups: always closed
        markers.plant_meeting_content(
            meeting, parts={"description", "minutes", "decisions", "attachments"}, titles=False
        )

    for meeting in (published, minutes_exempt, withdrawn, closed):
        _approve(meeting, secretary)
    exemptions.meeting_exemption_set(
        published,
        exempt=True,
        agenda_item=exempt_item,
        by=secretary,
        legal_basis=LegalBasis.OFFL_13_FVL_13,
        note="Intern ZQNOTE1X",
    )
    exemptions.meeting_exemption_set(
        published,
        exempt=True,
        attachment=exempt_attachment,
        by=secretary,
        legal_basis=LegalBasis.OFFL_24,
        note="Intern ZQNOTE2X",
    )
    exemptions.meeting_exemption_set(minutes_exempt, exempt=True, by=secretary, legal_basis=LegalBasis.OFFL_14)
    exemptions.meeting_withdraw(Meeting.objects.get(pk=withdrawn.pk), reason="Feil i referatet ZQREASONX", by=secretary)
    markers.planted.update(
        {"ZQNOTE1X": "MeetingExemption.note", "ZQNOTE2X": "MeetingExemption.note", "ZQREASONX": "Publication.reason"}
    )

    # agreements: every draft's text is not public; a signed one's exempt attachment file is not either
    for agreement in Agreement.objects.exclude(status__in=["signert", "erstattet"]):
        for section in AgreementSection.objects.filter(agreement=agreement):
            markers.plant(section, fields={"heading", "local_text"})
        for part in [*Expectation.objects.filter(agreement=agreement), *FocusArea.objects.filter(agreement=agreement)]:
            markers.plant(part)
    signed = signed_moss_agreement(personas, capture)
    hidden = signed.attachments.get(title="Bekymringsmelding fra skolen")
    attachment_exemption_set(
        signed, hidden, exempt=True, by=secretary, legal_basis=LegalBasis.OFFL_13_FVL_13, note="Intern ZQNOTE3X"
    )
    markers.planted["ZQNOTE3X"] = "AttachmentExemption.note"

    # handlingsplaner: the demo's is published; an unpublished one of Moss is not public
    plans = list(Handlingsplan.objects.all())
    public_plan = plans[0]
    exemptions.publication_record(public_plan, published=True, by=secretary)
    hidden_plan = Handlingsplan.objects.create(
        slt_model=public_plan.slt_model, title="Utkast til plan", start_year=2027, end_year=2030, created_by=secretary
    )
    focus = SltFocusArea.objects.create(plan=hidden_plan, name="Rus", order=1)
    tiltak_create(plan=hidden_plan, created_by=secretary, focus_area=focus, title="Tiltak i utkast")
    markers.plant(hidden_plan, fields={"title"})
    for tiltak in Tiltak.objects.filter(plan=hidden_plan):
        markers.plant(tiltak)
    for plan in plans[1:]:
        markers.plant(plan, fields={"title"})
        for tiltak in Tiltak.objects.filter(plan=plan):
            markers.plant(tiltak)

    for person in Person.objects.all():  # nobody's phone number is public
        markers.plant(person, fields={"phone"})
    return {
        "council": council,
        "published": published,
        "minutes_exempt": minutes_exempt,
        "withdrawn": withdrawn,
        "closed": closed,
        "upcoming": upcoming,
        "exempt_item": exempt_item,
        "exempt_attachment": exempt_attachment,
        "signed": signed,
        "public_plan": public_plan,
        "hidden_plan": hidden_plan,
        "markers": markers,
    }


@contextlib.contextmanager
def public_world(django_db_blocker, tmp_path):
    """The scene for a module's fixture, inside a transaction rolled back at the end (each test's own changes are
    rolled back after it by pytest-django), with the demo people as `personas`."""
    with django_db_blocker.unblock(), world_settings(tmp_path), transaction.atomic():
        personas = create_demo_people()
        built = build_public_scene(personas, TestCase.captureOnCommitCallbacks)
        built["personas"] = personas
        yield built
        transaction.set_rollback(True)
