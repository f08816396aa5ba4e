"""Samarbeidsavtaler: district templates (maler), agreements and their sections, with history.

The model, for whoever builds on it (import, sign-off):

- ``AgreementTemplate`` — one per Politidistrikt (``district``), or the national default (``district`` is
  NULL). ``template_for_district(d)`` (agreements/default_template.py) gives the district's own, else the national one.
  ``TemplateSection``: ordered; ``heading_nb/_nn``, the district's standard text ("tekst i ramme")
  ``standard_text_nb/_nn`` and guidance for the local writer ``guidance_nb/_nn``, an ``owner``
  (``Owner.KOMMUNE`` / ``POLICE`` / ``FELLES``) and a ``kind`` naming the structured part the section shows
  (presence commitment, expectations, focus areas, contact list, response time) or plain text.
- ``Agreement`` — between ``police_party`` (a PoliceUnit or a Politidistrikt, as ``Party``) and one or more
  ``kommuner``; ``period_start``/``period_end`` (``period_end`` NULL = "until revised"), ``malform`` (nb/nn),
  ``replaces`` (the earlier agreement), the kommunestyre decision (``council_case_number``,
  ``council_decision_date``) and ``status`` (``Agreement.Status``: only DRAFT so far; the sign-off work adds
  the rest). Only ``is_editable`` agreements (DRAFT) can change.
  Create one ONLY through ``agreements.services.agreement_create(...)``: it copies the template's sections
  (in the agreement's målform) and grants the parties their permissions.
- ``AgreementSection`` — a copy of a template section, or a local one (``is_local``): ``heading``,
  ``standard_text`` (the district's box, copied — editing the template never changes an agreement),
  ``guidance``, ``local_text`` (the "skreddersøm", allow-listed HTML), ``owner``, ``kind``, ``order`` and a
  ``version`` (samarbeid/concurrency.py, like every edited model here). ``agreements.services.section_add(...)``
  and ``section_update(section, local_text=html, by=user, expected_version=n)`` are the ways to change them; both
  sanitise and record a ``SectionRevision`` (the section history and the agreement's change log).
- Structured parts: ``PresenceCommitment`` (per kommune), ``Expectation`` (from the kommune / from the
  police), ``FocusArea``; and ``Attachment`` (vedlegg, PDF/DOCX/ODT, private storage).

Permissions (see agreements/access.py): AGREEMENT_POLICY grants the roles of each party on the agreement.

Records (see agreements/immutability.py): once signed, the agreement and every row that makes it up (sections,
structured parts, attachments, signing rounds, signatures, its kommuner through ``AgreementKommune``) refuse
change, in the database (PostgreSQL triggers in ``Meta.triggers``) and in the model guards; ``SectionRevision``,
``StatusChange``, ``Signature`` and ``SealedDocument`` are append-only. Each version has its own attachment files.
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agreements.immutability import LockedWhenSigned, SignedAgreementPart, signed_agreement_kept
from agreements.richtext import clean_html
from samarbeid.append_only import AppendOnly, AppendOnlyTrigger
from samarbeid.concurrency import Versioned
from samarbeid.models import (
    ExemptionRecord,
    Kommune,
    Malform,
    OpeningHours,
    Party,
    Politidistrikt,
    Role,
    RoleAssignment,
    author,
)
from samarbeid.storage import private_storage


class Owner(models.TextChoices):
    """Who writes a section's local text."""

    KOMMUNE = "kommune", _("Kommunen")
    POLICE = "politi", _("Politiet")
    FELLES = "felles", _("Felles")


class SectionKind(models.TextChoices):
    """The structured part a section shows under its text (plain text sections show none)."""

    TEXT = "text", _("Tekst")
    SERVICE = "tjenestetilbud", _("Tjenestetilbud med responstid")
    PRESENCE = "politikontakt", _("Politikontaktens tilstedeværelse")
    EXPECTATIONS = "forventninger", _("Forventninger")
    FOCUS = "fokusomrader", _("Fokusområder")
    CONTACTS = "kontakter", _("Kontaktliste")
    SLT = "slt", _("SLT-arbeidet: grupper og handlingsplan")


class NotEditable(Exception):
    """The agreement is no longer a draft."""


# --- Templates (maler) -------------------------------------------------------------------------------


class AgreementTemplate(models.Model):
    district = models.ForeignKey(
        Politidistrikt,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agreement_templates",
        verbose_name=_("politidistrikt"),
        help_text=_("Tomt for den nasjonale standardmalen."),
    )
    name = models.CharField(_("navn"), max_length=200)
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)
    updated_by = author()

    class Meta:
        verbose_name = _("avtalemal")
        verbose_name_plural = _("avtalemaler")
        ordering = [F("district__name").asc(nulls_first=True)]
        permissions = [("edit_template", _("Kan redigere avtalemalen"))]
        constraints = [
            # One template per district, and one national default (NULL district).
            models.UniqueConstraint(
                Coalesce("district", models.Value(0)),
                name="one_template_per_district",
                violation_error_message=_("Politidistriktet har allerede en avtalemal."),
            ),
        ]

    def __str__(self):
        return self.name


class TemplateSection(Versioned):
    template = models.ForeignKey(AgreementTemplate, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(_("rekkefølge"))
    kind = models.CharField(_("innhold"), max_length=20, choices=SectionKind.choices, default=SectionKind.TEXT)
    owner = models.CharField(_("eier"), max_length=10, choices=Owner.choices, default=Owner.FELLES)
    heading_nb = models.CharField(_("overskrift (bokmål)"), max_length=200)
    heading_nn = models.CharField(_("overskrift (nynorsk)"), max_length=200)
    standard_text_nb = models.TextField(_("standardtekst (bokmål)"), blank=True)
    standard_text_nn = models.TextField(_("standardtekst (nynorsk)"), blank=True)
    guidance_nb = models.TextField(_("veiledning (bokmål)"), blank=True)
    guidance_nn = models.TextField(_("veiledning (nynorsk)"), blank=True)

    class Meta:
        verbose_name = _("malavsnitt")
        verbose_name_plural = _("malavsnitt")
        ordering = ["template", "order", "pk"]

    def __str__(self):
        return self.heading_nb

    def save(self, *args, **kwargs):
        self.standard_text_nb = clean_html(self.standard_text_nb)
        self.standard_text_nn = clean_html(self.standard_text_nn)
        super().save(*args, **kwargs)

    def in_malform(self, malform: str) -> dict[str, str]:
        """Heading, standard text and guidance in one målform (nynorsk falls back to bokmål where empty)."""
        nn = malform == Malform.NYNORSK
        return {
            "heading": (nn and self.heading_nn) or self.heading_nb,
            "standard_text": (nn and self.standard_text_nn) or self.standard_text_nb,
            "guidance": (nn and self.guidance_nn) or self.guidance_nb,
        }


class AgreementTemplateUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(AgreementTemplate, on_delete=models.CASCADE)


class AgreementTemplateGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(AgreementTemplate, on_delete=models.CASCADE)


# --- Agreements ---------------------------------------------------------------------------------------


class Agreement(Versioned, LockedWhenSigned):
    _terms: Any  # agreements.rules caches the agreement's terms read from its text here

    class Status(models.TextChoices):
        DRAFT = "utkast", _("Utkast")
        # Sign-off (agreements/signing.py); "gjeldende"/"utløpt" are derived from the period: see `lifecycle`.
        SENT = "til_signering", _("Sendt til signering")
        SIGNED = "signert", _("Signert")
        REPLACED = "erstattet", _("Erstattet")

    signed_lock_lookup = "status"  # agreements.immutability: a signed agreement never changes
    edited_by_field, edited_at_field = "updated_by", "updated_at"

    template = models.ForeignKey(
        AgreementTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("mal"),
    )
    police_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="police_agreements",
        verbose_name=_("politiet"),
        limit_choices_to={"kind__in": [Party.Kind.POLITIDISTRIKT, Party.Kind.POLICE_UNIT]},
    )
    kommuner = models.ManyToManyField(
        Kommune, through="AgreementKommune", related_name="agreements", verbose_name=_("kommuner")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    period_start = models.DateField(_("gjelder fra"), null=True, blank=True)
    period_end = models.DateField(
        _("gjelder til"), null=True, blank=True, help_text=_("Tomt betyr at avtalen gjelder til den blir revidert.")
    )
    malform = models.CharField(_("målform"), max_length=2, choices=Malform.choices, default=Malform.BOKMAL)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("erstatter"),
    )
    council_case_number = models.CharField(_("saksnummer i kommunestyret"), max_length=50, blank=True)
    council_decision_date = models.DateField(_("vedtatt i kommunestyret"), null=True, blank=True)
    created_at = models.DateTimeField(_("opprettet"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opprettet av")
    )
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)
    updated_by = author(_("sist endret av"))

    class Meta:
        verbose_name = _("samarbeidsavtale")
        verbose_name_plural = _("samarbeidsavtaler")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("edit_kommune_sections", _("Kan skrive kommunens avsnitt")),
            ("edit_police_sections", _("Kan skrive politiets avsnitt")),
            ("sign_agreement", _("Kan signere avtalen")),  # granted when sent for signature
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="agreement_period_ends_after_start",
                violation_error_message=_("Sluttdatoen kan ikke være før startdatoen."),
            ),
            models.CheckConstraint(condition=~Q(replaces=F("pk")), name="agreement_does_not_replace_itself"),
        ]
        triggers = [signed_agreement_kept()]

    def __str__(self):
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_signed(self) -> bool:
        return self.status in (self.Status.SIGNED, self.Status.REPLACED)

    @property
    def lifecycle(self) -> "Lifecycle":  # its tag's colour: Lifecycle.tag_color
        """The status as shown everywhere: a signed agreement is "gjeldende" inside its period, then "utløpt"."""
        if self.status != self.Status.SIGNED:
            return Lifecycle(self.status)
        today = timezone.localdate()
        if self.period_end and self.period_end < today:
            return Lifecycle.EXPIRED
        if self.period_start is None or self.period_start <= today:
            return Lifecycle.ACTIVE
        return Lifecycle.SIGNED

    def _lock_allows(self, update_fields) -> bool:
        """The one change to a signed agreement: it becomes "erstattet" when its revision is signed."""
        return self.status == self.Status.REPLACED and set(update_fields or ["*"]) <= {"status", "updated_at"}

    @property
    def title(self) -> str:
        """ "Samarbeidsavtale mellom Moss kommune og Moss politistasjonsdistrikt", in the agreement's målform."""
        names = [k.name_in(self.malform) for k in self.kommuner.all()]
        police = self.police_party.name_in(self.malform)
        if not names:  # every kommune is still invited (samarbeid.invitations)
            return f"Samarbeidsavtale med {police}"
        return f"Samarbeidsavtale mellom {', '.join(names)} og {police}"

    @property
    def display_title(self) -> str:
        """The title a page or a list shows: a revision not yet signed says so, so that it is not mistaken for the
        signed agreement it revises (listed beside it with the same parties)."""
        if self.replaces_id and not self.is_signed:
            return str(_("%(title)s – revisjon")) % {"title": self.title}
        return self.title

    @property
    def period_label(self) -> str:
        if self.period_start and self.period_end:
            return f"{self.period_start.year}–{self.period_end.year}"
        if self.period_start:
            return str(_("fra %(year)s til revidert")) % {"year": self.period_start.year}
        return str(_("til revidert"))

    def parties(self) -> list[Party]:
        return [self.police_party, *self.kommuner.all()]

    def contacts(self):
        """Active roles of the parties' people, with e-mail: the generated contact list."""
        party_ids = [self.police_party_id, *(k.pk for k in self.kommuner.all())]
        return (
            RoleAssignment.objects.active()
            .filter(party_id__in=party_ids)
            .select_related("person", "party")
            .order_by("party__kind", "party__name", "role", "person__name")
        )

    def response_times(self):
        """(kommune, ResponseTimeRequirement) for each kommune of the agreement."""
        return [(k, k.response_time_requirement()) for k in self.kommuner.all()]

    def opening_hours(self):
        return OpeningHours.objects.filter(tjenestested__police_unit_id=self.police_party_id).select_related(
            "tjenestested"
        )

    def assert_editable(self):
        if not self.is_editable:
            raise NotEditable

    def log(self, action: str, *, heading: str, by, text: str = "") -> "SectionRevision":
        """Record a change that is not a section's text (details, structured parts, attachments)."""
        return SectionRevision.objects.create(
            agreement=self, version=0, action=action, heading=heading, text=text, created_by=by
        )


class AgreementUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Agreement, on_delete=models.CASCADE)


class AgreementGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agreement, on_delete=models.CASCADE)


class AgreementKommune(LockedWhenSigned):
    """The agreement–kommune link (`Agreement.kommuner`): a signed agreement's parties never change."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE)
    kommune = models.ForeignKey(Kommune, on_delete=models.PROTECT)  # a party is not deleted from under it

    class Meta:
        db_table = "agreements_agreement_kommuner"
        unique_together = [("agreement", "kommune")]
        triggers = [SignedAgreementPart()]


class AgreementSection(Versioned, LockedWhenSigned):
    # Set for the agreement page by agreements.negotiation.negotiation_board (not stored).
    negotiation: Any
    negotiation_parts: list[tuple[str, Any, Any]]  # (part, label, its Target)
    can_propose: bool
    can_decide_template: bool

    edited_by_field, edited_at_field = "updated_by", "updated_at"
    Kind = SectionKind  # templates compare with the choices: section.kind == section.Kind.SERVICE

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="sections")
    template_section = models.ForeignKey(
        TemplateSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The template section's version the standard text was copied from (or last adopted / kept at):
    # a later version of the template with another text shows "Malen er endret" (agreements/negotiation.py).
    template_version = models.PositiveIntegerField(_("malversjon"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("rekkefølge"))
    kind = models.CharField(_("innhold"), max_length=20, choices=SectionKind.choices, default=SectionKind.TEXT)
    owner = models.CharField(_("eier"), max_length=10, choices=Owner.choices, default=Owner.FELLES)
    is_local = models.BooleanField(_("lokalt avsnitt"), default=False)
    # Added at import from the template because the imported text lacked it: offered, never forced (its owner
    # removes it like any local section).
    suggested = models.BooleanField(_("forslag fra malen"), default=False)
    heading = models.CharField(_("overskrift"), max_length=200)
    standard_text = models.TextField(_("standardtekst fra malen"), blank=True)
    guidance = models.TextField(_("veiledning"), blank=True)
    local_text = models.TextField(_("lokal tekst"), blank=True)
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)
    updated_by = author(_("sist endret av"))

    class Meta:
        verbose_name = _("avsnitt")
        verbose_name_plural = _("avsnitt")
        ordering = ["agreement", "order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="section_version_positive")]
        triggers = [SignedAgreementPart()]

    def __str__(self):
        return self.heading

    @property
    def anchor(self) -> str:
        return f"avsnitt-{self.pk}"

    def record(self, action: str, by) -> "SectionRevision":
        return SectionRevision.objects.create(
            agreement_id=self.agreement_id,
            section=self,
            version=self.version,
            action=action,
            heading=self.heading,
            text=self.local_text,
            created_by=by,
        )


class SectionRevision(AppendOnly):
    """One saved state of a section: its history, and together the agreement's change log (append-only)."""

    append_only_detachable = "section"  # a removed draft section leaves its history

    class Action(models.TextChoices):
        CREATED = "opprettet", _("Opprettet fra malen")
        ADDED = "lagt_til", _("Lagt til")
        EDITED = "endret", _("Endret")
        MOVED = "flyttet", _("Flyttet")
        REMOVED = "fjernet", _("Fjernet")
        # Changes outside the sections' text, kept in the same change log (no section, version 0):
        DETAILS = "detaljer", _("Periode og vedtak endret")
        PARTS = "punkter", _("Punkter endret")
        ATTACHMENTS = "vedlegg", _("Vedlegg endret")
        IMPORTED = "importert", _("Importert fra fil")
        # The negotiation between the parties (agreements/negotiation.py), in the same change log:
        COMMENTED = "kommentar", _("Kommentar")
        RESOLVED = "kommentar_lost", _("Kommentartråd løst")
        PROPOSED = "forslag", _("Endringsforslag")
        PROPOSAL_ACCEPTED = "forslag_godtatt", _("Endringsforslag godtatt")
        PROPOSAL_DECLINED = "forslag_avslatt", _("Endringsforslag avslått")
        TEMPLATE_ADOPTED = "mal_tatt_inn", _("Ny maltekst tatt inn")
        TEMPLATE_KEPT = "mal_beholdt", _("Tidligere maltekst beholdt")
        COUNCIL_DECISION = "kommunestyrevedtak", _("Kommunestyrets vedtak")
        SETTINGS = "forhandling", _("Innstilling for forhandlingen")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="revisions")
    section = models.ForeignKey(
        AgreementSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="revisions"
    )
    version = models.PositiveIntegerField(_("versjon"))
    action = models.CharField(_("endring"), max_length=20, choices=Action.choices)
    heading = models.CharField(_("overskrift"), max_length=200)
    text = models.TextField(_("tekst"), blank=True)
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("endret av")
    )
    # A version made from another party's change proposal is attributed to both: its proposer and
    # (created_by) the owner who accepted it.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("foreslått av"),
    )

    class Meta:
        verbose_name = _("versjon av avsnitt")
        verbose_name_plural = _("versjoner av avsnitt")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["agreement", "-created_at"])]
        triggers = [AppendOnlyTrigger(detachable="section")]

    def __str__(self):
        return f"{self.heading} v{self.version}"


class SectionReview(AppendOnly):
    """A party has read a section at one version and found it in order ("gjennomgått"): append-only.

    Who reviews which section, and whether a review still holds, is agreements/reviewing.py: a review holds while
    the section stays at the version it was made at; an edit after it leaves it stale ("endret etter
    gjennomgang"). Made only through ``agreements.services.section_review``; a removed draft section leaves its
    reviews, detached."""

    append_only_detachable = "section"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="section_reviews")
    section = models.ForeignKey(
        AgreementSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    version = models.PositiveIntegerField(_("versjon som ble gjennomgått"))
    heading = models.CharField(_("overskrift"), max_length=200)
    reviewed_at = models.DateTimeField(_("gjennomgått"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("gjennomgått av")
    )

    class Meta:
        verbose_name = _("gjennomgang av avsnitt")
        verbose_name_plural = _("gjennomganger av avsnitt")
        ordering = ["reviewed_at", "pk"]
        indexes = [models.Index(fields=["section", "party", "-version"])]
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="section_review_version_positive")]
        # Nothing is added to a signed agreement; the log only grows.
        triggers = [SignedAgreementPart(), AppendOnlyTrigger(detachable="section")]

    def __str__(self):
        return f"{self.heading} v{self.version}: {self.party}"


# --- Structured parts ---------------------------------------------------------------------------------


class PresenceCommitment(Versioned, LockedWhenSigned):
    """The politikontakt's presence in a kommune: "minst én gang per uke", "to dager i uka kl 10–14"."""

    class Per(models.TextChoices):
        WEEK = "uke", _("uke")
        MONTH = "maned", _("måned")
        QUARTER = "kvartal", _("kvartal")
        YEAR = "ar", _("år")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="presence_commitments")
    kommune = models.ForeignKey(Kommune, on_delete=models.PROTECT, related_name="+", verbose_name=_("kommune"))
    times = models.PositiveSmallIntegerField(
        _("antall ganger"), default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    per = models.CharField(_("per"), max_length=10, choices=Per.choices, default=Per.WEEK)
    weekdays = models.JSONField(_("ukedager"), default=list, blank=True)
    hours_from = models.TimeField(_("fra klokken"), null=True, blank=True)
    hours_to = models.TimeField(_("til klokken"), null=True, blank=True)
    place = models.CharField(_("sted"), max_length=200, blank=True)
    note = models.CharField(_("merknad"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("tilstedeværelse")
        verbose_name_plural = _("tilstedeværelse")
        ordering = ["kommune__name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(times__gte=1), name="presence_times_positive"),
            models.CheckConstraint(
                condition=Q(hours_from__isnull=True) | Q(hours_to__isnull=True) | Q(hours_to__gt=F("hours_from")),
                name="presence_hours_to_after_from",
                violation_error_message=_("Sluttidspunktet må være etter starttidspunktet."),
            ),
        ]
        triggers = [SignedAgreementPart()]

    def weekday_names(self) -> list[str]:
        labels = dict(OpeningHours.Weekday.choices)
        return [str(labels[int(d)]) for d in sorted(self.weekdays)]


class Expectation(Versioned, LockedWhenSigned):
    class Direction(models.TextChoices):
        FROM_KOMMUNE = "fra_kommunen", _("Kommunen forventer av politiet")
        FROM_POLICE = "fra_politiet", _("Politiet forventer av kommunen")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="expectations")
    direction = models.CharField(_("retning"), max_length=20, choices=Direction.choices)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    text = models.TextField(_("forventning"))

    class Meta:
        verbose_name = _("forventning")
        verbose_name_plural = _("forventninger")
        ordering = ["direction", "order", "pk"]
        triggers = [SignedAgreementPart()]


class FocusArea(Versioned, LockedWhenSigned):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="focus_areas")
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    title = models.CharField(_("fokusområde"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)

    class Meta:
        verbose_name = _("fokusområde")
        verbose_name_plural = _("fokusområder")
        ordering = ["order", "pk"]
        triggers = [SignedAgreementPart()]


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"agreements/{instance.agreement_id}/{filename}"


class Attachment(LockedWhenSigned):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("tittel"), max_length=200)
    file = models.FileField(_("fil"), upload_to=attachment_path, storage=private_storage, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("størrelse"))
    uploaded_at = models.DateTimeField(_("lastet opp"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("lastet opp av")
    )

    class Meta:
        verbose_name = _("vedlegg")
        verbose_name_plural = _("vedlegg")
        ordering = ["uploaded_at", "pk"]
        triggers = [SignedAgreementPart()]

    def __str__(self):
        return self.title


# --- Sign-off: status history, signing rounds, signatures, the sealed PDF (agreements/signing.py) ---------


class Lifecycle(models.TextChoices):
    """Agreement.status as shown: the stored statuses plus "gjeldende"/"utløpt", derived from the period."""

    DRAFT = "utkast", _("Utkast")
    SENT = "til_signering", _("Sendt til signering")
    SIGNED = "signert", _("Signert")
    ACTIVE = "gjeldende", _("Gjeldende")
    EXPIRED = "utlopt", _("Utløpt")
    REPLACED = "erstattet", _("Erstattet")

    @property
    def tag_color(self) -> str:
        """The Designsystemet colour of the status tag: in force green, out for signing blue, a draft yellow."""
        colors = {
            Lifecycle.ACTIVE: "success",
            Lifecycle.SIGNED: "success",
            Lifecycle.SENT: "info",
            Lifecycle.DRAFT: "warning",
        }
        return colors.get(self, "neutral")


class StatusChange(AppendOnly):
    """Every transition of an agreement's status: who, when, from, to and why (append-only)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("fra status"), max_length=20, choices=Agreement.Status.choices)
    to_status = models.CharField(_("til status"), max_length=20, choices=Agreement.Status.choices)
    reason = models.TextField(_("begrunnelse"), blank=True)
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("utført av")
    )

    class Meta:
        verbose_name = _("statusendring")
        verbose_name_plural = _("statusendringer")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_status=F("to_status")), name="status_change_changes_status")
        ]
        triggers = [AppendOnlyTrigger()]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class SigningRound(LockedWhenSigned):
    """One sending for signature: the frozen content's hash; cancelled when sent back to draft."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signing_rounds")
    content_hash = models.CharField(_("innholdets SHA-256"), max_length=64)
    allow_deputy = models.BooleanField(_("varaordfører kan signere som fungerende ordfører"), default=False)
    sent_at = models.DateTimeField(_("sendt til signering"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("ferdig signert"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("sendt tilbake"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("begrunnelse for å sende tilbake"), blank=True)

    class Meta:
        verbose_name = _("signeringsrunde")
        verbose_name_plural = _("signeringsrunder")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(cancelled_at__isnull=True), name="one_live_signing_round"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(completed_at__isnull=True),
                name="signing_round_not_both_cancelled_and_completed",
            ),
        ]
        triggers = [SignedAgreementPart()]

    def __str__(self):
        return f"{self.agreement_id}: {self.sent_at:%d.%m.%Y %H:%M}"


class Signature(LockedWhenSigned):
    """A signatory's signature: who (name, title as printed), for which party, where, when, on what content."""

    round = models.ForeignKey(SigningRound, on_delete=models.CASCADE, related_name="signatures")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    name = models.CharField(_("navn"), max_length=200)
    title = models.CharField(_("tittel"), max_length=200)
    place = models.CharField(_("sted"), max_length=100)
    signed_at = models.DateTimeField(_("signert"), default=timezone.now)
    content_hash = models.CharField(_("innholdets SHA-256"), max_length=64)
    # The steps of the signer's session as allauth recorded them (method, type, time, and whether it was a
    # confirmation after login), so the signing log states what was used rather than what was required.
    authentication = models.JSONField(_("innlogging og bekreftelse"), default=list, blank=True)

    class Meta:
        verbose_name = _("signatur")
        verbose_name_plural = _("signaturer")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "party"], name="one_signature_per_party_and_round"),
            models.UniqueConstraint(fields=["round", "user"], name="one_signature_per_person_and_round"),
            models.CheckConstraint(condition=Q(content_hash__regex=r"^[0-9a-f]{64}$"), name="signature_hash_sha256"),
        ]
        # A signature is never changed or withdrawn (a cancelled round keeps its own); on other databases
        # LockedWhenSigned covers those of a signed agreement.
        triggers = [SignedAgreementPart(), AppendOnlyTrigger()]

    def __str__(self):
        return f"{self.name}, {self.title}"


def sealed_path(instance: "SealedDocument", filename: str) -> str:
    return f"agreements/{instance.agreement_id}/signert/{filename}"


class SealedDocument(AppendOnly):
    """The final PDF of a signed agreement, produced once and sealed (PAdES) with the installation's seal."""

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="sealed_document")
    file = models.FileField(_("fil"), upload_to=sealed_path, storage=private_storage, max_length=300)
    sha256 = models.CharField(_("filens SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("størrelse"))
    sealed_at = models.DateTimeField(_("forseglet"), default=timezone.now)

    class Meta:
        verbose_name = _("forseglet avtale")
        verbose_name_plural = _("forseglede avtaler")
        triggers = [AppendOnlyTrigger()]

    def __str__(self):
        return self.file.name


# --- Import: an uploaded agreement waiting for its uploader's review (agreements/importing/service.py) -------


def import_upload_path(instance: "ImportReview", filename: str) -> str:
    return f"import/{instance.owner_party_id}/{filename}"


class ImportReview(models.Model):
    """An uploaded agreement: read by the task worker, then reviewed by its uploader before a draft exists.

    `found` is what the reader found (the ParsedAgreement as JSON); `review` the uploader's edits so far
    (sections, parties, period …), so nothing they changed is lost between requests. Visible only to the
    uploader while they act for `owner_party` (agreements/access.py `import_review_for`)."""

    class Status(models.TextChoices):
        WAITING = "venter", _("Venter på lesing")
        READY = "lest", _("Klar til gjennomgang")
        FAILED = "feilet", _("Kunne ikke leses")
        DONE = "importert", _("Importert")

    owner_party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+", verbose_name=_("part"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("lastet opp av")
    )
    uploaded_at = models.DateTimeField(_("lastet opp"), default=timezone.now)
    batch = models.UUIDField(_("samlet opplasting"), null=True, blank=True, db_index=True)
    file = models.FileField(_("fil"), upload_to=import_upload_path, storage=private_storage, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=255)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WAITING)
    error = models.TextField(_("feil"), blank=True)
    found = models.JSONField(_("funnet i filen"), default=dict, blank=True)
    review = models.JSONField(_("gjennomgang"), default=dict, blank=True)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("utkast")
    )

    class Meta:
        verbose_name = _("import til gjennomgang")
        verbose_name_plural = _("importer til gjennomgang")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class AttachmentExemption(ExemptionRecord):
    """An agreement attachment exempted from public access (or the exemption lifted), append-only: the latest
    record is its state. The public page names the attachment and the legal basis; the file stays closed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="attachment_exemptions")
    attachment = models.ForeignKey(Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attachment_title = models.CharField(_("vedlegg"), max_length=200)

    append_only_detachable = "attachment"

    class Meta:
        triggers = [AppendOnlyTrigger(detachable="attachment")]
        verbose_name = _("unntak fra offentlighet for vedlegg")
        verbose_name_plural = _("unntak fra offentlighet for vedlegg")
        ordering = ["agreement", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exempt=False) | ~Q(legal_basis=""), name="attachment_exemption_has_basis"
            )
        ]

    def __str__(self):
        return f"{self.attachment_title}: {self.get_legal_basis_display()}"


# --- Negotiation between the parties: comments, change proposals, settings, kommunestyre decisions ----------
# (issue 14; the rules in agreements/negotiation.py, access in the negotiation block of agreements/access.py)


class NegotiationPart(models.TextChoices):
    """The structured parts a comment may be on (the slugs of their edit pages, agreements.views.PARTS)."""

    PRESENCE = "tilstedevarelse", _("Politikontaktens tilstedeværelse")
    EXPECTATIONS_KOMMUNE = "forventninger-kommunen", _("Kommunens forventninger til politiet")
    EXPECTATIONS_POLICE = "forventninger-politiet", _("Politiets forventninger til kommunen")
    FOCUS = "fokusomrader", _("Spesielle fokusområder")


class CommentThread(Versioned, LockedWhenSigned):
    """Comments on one section or structured part, opened by an editor of one of the parties; resolved by the
    section's owner or the thread's author (and still readable, collapsed)."""

    all_comments: list["Comment"]  # its comments in order, read for the page (agreements.negotiation), not stored

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="comment_threads")
    section = models.ForeignKey(
        AgreementSection, on_delete=models.CASCADE, null=True, blank=True, related_name="comment_threads"
    )
    part = models.CharField(_("del"), max_length=30, choices=NegotiationPart.choices, blank=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    created_at = models.DateTimeField(_("opprettet"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opprettet av")
    )
    resolved_at = models.DateTimeField(_("løst"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("løst av"),
    )

    class Meta:
        verbose_name = _("kommentartråd")
        verbose_name_plural = _("kommentartråder")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(section__isnull=False) & Q(part="")) | (Q(section__isnull=True) & ~Q(part="")),
                name="comment_thread_on_a_section_or_a_part",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="comment_thread_resolved_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["agreement", "resolved_at"])]
        triggers = [SignedAgreementPart()]

    def __str__(self):
        return f"{self.agreement_id}: {self.section_id or self.part}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def anchor(self) -> str:
        return f"kommentar-{self.pk}"


class Comment(LockedWhenSigned):
    """One comment in a thread; a comment is never edited (write a new one)."""

    html: SafeString  # the body rendered for the page (agreements.negotiation), not stored

    thread = models.ForeignKey(CommentThread, on_delete=models.CASCADE, related_name="comments")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("kommentar"), max_length=5000)
    mentions = models.JSONField(_("nevnte roller"), default=list, blank=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("skrevet av")
    )

    class Meta:
        verbose_name = _("kommentar")
        verbose_name_plural = _("kommentarer")
        ordering = ["created_at", "pk"]
        triggers = [SignedAgreementPart()]

    def __str__(self):
        return self.body[:60]


class ChangeProposal(Versioned, LockedWhenSigned):
    """A party's proposed text for a section the other party owns, against the version it was made on; the
    owner accepts it (a new version of the section, attributed to both), accepts it with edits, or declines it
    with a reason."""

    # The word diffs a reader needs, set by agreements.negotiation.annotate_proposal (not stored).
    outdated: bool
    diff: list[Any]  # agreements.richtext.DiffPart
    diff_from_base: list[Any] | None

    class Status(models.TextChoices):
        OPEN = "apent", _("Venter på svar")
        ACCEPTED = "godtatt", _("Godtatt")
        ACCEPTED_EDITED = "godtatt_endret", _("Godtatt med endringer")
        DECLINED = "avslatt", _("Avslått")

    edited_by_field, edited_at_field = "decided_by", "decided_at"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="change_proposals")
    section = models.ForeignKey(AgreementSection, on_delete=models.CASCADE, related_name="change_proposals")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("foreslått av part"))
    base_version = models.PositiveIntegerField(_("laget mot versjon"))
    base_text = models.TextField(_("teksten forslaget ble laget mot"), blank=True)
    text = models.TextField(_("foreslått tekst"))
    explanation = models.TextField(_("begrunnelse"), max_length=5000, blank=True)
    proposed_at = models.DateTimeField(_("foreslått"), default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("foreslått av")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(_("avgjort"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("avgjort av"),
    )
    decision_reason = models.TextField(_("begrunnelse for avgjørelsen"), max_length=5000, blank=True)
    accepted_text = models.TextField(_("vedtatt tekst"), blank=True)
    result_version = models.PositiveIntegerField(_("ny versjon av avsnittet"), null=True, blank=True)

    class Meta:
        verbose_name = _("endringsforslag")
        verbose_name_plural = _("endringsforslag")
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="apent", decided_at__isnull=True)
                | (~Q(status="apent") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="change_proposal_decided_when_not_open",
            ),
            models.CheckConstraint(
                condition=~Q(status="avslatt") | ~Q(decision_reason=""), name="change_proposal_declined_with_reason"
            ),
        ]
        indexes = [models.Index(fields=["agreement", "status"])]
        triggers = [SignedAgreementPart()]

    def __str__(self):
        return f"{self.section} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def anchor(self) -> str:
        return f"forslag-{self.pk}"


class NegotiationSetting(Versioned, LockedWhenSigned):
    """A party's rule for one agreement: all its proposals must be settled before it is sent for signature."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="negotiation_settings")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    require_settled = models.BooleanField(
        _("alle våre endringsforslag må være avgjort før avtalen sendes til signering"), default=False
    )
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sist endret av")
    )

    class Meta:
        verbose_name = _("innstilling for forhandlingen")
        verbose_name_plural = _("innstillinger for forhandlingen")
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="one_negotiation_setting_per_party")]
        triggers = [SignedAgreementPart()]


class CouncilDecision(AppendOnly):
    """The kommunestyre's decision on the agreement (sak number, date), one kommune at a time; a correction is a
    new entry, the latest counts. Recorded at any status: it does not change what was signed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="council_decisions")
    kommune = models.ForeignKey(Kommune, on_delete=models.PROTECT, related_name="+", verbose_name=_("kommune"))
    case_number = models.CharField(_("saksnummer"), max_length=50)
    decided_on = models.DateField(_("vedtaksdato"))
    recorded_at = models.DateTimeField(_("registrert"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registrert av")
    )

    class Meta:
        verbose_name = _("kommunestyrets vedtak")
        verbose_name_plural = _("kommunestyrets vedtak")
        ordering = ["recorded_at", "pk"]
        triggers = [AppendOnlyTrigger()]

    def __str__(self):
        return f"{self.kommune}: {self.case_number} ({self.decided_on:%d.%m.%Y})"
