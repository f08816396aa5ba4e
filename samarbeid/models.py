"""The core shared by every app: parties (tenants), people, and the roles people hold in parties.

A *party* is anyone that signs or takes part in a cooperation: a politidistrikt, a police unit under
it, or a kommune. Roles are held by a person in a party over a period; roles (not individual grants)
decide what a person may do, through samarbeid.permissions.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    kommuner = models.ManyToManyField("Kommune", blank=True, related_name="police_units", verbose_name=_("kommuner"))

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

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]

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

    def __init__(self, minutes: int, band: str):
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


class KommuneGroup(models.Model):
    """Several kommuner that act together (a shared agreement, an interkommunalt politiråd)."""

    name = models.CharField(_("navn"), max_length=200, unique=True)
    kommuner = models.ManyToManyField(Kommune, related_name="groups", verbose_name=_("kommuner"))

    class Meta:
        verbose_name = _("kommunegruppe")
        verbose_name_plural = _("kommunegrupper")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Person(models.Model):
    """A person in the cooperation; may exist without a login (a BUP member, a contact)."""

    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    organisation = models.CharField(_("organisasjon"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        ordering = ["name"]

    def __str__(self):
        return self.name


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

    @classmethod
    def kommune_roles(cls):
        return [cls.ORDFORER, cls.VARAORDFORER, cls.RADMANN, cls.KOMMUNALSJEF, cls.SLT_KOORDINATOR, cls.ANNEN]

    @classmethod
    def police_roles(cls):
        return [
            cls.POLITIKONTAKT, cls.POLITISTASJONSSJEF, cls.POLITIMESTER, cls.LENSMANN,
            cls.TJENESTEENHETSLEDER, cls.NARPOLITISJEF, cls.DISTRIKT_ADMIN, cls.ANNEN,
        ]  # fmt: skip

    @classmethod
    def police_leader_roles(cls):
        """The roles that sign for the police."""
        return [cls.POLITISTASJONSSJEF, cls.POLITIMESTER, cls.LENSMANN, cls.TJENESTEENHETSLEDER]


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)

    def in_party(self, party):
        return self.filter(party=party)


class RoleAssignment(models.Model):
    """A person holds a role in a party from a date, until a date (inclusive) or further notice."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person"))
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="roles", verbose_name=_("part"))
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    title = models.CharField(
        _("tittel"), max_length=200, blank=True, help_text=_("Som den skal stå i avtaler, f.eks. «Kommunalsjef Helse og sosial».")
    )
    stillingsprosent = models.DecimalField(
        _("stillingsprosent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    starts_on = models.DateField(_("fra"), default=timezone.localdate)
    ends_on = models.DateField(_("til"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        ordering = ["party__name", "role", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="role_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(stillingsprosent__isnull=True)
                | Q(stillingsprosent__gte=0, stillingsprosent__lte=100),
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
        if self.role not in allowed:
            raise ValidationError({"role": _("Rollen passer ikke for denne typen part.")})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._resync_login()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._resync_login()
        return result

    def _resync_login(self):
        from samarbeid.permissions import sync_user_roles

        user = User.objects.filter(person_id=self.person_id).first()
        if user:
            sync_user_roles(user)

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class PartyRoleGroup(models.Model):
    """The one auth Group per (party, role); object permissions are granted to these groups."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=30, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="party_role")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "role"], name="one_group_per_party_role")]

    def __str__(self):
        return self.group.name
