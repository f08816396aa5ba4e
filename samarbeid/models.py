"""The core shared by every app: parties (tenants), people, and the roles people hold in parties.

A *party* is anyone that signs or takes part in a cooperation: a politidistrikt, a police unit under
it, or a kommune. Roles are held by a person in a party over a period; roles (not individual grants)
decide what a person may do, through samarbeid.permissions.
"""

import datetime
import secrets
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, TruncDate
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samarbeid.append_only import AppendOnly, AppendOnlyTrigger
from samarbeid.concurrency import Versioned
from samarbeid.storage import private_storage


class Malform(models.TextChoices):
    """The written standard a text is in (språklova)."""

    BOKMAL = "nb", _("Bokmål")
    NYNORSK = "nn", _("Nynorsk")


class Sprakvedtak(models.TextChoices):
    """A kommune's language decision; where neutral, the kommune chooses per document."""

    BOKMAL = "nb", _("Bokmål")
    NYNORSK = "nn", _("Nynorsk")
    NOYTRAL = "noytral", _("Nøytral")


class Party(models.Model):
    """Base of every tenant: a Politidistrikt, a PoliceUnit or a Kommune (multi-table inheritance)."""

    class Kind(models.TextChoices):
        POLITIDISTRIKT = "politidistrikt", _("Politidistrikt")
        POLICE_UNIT = "police_unit", _("Politienhet")
        KOMMUNE = "kommune", _("Kommune")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, editable=False)
    name = models.CharField(_("navn"), max_length=200)
    name_nn = models.CharField(_("navn på nynorsk"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parter")
        ordering = ["name"]
        permissions = [("act_for_party", _("Kan opptre på vegne av parten"))]

    def __str__(self):
        return self.name

    def name_in(self, malform: str) -> str:
        return self.name_nn if malform == Malform.NYNORSK and self.name_nn else self.name

    @property
    def is_police(self) -> bool:
        return self.kind in (self.Kind.POLITIDISTRIKT, self.Kind.POLICE_UNIT)

    def specific(self) -> "Party":
        """The Kommune, PoliceUnit or Politidistrikt this party is."""
        return getattr(self, self.kind.replace("_", ""))


class Politidistrikt(Party):
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    short_name = models.CharField(_("kortnavn"), max_length=40, unique=True)
    seat = models.CharField(_("hovedsete"), max_length=100, blank=True)
    politiloggen_id = models.PositiveIntegerField(_("Politiloggen-id"), null=True, blank=True)

    class Meta:
        verbose_name = _("politidistrikt")
        verbose_name_plural = _("politidistrikter")
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.kind = Party.Kind.POLITIDISTRIKT
        super().save(*args, **kwargs)


class PoliceUnit(Party):
    """A unit that signs agreements: politistasjonsdistrikt, lensmannsdistrikt or tjenesteenhet."""

    class UnitKind(models.TextChoices):
        POLITISTASJONSDISTRIKT = "politistasjonsdistrikt", _("Politistasjonsdistrikt")
        LENSMANNSDISTRIKT = "lensmannsdistrikt", _("Lensmannsdistrikt")
        TJENESTEENHET = "tjenesteenhet", _("Tjenesteenhet")

    district = models.ForeignKey(
        Politidistrikt, on_delete=models.PROTECT, related_name="units", verbose_name=_("politidistrikt")
    )
    unit_kind = models.CharField(_("enhetstype"), max_length=30, choices=UnitKind.choices)
    kommuner: "models.ManyToManyField[Kommune, Any]" = models.ManyToManyField(
        "Kommune", blank=True, related_name="police_units", verbose_name=_("kommuner")
    )

    class Meta:
        verbose_name = _("politienhet")
        verbose_name_plural = _("politienheter")
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.kind = Party.Kind.POLICE_UNIT
        super().save(*args, **kwargs)


class Tjenestested(models.Model):
    """A police office (lensmannskontor, politistasjon) with opening hours."""

    class PlaceKind(models.TextChoices):
        POLITISTASJON = "politistasjon", _("Politistasjon")
        LENSMANNSKONTOR = "lensmannskontor", _("Lensmannskontor")
        POLITIPOST = "politipost", _("Politipost")

    police_unit = models.ForeignKey(
        PoliceUnit, on_delete=models.CASCADE, related_name="tjenestesteder", verbose_name=_("politienhet")
    )
    name = models.CharField(_("navn"), max_length=200)
    place_kind = models.CharField(_("type"), max_length=20, choices=PlaceKind.choices)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    publikumsekspedisjon = models.BooleanField(_("publikumsekspedisjon"), default=False)
    opening_note = models.CharField(_("merknad om åpningstider"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tjenestested")
        verbose_name_plural = _("tjenestesteder")
        ordering = ["name"]

    def __str__(self):
        return self.name


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("mandag")
        TUESDAY = 1, _("tirsdag")
        WEDNESDAY = 2, _("onsdag")
        THURSDAY = 3, _("torsdag")
        FRIDAY = 4, _("fredag")
        SATURDAY = 5, _("lørdag")
        SUNDAY = 6, _("søndag")

    tjenestested = models.ForeignKey(Tjenestested, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("ukedag"), choices=Weekday.choices)
    opens = models.TimeField(_("åpner"))
    closes = models.TimeField(_("stenger"))

    class Meta:
        verbose_name = _("åpningstid")
        verbose_name_plural = _("åpningstider")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="opening_hours_closes_after_opens")
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Kommune(Party):
    number = models.CharField(_("kommunenummer"), max_length=4, unique=True)
    population = models.PositiveIntegerField(_("folketall"))
    population_date = models.DateField(_("folketall per"))
    sprakvedtak = models.CharField(_("språkvedtak"), max_length=10, choices=Sprakvedtak.choices)
    district = models.ForeignKey(
        Politidistrikt, on_delete=models.PROTECT, related_name="kommuner", verbose_name=_("politidistrikt")
    )
    fylke_number = models.CharField(_("fylkesnummer"), max_length=2)
    fylke_name = models.CharField(_("fylke"), max_length=100)
    admin_centre = models.CharField(_("administrasjonssenter"), max_length=100, blank=True)
    # Another kommune has the same name (Herøy, Våler): wherever kommuner are listed, the fylke tells them apart.
    shares_name = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]

    def __str__(self):
        """The name a list or a picker shows: "Herøy kommune (Nordland)" where the name alone is not enough."""
        return f"{self.name} ({self.fylke_name})" if self.shares_name else self.name

    def save(self, *args, **kwargs):
        self.kind = Party.Kind.KOMMUNE
        super().save(*args, **kwargs)

    @property
    def default_malform(self) -> str:
        """The målform documents to this kommune are written in (neutral kommuner get bokmål until they choose)."""
        return Malform.NYNORSK if self.sprakvedtak == Sprakvedtak.NYNORSK else Malform.BOKMAL

    def response_time_requirement(self) -> "ResponseTimeRequirement":
        return ResponseTimeRequirement.for_population(self.population)


class ResponseTimeRequirement:
    """The national requirement: 80 % of urgent events reached within N minutes, by population."""

    PERCENT = 80

    def __init__(self, minutes: int, band: str | Promise):
        self.minutes = minutes
        self.band = band

    @classmethod
    def for_population(cls, population: int) -> "ResponseTimeRequirement":
        if population < 2000:
            return cls(30, _("færre enn 2 000 innbyggere"))
        if population <= 20000:
            return cls(17, _("mellom 2 000 og 20 000 innbyggere"))
        return cls(12, _("over 20 000 innbyggere"))

    def __eq__(self, other):
        return isinstance(other, ResponseTimeRequirement) and self.minutes == other.minutes


class Person(models.Model):
    """A person in the cooperation; may exist without a login (a BUP member, a contact)."""

    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    organisation = models.CharField(_("organisasjon"), max_length=200, blank=True)
    language = models.CharField(
        _("målform"),
        max_length=2,
        choices=Malform.choices,
        blank=True,
        help_text=_("Tom: målformen til kommunen personen har en rolle i."),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def own_malform(self) -> str | None:
        """The målform this person is spoken to in on every page: their own choice, else that of a kommune with a
        språkvedtak (bokmål or nynorsk) they hold a role in; None when neither says (police people, neutral
        kommuner), and then the browser's or the language switch's choice holds."""
        return self._malform_and_roles()[0]

    def malform(self, default: str = Malform.BOKMAL) -> str:
        """The målform of e-mail to this person: their own (above); anyone else with a role gets bokmål, and a
        person without one `default` (e.g. nynorsk for a guest of a nynorsk kommune's forum)."""
        own, has_roles = self._malform_and_roles()
        return own or (Malform.BOKMAL if has_roles else default)

    def _malform_and_roles(self) -> tuple[str | None, bool]:
        if self.language:
            return self.language, True
        roles = list(RoleAssignment.objects.active().filter(person=self).select_related("party__kommune"))
        for role in roles:
            if role.party.kind == Party.Kind.KOMMUNE and role.party.kommune.sprakvedtak != Sprakvedtak.NOYTRAL:
                return role.party.kommune.default_malform, True
        return None, bool(roles)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("E-post må oppgis")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Its person carries the name and the roles; group membership mirrors active roles."""

    email = models.EmailField(_("e-post"), unique=True)
    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="user", verbose_name=_("person")
    )
    is_staff = models.BooleanField(_("administrator"), default=False)
    is_active = models.BooleanField(_("aktiv"), default=True)
    date_joined = models.DateTimeField(_("registrert"), default=timezone.now)
    roles_synced_on = models.DateField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")

    def __str__(self):
        return self.get_full_name()

    def get_full_name(self):
        return self.person.name if self.person_id else self.email

    def get_short_name(self):
        return self.get_full_name()


def author(verbose_name=None) -> models.ForeignKey:
    """Who did something to a row: the one `on_delete` for every such reference (see Created)."""
    return models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=verbose_name
    )


class Created(models.Model):
    """Who created a row, and when.

    The author is PROTECTed, never SET_NULL: people leave by being deactivated (login closed, roles and memberships
    ended), not deleted, and a record of who wrote or decided something must not lose its author without a trace.
    SET_NULL would do just that, and on a signed agreement's tables or a log the database refuses the UPDATE it
    needs anyway. Deleting a user who authored anything is refused; deactivate them instead. The author may be
    empty: rows made by the system (the importer, the demo, daily jobs) have none.
    """

    created_at = models.DateTimeField(_("opprettet"), default=timezone.now, editable=False)
    created_by = author(_("opprettet av"))

    class Meta:
        abstract = True


class Audited(Created):
    """Created, and who changed the row last and when (Versioned rows: claim_version sets both on each edit).

    `updated_at` starts at the creation time; a model where "changed since" matters (a corrected log entry, an
    edited follow-up) overrides it as nullable, empty until the first change."""

    updated_at = models.DateTimeField(_("endret"), default=timezone.now, editable=False)
    updated_by = author(_("endret av"))

    class Meta:
        abstract = True


class Role(models.TextChoices):
    # kommune
    ORDFORER = "ordforer", _("Ordfører")
    VARAORDFORER = "varaordforer", _("Varaordfører")
    RADMANN = "radmann", _("Rådmann / kommunedirektør")
    KOMMUNALSJEF = "kommunalsjef", _("Kommunalsjef")
    SLT_KOORDINATOR = "slt_koordinator", _("SLT-koordinator")
    # police
    POLITIKONTAKT = "politikontakt", _("Politikontakt")
    POLITISTASJONSSJEF = "politistasjonssjef", _("Politistasjonssjef")
    POLITIMESTER = "politimester", _("Politimester")
    LENSMANN = "lensmann", _("Lensmann")
    TJENESTEENHETSLEDER = "tjenesteenhetsleder", _("Tjenesteenhetsleder")
    NARPOLITISJEF = "narpolitisjef", _("Nærpolitisjef")
    DISTRIKT_ADMIN = "distrikt_admin", _("Malansvarlig i politidistriktet")
    # either
    ANNEN = "annen", _("Andre etter behov")
    # national, read-only overview of every district (there is no national party: the role is held in the
    # party the person sits with, which it grants nothing in)
    POLITIDIREKTORATET = "politidirektoratet", _("Politidirektoratet")
    KS = "ks", _("KS")

    @classmethod
    def kommune_roles(cls):
        return [cls.ORDFORER, cls.VARAORDFORER, cls.RADMANN, cls.KOMMUNALSJEF, cls.SLT_KOORDINATOR, cls.ANNEN]

    @classmethod
    def police_roles(cls):
        return [
            cls.POLITIKONTAKT,
            cls.POLITISTASJONSSJEF,
            cls.POLITIMESTER,
            cls.LENSMANN,
            cls.TJENESTEENHETSLEDER,
            cls.NARPOLITISJEF,
            cls.DISTRIKT_ADMIN,
            cls.ANNEN,
        ]

    @classmethod
    def national_roles(cls):
        """The roles that read the national overview (oversight/), and nothing else."""
        return [cls.POLITIDIREKTORATET, cls.KS]

    @classmethod
    def police_leader_roles(cls):
        """The roles that sign for the police."""
        return [cls.POLITISTASJONSSJEF, cls.POLITIMESTER, cls.LENSMANN, cls.TJENESTEENHETSLEDER]


class HeldQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)


class HeldByPerson(models.Model):
    """What a person holds from a date until a date (inclusive) or further notice: a role, a membership.

    What it grants follows the period: the services that change one (samarbeid.roles, samarbeid.meetings'
    membership_add/membership_end) re-sync the person's login at once, and the daily sync (samarbeid.middleware)
    catches periods that start or end with the calendar. Saving one directly re-syncs nothing.
    """

    starts_on = models.DateField(_("fra"), default=timezone.localdate)
    ends_on = models.DateField(_("til"), null=True, blank=True)

    objects = HeldQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class RoleAssignment(HeldByPerson):
    """A person holds a role in a party from a date, until a date (inclusive) or further notice."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person"))
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="roles", verbose_name=_("part"))
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    title = models.CharField(
        _("tittel"),
        max_length=200,
        blank=True,
        help_text=_("Som den skal stå i avtaler, f.eks. «Kommunalsjef Helse og sosial»."),
    )
    stillingsprosent = models.DecimalField(
        _("stillingsprosent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        ordering = ["party__name", "role", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="role_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(stillingsprosent__isnull=True) | Q(stillingsprosent__gte=0, stillingsprosent__lte=100),
                name="role_stillingsprosent_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.display_title} – {self.party}"

    @property
    def display_title(self) -> str:
        return self.title or self.get_role_display()

    def clean(self):
        if self.party_id is None:
            return
        allowed = Role.police_roles() if self.party.is_police else Role.kommune_roles()
        if self.role not in [*allowed, *Role.national_roles()]:  # national roles are held in any party
            raise ValidationError({"role": _("Rollen passer ikke for denne typen part.")})


class PartyRoleGroup(models.Model):
    """The one auth Group per (party, role); object permissions are granted to these groups."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=30, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="party_role")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "role"], name="one_group_per_party_role")]

    def __str__(self):
        return self.group.name


# ---------------------------------------------------------------------------------------------------------------------
# Meetings: the machinery shared by politiråd (councils) and SLT coordination groups (slt).
# See samarbeid/meetings.py for the services, the access functions and how an app reuses this.
# ---------------------------------------------------------------------------------------------------------------------


def validate_one_line(value: str) -> None:
    """Names go into e-mail subjects and iCalendar lines: no line breaks or other control characters."""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValidationError(_("Navnet kan ikke ha linjeskift eller andre kontrolltegn."))


class Forum(Created):
    """A body that meets: a politiråd or an SLT coordination group. Apps link to it one-to-one.

    Each forum has two auth groups kept in line with its memberships by `sync_user_roles`: every active
    member (not guests) is in `member_group`; leaders and secretaries are also in `organiser_group`.
    """

    class Kind(models.TextChoices):
        POLITIRAD = "politirad", _("Politiråd")
        COORDINATION_GROUP = "koordineringsgruppe", _("Koordineringsgruppe")

    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("navn"), max_length=200, validators=[validate_one_line])
    kommuner = models.ManyToManyField(Kommune, related_name="forums", verbose_name=_("kommuner"))
    police_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="police_forums",
        verbose_name=_("politiet"),
    )
    standard_agenda = models.TextField(
        _("faste punkter på sakslisten"), blank=True, help_text=_("Ett punkt per linje.")
    )
    member_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="+", editable=False, null=True)
    organiser_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="+", editable=False, null=True)

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("fora")
        ordering = ["name"]
        indexes = [
            # guardian lists a user's forums (get_objects_for_user, samarbeid.permissions.visible_to) by
            # `object_pk IN (SELECT id::varchar FROM forum)`: without this the cast id is compared row by row
            # (perms × forums). Measured on benchmarks/feed.py's district-wide persona (88 forum grants), the feed's
            # forum query 12 → 0.6 ms, its meeting query 28 → 12.5 ms (EXPLAIN ANALYZE, national scale).
            models.Index(Cast("id", models.CharField()), name="forum_id_as_text_idx"),
        ]
        permissions = [
            ("manage_meetings", _("Kan planlegge møter og skrive referat")),
            ("view_closed_minutes", _("Kan lese lukkede referater")),
        ]

    def __str__(self):
        return self.name

    def standard_agenda_points(self) -> list[str]:
        return [line.strip() for line in self.standard_agenda.splitlines() if line.strip()]

    def party_rows(self) -> "models.QuerySet[Party]":
        """The kommuner and the police party as base Party rows (role groups are keyed on Party)."""
        return Party.objects.filter(Q(pk__in=self.kommuner.values("pk")) | Q(pk=self.police_party_id))

    def parties(self) -> list[Party]:
        return list(self.party_rows())


class ForumMembership(HeldByPerson, Created):
    """A person in a forum over a period; history is kept (end a membership, never delete it)."""

    class Kind(models.TextChoices):
        LEADER = "leader", _("Leder")
        SECRETARY = "secretary", _("Sekretær")
        MEMBER = "member", _("Fast medlem")
        DEPUTY = "deputy", _("Stedfortreder")
        GUEST = "guest", _("Invitert gjest")

    ORGANISER_KINDS = (Kind.LEADER, Kind.SECRETARY)
    MEMBER_KINDS = (Kind.LEADER, Kind.SECRETARY, Kind.MEMBER, Kind.DEPUTY)

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("forum"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="forum_memberships", verbose_name=_("person")
    )
    kind = models.CharField(_("medlemskap"), max_length=20, choices=Kind.choices, default=Kind.MEMBER)
    deputy_for = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputies",
        verbose_name=_("stedfortreder for"),
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("representerer")
    )
    role_title = models.CharField(_("rolle i forumet"), max_length=200, blank=True)
    organisation = models.CharField(
        _("organisasjon"), max_length=200, blank=True, help_text=_("F.eks. barnevern, BUP, NAV, PST.")
    )
    ended_by = author()

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")
        ordering = ["forum", "kind", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="forum_membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind="deputy") | Q(deputy_for__isnull=True), name="forum_membership_only_deputies_deputise"
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_kind_display()} – {self.forum}"


class MeetingQuerySet(models.QuerySet):
    def public(self):
        """Meetings whose minutes are public: open meetings with approved minutes that are published
        (samarbeid/exemptions.py: the latest Publication of the meeting publishes it)."""
        from django.contrib.contenttypes.models import ContentType

        latest = Publication.objects.filter(
            target_type=ContentType.objects.get_for_model(Meeting), target_id=models.OuterRef("pk")
        ).order_by("-at", "-pk")
        return self.filter(is_closed=False, status=Meeting.Status.MINUTES_APPROVED).filter(
            models.Subquery(latest.values("published")[:1])
        )

    def in_year(self, year: int):
        return self.filter(starts_at__year=year)


class Meeting(Versioned, Audited):
    """One meeting of a forum: planned → innkalt → avholdt → referat godkjent, or avlyst."""

    edited_by_field, edited_at_field = "updated_by", "updated_at"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planlagt")
        SUMMONED = "summoned", _("Innkalt")
        HELD = "held", _("Avholdt")
        MINUTES_APPROVED = "minutes_approved", _("Referat godkjent")
        CANCELLED = "cancelled", _("Avlyst")

    NOTICE_DAYS = 7  # the veileder: innkalling senest én uke før, where the forum has no rule of its own

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("forum"))
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    starts_at = models.DateTimeField(_("starter"))
    ends_at = models.DateTimeField(_("slutter"))
    place = models.CharField(_("sted"), max_length=200, blank=True)
    theme = models.CharField(_("tema"), max_length=200, blank=True)
    is_closed = models.BooleanField(
        _("lukket møte"), default=False, help_text=_("Lukket, unntatt offentlighet: referatet er bare for medlemmer.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    sequence = models.PositiveIntegerField(default=0, editable=False)  # iCalendar SEQUENCE
    summoned_at = models.DateTimeField(_("innkalling sendt"), null=True, blank=True, editable=False)
    summoned_by = author()
    held_marked_at = models.DateTimeField(_("markert avholdt"), null=True, blank=True, editable=False)
    held_marked_by = author()
    minutes_approved_at = models.DateTimeField(_("referat godkjent"), null=True, blank=True, editable=False)
    minutes_approved_by = author()
    cancelled_at = models.DateTimeField(_("avlyst"), null=True, blank=True, editable=False)
    cancelled_by = author()

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("møte")
        verbose_name_plural = _("møter")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(status="summoned") | Q(summoned_at__isnull=False), name="meeting_summoned_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="meeting_cancelled_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="minutes_approved") | Q(minutes_approved_at__isnull=False),
                name="meeting_approved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["forum", "starts_at"]),
            # The open meetings (planned, summoned, held: ~1 % of them) of the forums a user organises: Min side's
            # and the daily reminders' meeting tasks (councils.mytasks.meeting_tasks). At national scale a seq
            # scan of 31,820 meetings became an index scan of 362 (1,014 → 533 buffers): 20 → 2–5 ms (EXPLAIN
            # ANALYZE on a quiet minute; 31 → 14 ms median on a loaded one).
            models.Index(fields=["status"], name="meeting_status_idx"),
        ]

    def __str__(self):
        return f"{self.forum} {timezone.localtime(self.starts_at):%d.%m.%Y}"

    @property
    def is_public(self) -> bool:
        """Open, minutes approved and published (kept on the instance: readings of many meetings set it at once)."""
        if self.is_closed or self.status != self.Status.MINUTES_APPROVED:
            return False
        if "_published" not in self.__dict__:
            self.__dict__["_published"] = is_published(self)
        return self.__dict__["_published"]

    @property
    def notice_days(self) -> int:
        """Days of notice the forum requires (its rule, e.g. a politiråd's agreement; see samarbeid.meetings)."""
        return innkalling_days(self)

    @property
    def notice_was_late(self) -> bool:
        """Whether the innkalling went out after the forum's deadline (innkalling_was_late below)."""
        return innkalling_was_late(self)

    @property
    def is_editable(self) -> bool:
        return self.status not in (self.Status.MINUTES_APPROVED, self.Status.CANCELLED)

    @property
    def status_tag_color(self) -> str:
        """The Designsystemet colour of the status tag: cancelled red, minutes approved green, the rest blue."""
        colors: dict[str, str] = {self.Status.CANCELLED: "danger", self.Status.MINUTES_APPROVED: "success"}
        return colors.get(self.status, "info")

    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class AgendaItem(Versioned, Created):
    """A case on a meeting's agenda, numbered per forum and year: "Sak 3/2025"; `version` is its minutes'."""

    edited_by_field, edited_at_field = "minutes_updated_by", "minutes_updated_at"

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+", editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    year = models.PositiveSmallIntegerField(_("år"), editable=False)
    number = models.PositiveIntegerField(_("saksnummer"), editable=False)
    position = models.PositiveIntegerField(_("rekkefølge"), default=0)
    title = models.CharField(_("tittel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    is_referatsaker = models.BooleanField(_("referatsaker"), default=False, editable=False)
    proposed_by = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("meldt inn av")
    )
    minutes = models.TextField(_("referat"), blank=True)
    minutes_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    minutes_updated_by = author()

    class Meta:
        verbose_name = _("sak")
        verbose_name_plural = _("saker")
        ordering = ["meeting", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "year", "number"], name="agenda_item_number_per_forum_year")
        ]

    def __str__(self):
        return f"{self.case_number} {self.title}"

    @property
    def case_number(self) -> str:
        return _("Sak %(number)s/%(year)s") % {"number": self.number, "year": self.year}


class MinutesVersion(AppendOnly):
    """One saved text of an agenda item's minutes (append-only): the item's whole minutes history."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="minutes_versions")
    text = models.TextField(_("referat"), blank=True)
    written_at = models.DateTimeField(_("lagret"), default=timezone.now, editable=False)
    written_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    append_only_detachable = "written_by"

    class Meta:
        triggers = [AppendOnlyTrigger(detachable="written_by")]
        verbose_name = _("referatversjon")
        verbose_name_plural = _("referatversjoner")
        ordering = ["agenda_item", "-written_at", "-pk"]

    def __str__(self):
        return f"{self.agenda_item} {self.written_at:%Y-%m-%d %H:%M}"


class MeetingClosedChange(AppendOnly):
    """A recorded decision to close or open a meeting (append-only): who, when, from what to what, and why."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="closed_changes")
    was_closed = models.BooleanField(_("var lukket"))
    is_closed = models.BooleanField(_("er lukket"))
    reason = models.TextField(_("hjemmel eller grunn"), blank=True)
    changed_at = models.DateTimeField(_("endret"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    append_only_detachable = "changed_by"

    class Meta:
        triggers = [AppendOnlyTrigger(detachable="changed_by")]
        verbose_name = _("endring av lukket møte")
        verbose_name_plural = _("endringer av lukket møte")
        ordering = ["meeting", "changed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(was_closed=models.F("is_closed")), name="closed_change_changes"),
            models.CheckConstraint(
                condition=Q(is_closed=True) | ~Q(reason=""), name="closed_change_opening_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.meeting}: {self.was_closed} → {self.is_closed}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Til stede")
        ABSENT = "absent", _("Fraværende")
        REPRESENTED = "represented", _("Representert ved stedfortreder")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    membership = models.ForeignKey(ForumMembership, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("oppmøte"), max_length=20, choices=Status.choices)
    represented_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("representert ved")
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = author()

    class Meta:
        verbose_name = _("oppmøte")
        verbose_name_plural = _("oppmøter")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="one_attendance_per_member"),
            models.CheckConstraint(
                condition=Q(status="represented") | Q(represented_by__isnull=True),
                name="attendance_only_represented_has_deputy",
            ),
        ]

    def __str__(self):
        return f"{self.membership.person} – {self.get_status_display()}"


class Decision(Created):
    """A vedtak made under an agenda item."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("vedtak"))

    class Meta:
        verbose_name = _("vedtak")
        verbose_name_plural = _("vedtak")
        ordering = ["agenda_item", "created_at", "pk"]

    def __str__(self):
        return self.text[:80]


class FollowUpActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=FollowUpAction.Status.OPEN)

    def overdue(self, on: datetime.date | None = None):
        return self.open().filter(due_on__lt=on or timezone.localdate())


class FollowUpAction(Versioned, Audited):
    """Oppfølging of a decision: who (person and party), by when, and its status."""

    class Status(models.TextChoices):
        OPEN = "open", _("Åpen")
        DONE = "done", _("Utført")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("oppfølging"), max_length=500)
    responsible_person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ansvarlig")
    )
    responsible_party = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ansvarlig part")
    )
    due_on = models.DateField(_("frist"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closing_comment = models.TextField(_("kommentar ved lukking"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = author()
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)  # type: ignore[assignment]  # empty until edited

    edited_by_field, edited_at_field = "updated_by", "updated_at"

    objects = FollowUpActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("oppfølgingspunkt")
        verbose_name_plural = _("oppfølgingspunkter")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False), name="follow_up_done_has_closed_at"
            )
        ]
        indexes = [
            # Overdue follow-ups (FollowUpAction.objects.overdue: open, due before today; ~4 % of them), counted
            # per forum by the national overview and the district page (oversight.figures). At national scale the
            # seq scan of 160,885 follow-ups became an index scan of 5,975 (8,334 → 5,424 buffers): the national
            # query 237 → 168 ms (433 → 269 on a loaded minute). The rest is its join through decision and
            # agenda item to the forum; the district page's smaller query is planned without it.
            models.Index(fields=["due_on"], condition=Q(status="open"), name="followup_open_due_idx"),
        ]

    def __str__(self):
        return self.description

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def responsible(self) -> str:
        """Who answers for it: the person, the party, or both ("Navn, Part"); either may be missing."""
        names = [holder.name for holder in (self.responsible_person, self.responsible_party) if holder is not None]
        return ", ".join(names)


class FollowUpChange(AppendOnly):
    """The history of a follow-up: each edit, reassignment and reopening, with what it said before."""

    class Kind(models.TextChoices):
        CHANGED = "changed", _("Endret")
        REASSIGNED = "reassigned", _("Ny ansvarlig")
        REOPENED = "reopened", _("Gjenåpnet")

    follow_up = models.ForeignKey(FollowUpAction, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("endring"), max_length=12, choices=Kind.choices)
    # description, responsible (names), due_on (ISO), status and closing_comment before the change
    before = models.JSONField(_("før endringen"))
    reason = models.CharField(_("begrunnelse"), max_length=500, blank=True)
    changed_at = models.DateTimeField(_("endret"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("endret av"))

    class Meta:
        verbose_name = _("endring av oppfølgingspunkt")
        verbose_name_plural = _("endringer av oppfølgingspunkter")
        ordering = ["-changed_at", "-pk"]
        triggers = [AppendOnlyTrigger()]

    def __str__(self):
        return f"{self.get_kind_display()} {self.changed_at:%d.%m.%Y}"


def _meeting_attachment_path(instance: "MeetingAttachment", filename: str) -> str:
    return f"meetings/{instance.meeting_id}/{filename}"


class MeetingAttachment(models.Model):
    """A vedlegg to a meeting's agenda or minutes; for a closed meeting only its members may download it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("tittel"), max_length=200)
    file = models.FileField(_("fil"), upload_to=_meeting_attachment_path, storage=private_storage, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("størrelse"))
    uploaded_at = models.DateTimeField(_("lastet opp"), default=timezone.now, editable=False)
    uploaded_by = author()

    class Meta:
        verbose_name = _("vedlegg")
        verbose_name_plural = _("vedlegg")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.title


class MeetingRead(AppendOnly):
    """The read log of closed meetings: who read the minutes (page or referat PDF) or downloaded an attachment."""

    class What(models.TextChoices):
        PAGE = "page", _("Referatet på møtesiden")
        REFERAT_PDF = "referat_pdf", _("Referatet som PDF")
        ATTACHMENT = "attachment", _("Vedlegg")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(_("hva"), max_length=20, choices=What.choices)
    attachment = models.ForeignKey(
        MeetingAttachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attachment_title = models.CharField(_("vedlegg"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("lest"), default=timezone.now, editable=False)

    append_only_detachable = "attachment"

    class Meta:
        triggers = [AppendOnlyTrigger(detachable="attachment")]
        verbose_name = _("lesing av lukket møte")
        verbose_name_plural = _("lesinger av lukkede møter")
        ordering = ["-read_at", "-pk"]
        indexes = [models.Index(fields=["meeting", "read_at"])]

    def __str__(self):
        return f"{self.user} – {self.get_what_display()} – {self.meeting}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    """The secret in a user's personal iCalendar feed URL (calendar apps cannot log in)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"{self.user}"


# ---------------------------------------------------------------------------------------------------------------------
# Invitations: a kommune the creator does not act for joins a shared agreement, council or SLT-samarbeid only by
# accepting. See samarbeid/invitations.py for the services and the access functions.
# ---------------------------------------------------------------------------------------------------------------------


class PartyInvitation(models.Model):
    """An invitation to a kommune to join an app's object (the target); until it is accepted, it grants nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Venter på svar")
        ACCEPTED = "accepted", _("Godtatt")
        DECLINED = "declined", _("Avslått")

    kommune = models.ForeignKey(
        Kommune, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("kommune")
    )
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    invited_by = author(_("invitert av"))
    invited_at = models.DateTimeField(_("invitert"), default=timezone.now, editable=False)
    answered_by = author(_("besvart av"))
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitasjon")
        verbose_name_plural = _("invitasjoner")
        ordering = ["-invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kommune", "target_type", "target_id"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_kommune_and_target",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
                name="invitation_answered_when_not_pending",
            ),
        ]

    def __str__(self):
        return f"{self.kommune} – {self.target}"


# ---------------------------------------------------------------------------------------------------------------------
# Notifications: what each person wants by e-mail, the digest queue and the reminders already sent.
# See samarbeid/notifications.py for the services.
# ---------------------------------------------------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    SIGNING_REQUEST = "signing_request", _("Avtaler til signering")
    AGREEMENT_SIGNED = "agreement_signed", _("Avtaler som er signert av alle")
    INNKALLING = "innkalling", _("Innkallinger og endringer i møter")
    MINUTES_APPROVED = "minutes_approved", _("Godkjente referater")
    ACTION_ASSIGNED = "action_assigned", _("Oppfølgingspunkter til meg eller min part")
    REMINDER = "reminder", _("Påminnelser om frister")
    NEGOTIATION = "negotiation", _("Kommentarer og endringsforslag i avtaler")


class NotificationPreference(models.Model):
    """How one person wants one kind of notification; without a row: at once."""

    class Delivery(models.TextChoices):
        NOW = "now", _("Med en gang")
        DIGEST = "digest", _("Samlet en gang i uka")
        OFF = "off", _("Av")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("varsel"), max_length=30, choices=NotificationKind.choices)
    delivery = models.CharField(_("levering"), max_length=10, choices=Delivery.choices, default=Delivery.NOW)

    class Meta:
        verbose_name = _("varselinnstilling")
        verbose_name_plural = _("varselinnstillinger")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="one_notification_preference_per_person_and_kind"),
            models.CheckConstraint(
                condition=~Q(kind="signing_request", delivery="off"), name="signing_requests_cannot_be_turned_off"
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_kind_display()}: {self.get_delivery_display()}"


class DigestItem(models.Model):
    """A notification waiting for the person's weekly digest, already written in their målform."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="digest_items")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    subject = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.subject


class SentReminder(models.Model):
    """A reminder once sent: the same task, threshold and person are never reminded twice (the database says no)."""

    task_key = models.CharField(max_length=200)
    threshold = models.CharField(max_length=20)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task_key", "threshold", "person"], name="one_reminder_per_task_threshold_person"
            )
        ]

    def __str__(self):
        return f"{self.task_key} ({self.threshold})"


# ---------------------------------------------------------------------------------------------------------------------
# Public access (offentleglova): exemptions with their legal basis, and publishing as a recorded act.
# See samarbeid/exemptions.py for the legal bases, the current state and the services; both logs only grow.
# ---------------------------------------------------------------------------------------------------------------------


class LegalBasis(models.TextChoices):
    """The legal bases an item can be exempted from public access on (Noark 5: skjermingshjemmel)."""

    OFFL_13_FVL_13 = "offl_13_fvl_13", "offl. § 13 jf. fvl. § 13"
    OFFL_13_POLITIREGISTERLOVEN = "offl_13_prl_23", "offl. § 13 jf. politiregisterloven § 23"
    OFFL_14 = "offl_14", "offl. § 14"
    OFFL_15 = "offl_15", "offl. § 15"
    OFFL_21 = "offl_21", "offl. § 21"
    OFFL_24 = "offl_24", "offl. § 24"
    OFFL_5 = "offl_5", "offl. § 5"


class ExemptionRecord(AppendOnly):
    """One decision to exempt an item from public access, or to lift that exemption (append-only): the latest
    record of an item is its state. The public sees that an exempt item exists and its legal basis, never its
    content. The same fields in Noark 5 terms: skjermingshjemmel (legal_basis), skjermetAv/Dato (decided_by/at)."""

    exempt = models.BooleanField(_("unntatt offentlighet"), default=True)
    legal_basis = models.CharField(_("hjemmel"), max_length=30, choices=LegalBasis.choices, blank=True)
    note = models.TextField(_("merknad (intern)"), blank=True)
    decided_at = models.DateTimeField(_("besluttet"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True


class MeetingExemption(ExemptionRecord):
    """An exemption of a meeting's minutes as a whole (no item, no attachment), of one agenda item (its case
    papers, minutes, decisions and follow-up) or of one attachment."""

    class Part(models.TextChoices):
        MINUTES = "minutes", _("Hele referatet")
        ITEM = "item", _("Sak")
        ATTACHMENT = "attachment", _("Vedlegg")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="exemptions")
    part = models.CharField(_("gjelder"), max_length=20, choices=Part.choices)
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    attachment = models.ForeignKey(
        MeetingAttachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attachment_title = models.CharField(_("vedlegg"), max_length=200, blank=True)

    append_only_detachable = "attachment"

    class Meta:
        triggers = [AppendOnlyTrigger(detachable="attachment")]
        verbose_name = _("unntak fra offentlighet i møte")
        verbose_name_plural = _("unntak fra offentlighet i møter")
        ordering = ["meeting", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(exempt=False) | ~Q(legal_basis=""), name="meeting_exemption_has_basis"),
            models.CheckConstraint(
                condition=Q(part="minutes", agenda_item__isnull=True, attachment_title="")
                | Q(part="item", agenda_item__isnull=False, attachment_title="")
                | Q(part="attachment", agenda_item__isnull=True),
                name="meeting_exemption_names_its_part",
            ),
        ]

    def __str__(self):
        return f"{self.meeting}: {self.get_part_display()} {self.get_legal_basis_display()}"


class Publication(AppendOnly):
    """Publishing an item to the public pages, or withdrawing it (append-only): who, when and why. The latest
    record of an item is its state. Meetings' minutes and SLT handlingsplaner are published this way."""

    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    published = models.BooleanField(_("publisert"))
    reason = models.TextField(_("begrunnelse"), blank=True)
    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, editable=False)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        triggers = [AppendOnlyTrigger()]
        verbose_name = _("publisering")
        verbose_name_plural = _("publiseringer")
        ordering = ["target_type", "target_id", "at", "pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(published=True) | ~Q(reason=""), name="publication_withdrawal_has_reason"
            )
        ]

    def __str__(self):
        return f"{self.target_type_id}:{self.target_id} {'+' if self.published else '-'}"


# --- Publication state and the innkalling deadline: read by the models' properties and by the services ---------


def published_ids(model: type[models.Model], ids: Iterable[int]) -> set[int]:
    """Those of `ids` (of `model`) whose latest publication record publishes them (one query)."""
    ids = list(ids)
    if not ids:
        return set()
    state = {}
    records = Publication.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
    for target_id, published in records.order_by("at", "pk").values_list("target_id", "published"):
        state[target_id] = published
    return {pk for pk, published in state.items() if published}


def is_published(obj: models.Model) -> bool:
    return obj.pk in published_ids(type(obj), [obj.pk])


# The innkalling deadline: one rule for the task list, the meeting pages, compliance and the oversight.
_innkalling_rules: dict[str, Callable[[Forum], int]] = {}


def register_innkalling_rule(kind: str, days_for: Callable[[Forum], int]) -> None:
    """How many days before a meeting of this kind of forum the innkalling must go out, e.g. a politiråd's
    agreement ("senest 14 dager før"); forums without a rule use the veileder's seven (Meeting.NOTICE_DAYS)."""
    _innkalling_rules[kind] = days_for


def forum_innkalling_days(forum: Forum) -> int:
    """The notice the forum requires, in days (worked out once per forum object)."""
    if "_innkalling_days" not in forum.__dict__:
        rule = _innkalling_rules.get(forum.kind)
        forum.__dict__["_innkalling_days"] = rule(forum) if rule else Meeting.NOTICE_DAYS
    return forum.__dict__["_innkalling_days"]


def innkalling_days(meeting: Meeting) -> int:
    """The notice the meeting's forum requires, in days."""
    return forum_innkalling_days(meeting.forum)


def innkalling_deadline(meeting: Meeting) -> datetime.date:
    """The last day the innkalling may go out: the meeting's day less the forum's notice."""
    return timezone.localdate(meeting.starts_at) - datetime.timedelta(days=innkalling_days(meeting))


def innkalling_was_late(meeting: Meeting) -> bool:
    """Whether the innkalling went out after its deadline (False while none has gone out)."""
    return meeting.summoned_at is not None and timezone.localdate(meeting.summoned_at) > innkalling_deadline(meeting)


def innkalling_on_time(notice_days: dict[int, int]) -> Q:
    """`innkalling_was_late`'s rule in SQL, for counting in the database: the meetings of these forums (forum id:
    `forum_innkalling_days`) whose innkalling went out on a local day no later than the meeting's local day less
    the forum's notice."""
    forums_by_days: dict[int, list[int]] = {}
    for forum_id, days in notice_days.items():
        forums_by_days.setdefault(days, []).append(forum_id)
    notice = models.Case(
        *[
            models.When(forum_id__in=ids, then=models.Value(datetime.timedelta(days=d)))
            for d, ids in forums_by_days.items()
        ],
        output_field=models.DurationField(),
    )
    lead = TruncDate("starts_at") - TruncDate("summoned_at")
    return Q(summoned_at__isnull=False, forum_id__in=list(notice_days)) & Q(GreaterThanOrEqual(lead, notice))


def _rendered_pdf_path(instance, filename):
    return f"pdf/{instance.content_hash[:2]}/{instance.content_hash}.pdf"


class RenderedPdf(models.Model):
    """A PDF rendered by the worker from the HTML a reader may see (samarbeid.pdf_store), named by the hash of
    that HTML and the renderer's options: readers share a file only if they would read the same bytes. `html`
    is kept until the worker has rendered it; `file` is in private storage and served only by the views that
    checked the reader's access."""

    content_hash = models.CharField(_("innholdets SHA-256"), max_length=64, unique=True)
    html = models.TextField(blank=True)
    file = models.FileField(_("fil"), upload_to=_rendered_pdf_path, storage=private_storage, max_length=300, blank=True)
    created_at = models.DateTimeField(_("bestilt"), default=timezone.now, editable=False)
    enqueued_at = models.DateTimeField(_("sendt til arbeideren"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("laget"), null=True, blank=True)
    renders = models.PositiveIntegerField(default=0)  # how many times the worker has rendered it (1, normally)

    class Meta:
        verbose_name = _("laget PDF")
        verbose_name_plural = _("lagede PDF-er")

    def __str__(self):
        return self.content_hash


class TableVersion(models.Model):
    """How many transactions have changed a table (counted by a trigger; samarbeid.page_cache), '' for any table."""

    name = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("tabellversjon")
        verbose_name_plural = _("tabellversjoner")

    def __str__(self):
        return f"{self.name or '*'}: {self.version}"
