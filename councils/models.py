"""Politiråd: a council for one or several kommuner and a police unit, built on the core meeting machinery.

- ``Council`` is linked one-to-one to a ``samarbeid.Forum`` (name, kommuner, police party, fixed agenda
  points, members and meetings live there; see samarbeid/meetings.py). It adds who leads (the ordfører of
  the hosting kommune), who is secretary (the SLT-koordinator, or alternating kommune/police every second
  year), the minimum number of meetings a year and the agreement that sets these rules.
- ``YearPlan`` — the årshjul: the themes of each month and the planned meetings of a year, decided at the last
  meeting of the year before; it starts from what the year before's evaluation said should change.
- ``Evaluation`` — the written year-end evaluation, one per council and year: answers to the veileder's questions
  (councils/veileder.py), every saved text kept in ``EvaluationVersion``.
- ``LogEntry`` — the politikontakt's log per kommune (kind, date, duration, a short note, no personal data).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samarbeid.append_only import AppendOnly, AppendOnlyTrigger
from samarbeid.concurrency import Versioned
from samarbeid.models import (
    Audited,
    Forum,
    Kommune,
    Meeting,
    Party,
    PoliceUnit,
    Role,
    RoleAssignment,
    User,
    author,
)
from samarbeid.validators import validate_no_personal_data

DEFAULT_AGENDA = [
    "Referatsaker",
    "Nytt fra politiet",
    "Nytt fra kommunen",
    "Vold i nære relasjoner",
    "Radikalisering",
    "Tema fra årshjul",
    "Eventuelt",
]
# The same points for a council hosted by a nynorsk kommune (språklova: the kommune's målform).
DEFAULT_AGENDA_NN = [
    "Referatsaker",
    "Nytt frå politiet",
    "Nytt frå kommunen",
    "Vald i nære relasjonar",
    "Radikalisering",
    "Tema frå årshjulet",
    "Eventuelt",
]


class Council(Versioned, Audited):
    class SecretaryRule(models.TextChoices):
        SLT_KOORDINATOR = "slt_koordinator", _("SLT-koordinatoren er sekretær")
        ALTERNATING = "alternating", _("Kommunen og politiet bytter annethvert år")

    edited_by_field, edited_at_field = "updated_by", "updated_at"

    forum = models.OneToOneField(Forum, on_delete=models.PROTECT, related_name="council", editable=False)
    host_kommune = models.ForeignKey(
        Kommune,
        on_delete=models.PROTECT,
        related_name="hosted_councils",
        verbose_name=_("vertskommune"),
        help_text=_("Ordføreren i vertskommunen leder politirådet."),
    )
    police_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.PROTECT, related_name="councils", verbose_name=_("politienhet")
    )
    secretary_rule = models.CharField(
        _("sekretær"), max_length=20, choices=SecretaryRule.choices, default=SecretaryRule.SLT_KOORDINATOR
    )
    alternation_start_year = models.PositiveSmallIntegerField(
        _("kommunen er sekretær fra år"),
        null=True,
        blank=True,
        help_text=_("Ved veksling: året kommunen har sekretæransvaret; politiet har det året etter, og så videre."),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    min_meetings_per_year = models.PositiveSmallIntegerField(
        _("minste antall møter i året"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="councils",
        verbose_name=_("samarbeidsavtale"),
    )

    class Meta:
        verbose_name = _("politiråd")
        verbose_name_plural = _("politiråd")
        permissions = [("write_log", _("Kan skrive i politikontaktens logg"))]
        constraints = [
            models.CheckConstraint(condition=Q(min_meetings_per_year__gte=1), name="council_min_meetings_positive"),
            models.CheckConstraint(
                condition=~Q(secretary_rule="alternating") | Q(alternation_start_year__isnull=False),
                name="council_alternating_needs_start_year",
                violation_error_message=_("Oppgi året kommunen har sekretæransvaret når det veksler."),
            ),
        ]

    def __str__(self):
        return self.forum.name

    @property
    def name(self) -> str:
        return self.forum.name

    def clean(self):
        if self.secretary_rule == self.SecretaryRule.ALTERNATING and not self.alternation_start_year:
            raise ValidationError(
                {"alternation_start_year": _("Oppgi året kommunen har sekretæransvaret når det veksler.")}
            )

    def leader(self, on: datetime.date | None = None) -> RoleAssignment | None:
        """The ordfører of the hosting kommune (today, or on a date)."""
        return RoleAssignment.objects.active(on).filter(self._leader_role()).select_related("person").first()

    def secretary_party(self, year: int) -> Party:
        if self.secretary_rule == self.SecretaryRule.ALTERNATING and (year - self.alternation_start_year) % 2:
            return self.police_unit
        return self.host_kommune

    def secretary(self, year: int | None = None) -> RoleAssignment | None:
        """Who is secretary this year: the kommune's SLT-koordinator, or the politikontakt in the police's years."""
        return self.leader_and_secretary(year)[1]

    def leader_and_secretary(self, year: int | None = None) -> tuple[RoleAssignment | None, RoleAssignment | None]:
        """Today's leader and the secretary of `year` (this year by default), with their person and party, in one
        query (the council's page and its members by role need both)."""
        year = year or timezone.localdate().year
        wanted = self._leader_role() | self._secretary_role(year)
        holders = list(RoleAssignment.objects.active().filter(wanted).select_related("person", "party"))
        first_leader = next((h for h in holders if h.role == Role.ORDFORER), None)  # as .first(): the Meta ordering
        return first_leader, next((h for h in holders if h.role != Role.ORDFORER), None)

    def _leader_role(self) -> Q:
        return Q(party_id=self.host_kommune_id, role=Role.ORDFORER)

    def _secretary_role(self, year: int) -> Q:
        party = self.secretary_party(year)
        return Q(
            party_id=party.pk, role=Role.POLITIKONTAKT if party.pk == self.police_unit_id else Role.SLT_KOORDINATOR
        )


class YearPlan(Versioned):
    """The årshjul of a year: decided at the last meeting of the year before; its meetings are the plan."""

    edited_by_field, edited_at_field = "updated_by", "updated_at"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="year_plans")
    year = models.PositiveSmallIntegerField(_("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    decided_at = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vedtatt i møtet"),
    )
    note = models.TextField(_("merknad"), blank=True)
    # The theme of each month: {"1": "Rus og ungdom", ...}; a meeting's "tema fra årshjul" is its month's.
    themes = models.JSONField(_("tema per måned"), default=dict, blank=True)
    # What the evaluation of the year before said should change, as it stood when the plan was started:
    # {"year": 2025, "answers": {"lessons": "...", "themes": "..."}} (councils.services.year_plan_create).
    starting_point = models.JSONField(_("utgangspunkt fra evalueringen"), default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = author()

    class Meta:
        verbose_name = _("årshjul")
        verbose_name_plural = _("årshjul")
        constraints = [models.UniqueConstraint(fields=["council", "year"], name="one_year_plan_per_council_year")]

    def __str__(self):
        return f"{self.council} {self.year}"

    def clean(self):
        if self.decided_at_id and timezone.localtime(self.decided_at.starts_at).year != self.year - 1:
            raise ValidationError({"decided_at": _("Årshjulet vedtas i et møte året før.")})

    def theme_of(self, month: int) -> str:
        return self.themes.get(str(month), "")


class Evaluation(Versioned):
    """The written year-end evaluation of a council: its answers to the veileder's questions (councils/veileder.py),
    {question key: text}, written beside the year's figures (councils.services.evaluation_figures)."""

    edited_by_field, edited_at_field = "submitted_by", "submitted_at"

    DUE_FROM = (12, 1)  # month, day: due from 1 December of the year

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("år"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    answers = models.JSONField(_("svar"), default=dict, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_by = author()

    class Meta:
        verbose_name = _("årsevaluering")
        verbose_name_plural = _("årsevalueringer")
        constraints = [models.UniqueConstraint(fields=["council", "year"], name="one_evaluation_per_council_year")]

    def __str__(self):
        return f"{self.council} {self.year}"

    def answer(self, key: str) -> str:
        return self.answers.get(key, "")


class EvaluationVersion(AppendOnly):
    """One saved text of a year-end evaluation (append-only): every answer as it was saved, by whom, when."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="versions")
    answers = models.JSONField(_("svar"))
    saved_at = models.DateTimeField(_("lagret"), default=timezone.now, editable=False)
    saved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    append_only_detachable = "saved_by"

    class Meta:
        triggers = [AppendOnlyTrigger(detachable="saved_by")]
        verbose_name = _("versjon av årsevalueringen")
        verbose_name_plural = _("versjoner av årsevalueringen")
        ordering = ["evaluation", "-saved_at", "-pk"]

    def __str__(self):
        return f"{self.evaluation} {self.saved_at:%Y-%m-%d %H:%M}"


class LogEntry(Versioned, Audited):
    """One entry in the politikontakt's log. The note must never identify a person."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Møte")
        PRESENCE_DAY = "presence_day", _("Tilstedeværelse i kommunen")
        OFFICE_HOURS = "office_hours", _("Kontortid")
        SCHOOL_LECTURE = "school_lecture", _("Foredrag på skole")
        NETWORK_CONTACT = "network_contact", _("Nettverkskontakt")

    PRESENCE_KINDS = (Kind.PRESENCE_DAY, Kind.OFFICE_HOURS)

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="log_entries")
    kommune = models.ForeignKey(Kommune, on_delete=models.PROTECT, related_name="+", verbose_name=_("kommune"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("dato"), default=timezone.localdate)
    duration_minutes = models.PositiveSmallIntegerField(
        _("varighet (minutter)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    note = models.CharField(
        _("kort notat"),
        max_length=300,
        blank=True,
        validators=[validate_no_personal_data],
        help_text=_("Ingen personopplysninger: skriv aldri navn eller noe som identifiserer en person."),
    )
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    edited_by_field, edited_at_field = "updated_by", "updated_at"

    class Meta:
        verbose_name = _("loggføring")
        verbose_name_plural = _("politikontaktens logg")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["council", "kommune", "-date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=24 * 60), name="log_duration_range"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"

    @property
    def duration_display(self) -> str:
        hours, minutes = divmod(self.duration_minutes, 60)
        return f"{hours}:{minutes:02d}"


class LogEntryChange(AppendOnly):
    """The history of the politikontakt's log: each correction or deletion by the entry's author, with what the
    entry said before (a deleted entry is gone from the log; its history stays with the council)."""

    class Action(models.TextChoices):
        CHANGED = "changed", _("Rettet")
        DELETED = "deleted", _("Slettet")

    append_only_detachable = "entry"

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="log_changes")
    entry = models.ForeignKey(LogEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    action = models.CharField(_("endring"), max_length=10, choices=Action.choices)
    before = models.JSONField(_("før endringen"))  # kommune (name), kind, date, duration_minutes, note
    changed_at = models.DateTimeField(_("endret"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("endret av"))

    class Meta:
        verbose_name = _("endring i loggen")
        verbose_name_plural = _("endringer i loggen")
        ordering = ["-changed_at", "-pk"]
        triggers = [AppendOnlyTrigger(detachable="entry")]

    def __str__(self):
        return f"{self.get_action_display()} {self.changed_at:%d.%m.%Y}"

    @property
    def before_date(self) -> datetime.date:
        return datetime.date.fromisoformat(self.before["date"])
