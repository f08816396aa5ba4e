"""SLT: the kommune's coordination model (samordning av lokale kriminalitetsforebyggende tiltak).

- `SltModel` ("SLT-samarbeid"): one per kommune or shared by several kommuner, with the politiråd
  (councils.Council) as steering group, the police party that reads along, and the utøvende nivå described
  in words. The SLT-koordinatorer are not stored here: they are the people holding Role.SLT_KOORDINATOR in
  the model's kommuner (with their stillingsprosent).
- `CoordinationGroup` (OSG, Familieforum, SLT-utøvergruppe …): a samarbeid.Forum of the shared meeting
  machinery (members, meetings, agenda, minutes, follow-up) with a meeting frequency to measure against.
- `Handlingsplan` for a period of years, adopted by the politiråd, with `FocusArea`s and `Tiltak`; every
  tiltak has a status and `TiltakNote`s (progress notes with who/when; status changes are notes too).

Permissions are granted once, on the SltModel (a small table), with `SLT_POLICY`; plans, focus areas and
tiltak are reached through their model (see slt/access.py), so no per-row grants are needed for them.
"""

import calendar
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samarbeid.concurrency import Versioned
from samarbeid.models import Audited, Created, Forum, Kommune, Party, Person, Role, RoleAssignment


class Tracked(Versioned, Audited):
    """Who created a row and who changed it last, and when (samarbeid.models.Audited; empty until the first
    change: a page says "sist endret" only then), and its version (samarbeid/concurrency.py)."""

    edited_by_field, edited_at_field = "updated_by", "updated_at"

    updated_at = models.DateTimeField(_("endret"), null=True, blank=True, editable=False)  # type: ignore[assignment]

    class Meta:
        abstract = True


class SltModel(Tracked):
    name = models.CharField(_("navn"), max_length=200)
    kommuner = models.ManyToManyField(Kommune, related_name="slt_models", verbose_name=_("kommuner"))
    police_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="slt_models_followed",
        verbose_name=_("politiet"),
    )
    council = models.ForeignKey(
        "councils.Council",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slt_models",
        verbose_name=_("politiråd (styringsgruppe)"),
    )
    description = models.TextField(_("beskrivelse"), blank=True)
    utovende_niva = models.TextField(
        _("utøvende nivå"),
        blank=True,
        help_text=_("Hvem som arbeider på utøvende nivå, f.eks. «skoler, barnehager, politi, frivillige»."),
    )

    class Meta:
        verbose_name = _("SLT-samarbeid")
        verbose_name_plural = _("SLT-samarbeid")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def parties(self) -> list[Party]:
        """Every party that takes part (as plain Party rows): the kommuner and the police party."""
        return list(Party.objects.filter(Q(pk__in=self.kommuner.values("pk")) | Q(pk=self.police_party_id)))

    def koordinatorer(self):
        """The SLT-koordinatorer today: people holding the role in one of the kommuner (not copied here)."""
        return (
            RoleAssignment.objects.active()
            .filter(role=Role.SLT_KOORDINATOR, party__in=self.kommuner.all())
            .select_related("person", "party")
            .order_by("person__name")
        )


class Handlingsplan(Tracked):
    slt_model = models.ForeignKey(
        SltModel, on_delete=models.CASCADE, related_name="plans", verbose_name=_("SLT-samarbeid")
    )
    title = models.CharField(_("tittel"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("fra år"))
    end_year = models.PositiveSmallIntegerField(_("til år"))
    adopted_on = models.DateField(_("vedtatt i politirådet"), null=True, blank=True)
    adopted_link = models.URLField(_("lenke til vedtaket"), blank=True)

    class Meta:
        verbose_name = _("handlingsplan")
        verbose_name_plural = _("handlingsplaner")
        ordering = ["-start_year", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="slt_plan_ends_after_start"),
            models.UniqueConstraint(fields=["slt_model", "start_year", "title"], name="slt_plan_unique_title"),
        ]

    def __str__(self):
        """ "Handlingsplan for SLT 2025–2028"; a title that names its years already is not given them twice."""
        if any(re.search(rf"\b{year}\b", self.title) for year in (self.start_year, self.end_year)):
            return self.title
        return f"{self.title} {self.period}"

    @property
    def period(self) -> str:
        return f"{self.start_year}–{self.end_year}"

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("Sluttåret kan ikke være før startåret.")})

    def is_current(self, year: int | None = None) -> bool:
        year = year or timezone.localdate().year
        return self.start_year <= year <= self.end_year


class FocusArea(models.Model):
    """A focus area of one plan (rus, vold i nære relasjoner, radikalisering, nettmobbing …)."""

    plan = models.ForeignKey(Handlingsplan, on_delete=models.CASCADE, related_name="focus_areas")
    name = models.CharField(_("navn"), max_length=200)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("fokusområde")
        verbose_name_plural = _("fokusområder")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="slt_focus_area_unique_name")]

    def __str__(self):
        return self.name


class TiltakStatus(models.TextChoices):
    PLANLAGT = "planlagt", _("Planlagt")
    I_GANG = "i_gang", _("I gang")
    GJENNOMFORT = "gjennomfort", _("Gjennomført")
    AVSLUTTET = "avsluttet", _("Avsluttet")


class Tiltak(Tracked):
    """A measure in a plan. Nothing about individuals belongs here (taushetsplikt)."""

    plan = models.ForeignKey(Handlingsplan, on_delete=models.CASCADE, related_name="tiltak")
    focus_area = models.ForeignKey(
        FocusArea, on_delete=models.PROTECT, related_name="tiltak", verbose_name=_("fokusområde")
    )
    title = models.CharField(_("tittel"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)
    responsible_party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ansvarlig part")
    )
    responsible_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ansvarlig person")
    )
    responsible_unit = models.CharField(
        _("ansvarlig enhet"),
        max_length=200,
        blank=True,
        help_text=_("F.eks. «SLT-utøvergruppa» eller «NAV»."),
    )
    target_group = models.CharField(_("målgruppe"), max_length=200, blank=True)
    starts_on = models.DateField(_("fra"), null=True, blank=True)
    ends_on = models.DateField(_("frist"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=TiltakStatus.choices, default=TiltakStatus.PLANLAGT)
    status_changed_at = models.DateTimeField(_("status endret"), default=timezone.now, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("status endret av")
    )

    class Meta:
        verbose_name = _("tiltak")
        verbose_name_plural = _("tiltak")
        ordering = ["focus_area__order", "focus_area__name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="slt_tiltak_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(status__in=TiltakStatus.values), name="slt_tiltak_status_valid"),
        ]

    def __str__(self):
        return self.title

    @property
    def status_tag_color(self) -> str:
        """The Designsystemet colour of the status tag (a tiltak ended without being carried out: warning)."""
        colors = {TiltakStatus.PLANLAGT: "neutral", TiltakStatus.I_GANG: "info", TiltakStatus.GJENNOMFORT: "success"}
        return colors.get(self.status, "warning")

    def clean(self):
        if self.focus_area_id and self.plan_id and self.focus_area.plan_id != self.plan_id:
            raise ValidationError({"focus_area": _("Fokusområdet hører til en annen handlingsplan.")})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Fristen kan ikke være før startdatoen.")})

    @property
    def is_open(self) -> bool:
        return self.status in (TiltakStatus.PLANLAGT, TiltakStatus.I_GANG)

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.ends_on is not None and self.ends_on < today


class TiltakNote(models.Model):
    """A progress note on a tiltak; a status change is recorded as a note with from/to status."""

    tiltak = models.ForeignKey(Tiltak, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("notat"), blank=True)
    from_status = models.CharField(_("fra status"), max_length=20, choices=TiltakStatus.choices, blank=True)
    to_status = models.CharField(_("til status"), max_length=20, choices=TiltakStatus.choices, blank=True)
    created_at = models.DateTimeField(_("skrevet"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("skrevet av")
    )

    class Meta:
        verbose_name = _("fremdriftsnotat")
        verbose_name_plural = _("fremdriftsnotater")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text="") | ~Q(to_status=""), name="slt_note_has_text_or_status_change")
        ]

    def __str__(self):
        return self.text[:60]


class CoordinationGroup(Versioned, Created):
    """A coordination group (OSG, Familieforum, SLT-utøvergruppe …) on the SLT model's middle level.

    Its members, meetings, agenda, minutes and follow-up live in the shared meeting machinery: the group is
    a samarbeid.Forum (one-to-one). The convener is a member of kind leader or secretary (they call meetings
    and write minutes); members may be people without a login.
    """

    class Frequency(models.IntegerChoices):
        MONTHLY = 12, _("Månedlig")
        EVERY_OTHER_MONTH = 6, _("Annenhver måned")
        QUARTERLY = 4, _("Kvartalsvis")
        THREE_A_YEAR = 3, _("Tre ganger i året")
        TWICE_A_YEAR = 2, _("To ganger i året")
        YEARLY = 1, _("Årlig")

    forum = models.OneToOneField(Forum, on_delete=models.PROTECT, related_name="coordination_group", editable=False)
    slt_model = models.ForeignKey(
        SltModel, on_delete=models.CASCADE, related_name="groups", verbose_name=_("SLT-samarbeid")
    )
    purpose = models.TextField(_("formål"), blank=True)
    meetings_per_year = models.PositiveSmallIntegerField(
        _("møtehyppighet"), choices=Frequency.choices, default=Frequency.MONTHLY
    )

    class Meta:
        verbose_name = _("koordineringsgruppe")
        verbose_name_plural = _("koordineringsgrupper")
        ordering = ["forum__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(meetings_per_year__gte=1, meetings_per_year__lte=12), name="slt_group_frequency_range"
            )
        ]

    def __str__(self):
        return self.forum.name

    @property
    def name(self) -> str:
        return self.forum.name

    def compliance(self, held: int, year: int | None = None, today=None) -> "Compliance":
        return Compliance(self.meetings_per_year, held, year, today)


class Compliance:
    """Meetings held in a year against the group's frequency: expected so far (pro rata) and for the year."""

    def __init__(self, per_year: int, held: int, year: int | None = None, today=None):
        today = today or timezone.localdate()
        self.year = year or today.year
        self.per_year = per_year
        self.held = held
        if self.year < today.year:
            self.expected_so_far = per_year
        elif self.year > today.year:
            self.expected_so_far = 0
        else:
            days_in_year = 366 if calendar.isleap(self.year) else 365
            self.expected_so_far = per_year * today.timetuple().tm_yday // days_in_year

    @property
    def on_track(self) -> bool:
        return self.held >= self.expected_so_far
