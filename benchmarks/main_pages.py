"""The main pages, as the persona who uses each: the one list every benchmark drives (queries.py, load.py,
profile_page.py, explain.py), on a database made by `manage.py generate_national` at any size (2 kommuner or more).

The subject is the first generated kommune (by number) of the demo's police unit Tjenesteenhet Stavanger: Stavanger,
at every size (generate_national picks the demo units' kommuner first). The personas hold
their roles today: its SLT-koordinator, the politikontakt of its council's police unit, the politimester of its
district, the politimester of the largest other district (the most kommuner with a politiråd: someone who sees
many kommuner; which district that is depends on the size, so its labels name none), Politidirektoratet (the demo's
rådgiver) and an anonymous visitor.

Each persona is logged in by a session made with the configured session store (the cookie the login form would
set), so the same cookie serves wrk (load.py) and Django's test client.

Call it after django.setup() (it reads the database): pages() -> (cookie by persona, [(page, persona, url)]).
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, Q
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from agreements.models import Agreement
from councils.models import Council
from samarbeid.models import Forum, Kommune, Meeting, Politidistrikt, Role, RoleAssignment, User
from slt.models import CoordinationGroup, Handlingsplan, SltModel, Tiltak

SUBJECT_UNIT = "Tjenesteenhet Stavanger"


def csrf_cookie() -> str:
    """The CSRF cookie a browser holds after its first page ("name=secret")."""
    return f"{settings.CSRF_COOKIE_NAME}={get_random_string(CSRF_SECRET_LENGTH)}"


def session_cookie(user: User) -> str:
    """A logged-in session for the user, as the login form would leave it, with the browser's CSRF cookie: the
    value of a Cookie header."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {csrf_cookie()}"


def client_for(cookie: str, **defaults) -> Client:
    """A test client that sends the persona's cookies."""
    client = Client(**defaults)
    for pair in filter(None, cookie.split("; ")):
        name, value = pair.split("=", 1)
        client.cookies[name] = value
    return client


def holder(party, role: str) -> User:
    """The login of the first person who holds the role in the party today."""
    assignment = RoleAssignment.objects.active().filter(party=party, role=role).order_by("pk").first()
    user = assignment and User.objects.filter(person_id=assignment.person_id).order_by("pk").first()
    if user is None:
        raise SystemExit(f"no login holds {role} in {party}: was the database made by generate_national?")
    return user


def pages() -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(cookie by persona, [(page, persona, url)]) for the main pages of the subject kommune."""
    with_council = Kommune.objects.filter(forums__kind=Forum.Kind.POLITIRAD)
    kommune = with_council.filter(police_units__name=SUBJECT_UNIT).order_by("number").first()
    if kommune is None:
        raise SystemExit(f"no generated kommune in {SUBJECT_UNIT}: was the database made by generate_national?")
    district = kommune.district
    council = Council.objects.filter(forum__kommuner=kommune).order_by("pk").first()
    agreements = Agreement.objects.filter(kommuner=kommune)
    agreement = agreements.order_by("-created_at").first()
    signing = agreements.filter(status__in=[Agreement.Status.SENT, Agreement.Status.SIGNED]).order_by("-created_at")
    signing = signing.first() or agreement
    meeting = Meeting.objects.filter(forum=council.forum, status="minutes_approved").order_by("-starts_at").first()
    slt_model = SltModel.objects.filter(kommuner=kommune).order_by("pk").first()
    plan = Handlingsplan.objects.filter(slt_model=slt_model).order_by("-start_year").first()
    tiltak = Tiltak.objects.filter(plan=plan).order_by("pk").first()
    group = CoordinationGroup.objects.filter(slt_model=slt_model).order_by("pk").first()
    big = (
        Politidistrikt.objects.exclude(pk=district.pk)
        .annotate(n=Count("kommuner", filter=Q(kommuner__forums__kind=Forum.Kind.POLITIRAD)))
        .order_by("-n", "pk")
        .first()
    )
    slt, own_district, wide = "SLT-koordinator", f"politimester {district.short_name}", "politimester, largest district"
    users = {
        slt: holder(kommune, Role.SLT_KOORDINATOR),
        "politikontakt": holder(council.police_unit, Role.POLITIKONTAKT),
        own_district: holder(district, Role.POLITIMESTER),
        wide: holder(big, Role.POLITIMESTER),
        "Politidirektoratet": User.objects.get(email="radgiver@politidirektoratet.demo.no"),
    }
    cookies = {persona: session_cookie(user) for persona, user in users.items()}
    cookies["anonymous"] = csrf_cookie()  # a returning visitor: no session, the CSRF cookie of an earlier visit
    listed = [
        ("login (anonymous)", "anonymous", reverse("account_login")),
        ("Min side (SLT-koordinator)", slt, reverse("min_side")),
        ("Min side (politikontakt)", "politikontakt", reverse("min_side")),
        (f"Min side ({own_district})", own_district, reverse("min_side")),
        (f"Min side ({wide})", wide, reverse("min_side")),
        ("agreement list", slt, reverse("agreements:list")),
        (f"agreement list ({wide})", wide, reverse("agreements:list")),
        ("agreement detail", slt, reverse("agreements:detail", args=[agreement.pk])),
        ("agreement changelog", slt, reverse("agreements:changelog", args=[agreement.pk])),
        ("signing page", slt, reverse("agreements:signing", args=[signing.pk])),
        ("council list", slt, reverse("councils:list")),
        ("council detail", slt, reverse("councils:detail", args=[council.pk])),
        ("meeting detail", slt, reverse("meetings:detail", args=[meeting.pk])),
        ("follow-ups of the council", slt, reverse("meetings:actions", args=[council.forum_id])),
        ("politikontakt log", "politikontakt", reverse("councils:log", args=[council.pk])),
        ("SLT index", slt, reverse("slt:index")),
        ("SLT detail", slt, reverse("slt:detail", args=[slt_model.pk])),
        ("handlingsplan", slt, reverse("slt:plan", args=[plan.pk])),
        ("tiltak", slt, reverse("slt:tiltak", args=[tiltak.pk])),
        ("coordination group", slt, reverse("slt:group", args=[group.pk])),
        ("calendar (SLT-koordinator)", slt, reverse("meetings:calendar")),
        (f"calendar ({wide})", wide, reverse("meetings:calendar")),
        (
            f"district oversight ({district.short_name})",
            own_district,
            reverse("oversight:district", args=[district.pk]),
        ),
        ("district oversight (largest district)", wide, reverse("oversight:district", args=[big.pk])),
        ("national overview", "Politidirektoratet", reverse("oversight:index")),
    ]
    return cookies, listed
