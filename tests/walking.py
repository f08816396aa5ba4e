"""What the generic walks share: the demo world of three tenants, every URL pattern of the project with the
objects its path names, and who has a part in an object — read from the data model, not from the
permission code, so that the walks check the permission code instead of repeating it.

Used by tests/test_cross_tenant_walk.py and tests/test_form_fuzz.py.
"""

import contextlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import transaction
from django.db.models import Model, Q
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agreements.demo import create_demo_agreement_parts
from agreements.demo_import import import_demo_agreements
from agreements.importing.service import import_review_create
from agreements.models import (
    Agreement,
    AgreementSection,
    AgreementTemplate,
    Attachment,
    ChangeProposal,
    CommentThread,
    ImportReview,
    TemplateSection,
)
from agreements.signing import agreement_send_for_signature
from agreements.verification import verification_code
from agreements.views import PARTS
from councils.demo import create_demo_councils
from councils.models import Council, LogEntry
from councils.services import council_create
from samarbeid import meetings
from samarbeid.demo import create_demo_people
from samarbeid.meeting_views import TRANSITIONS
from samarbeid.models import (
    AgendaItem,
    CalendarFeedToken,
    Decision,
    FollowUpAction,
    Forum,
    ForumMembership,
    Kommune,
    Meeting,
    MeetingAttachment,
    PartyInvitation,
    PoliceUnit,
    Politidistrikt,
    Role,
    RoleAssignment,
    User,
)
from samarbeid.permissions import sync_user_roles
from slt.demo import create_demo_slt
from slt.models import CoordinationGroup, Handlingsplan, SltModel, Tiltak

PDF_BYTES = b"%PDF-1.4\n%walk\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ANONYMOUS = "anonymous"


# --- the demo world ------------------------------------------------------------------------------------------------


def build_demo_world(tmp_path) -> dict[str, User]:
    """Everything `manage.py demo` makes (three tenants), plus an attachment on each agreement and on each forum's
    latest meeting and a calendar token for every persona, so that every kind of object in a URL exists."""
    personas = create_demo_people()
    import_demo_agreements()
    create_demo_agreement_parts()
    create_demo_councils()
    create_demo_slt()
    call_command("make_seal", verbosity=0)
    luster = Agreement.objects.filter(kommuner__number="4644").get()
    agreement_send_for_signature(luster, by=personas["luster_slt"])  # a signing round to walk
    for agreement in Agreement.objects.all():
        Attachment.objects.create(
            agreement=agreement,
            title="Vedlegg",
            file=ContentFile(PDF_BYTES, name="vedlegg.pdf"),
            original_name="vedlegg.pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            uploaded_by=agreement.created_by,
        )
    for forum in Forum.objects.all():
        meeting = forum.meetings.order_by("-starts_at").first()
        if meeting is not None:
            meetings.meeting_attach(
                meeting, upload=ContentFile(PDF_BYTES, name="sakspapir.pdf"), title="Sakspapir", by=None
            )
    council_create(  # an invitation to walk: Kvitsøy is invited to a second council of Randaberg
        name="Politirådet i Randaberg og Kvitsøy",
        host_kommune=Kommune.objects.get(number="1127"),
        police_unit=PoliceUnit.objects.get(name="Tjenesteenhet Stavanger"),
        by=personas["randaberg_slt"],
        invite=[Kommune.objects.get(number="1144")],
    )
    seed = (settings.REFERENCE_DATA_DIR / "seeds" / "moss-ost-2018.txt").read_bytes()
    import_review_create(  # a pending import to walk: Moss's SLT-koordinator's own
        upload=ContentFile(seed, name="moss-ost-2018.txt"),
        owner_party=Kommune.objects.get(number="3103"),
        by=personas["moss_slt"],
    )
    for user in personas.values():
        CalendarFeedToken.objects.get_or_create(user=user)
        sync_user_roles(user)  # once, here: the middleware's daily sync would be rolled back with every request
    return personas


@contextlib.contextmanager
def demo_world(django_db_blocker, tmp_path):
    """The demo world for a module's fixture, inside a transaction that is rolled back at the end: the personas,
    their parties and a logged-in client each (and one anonymous)."""
    _PARTIES.clear()
    with django_db_blocker.unblock(), world_settings(tmp_path), keep_files(), transaction.atomic():
        personas = build_demo_world(tmp_path)
        parties = {key: persona_parties(user) for key, user in personas.items()}
        yield {"personas": personas, "parties": parties, "clients": clients_for(personas)}
        transaction.set_rollback(True)
    _PARTIES.clear()
    with django_db_blocker.unblock():  # the cache may be the database cache
        cache.clear()  # allauth's rate limits counted the anonymous POSTs


def world_settings(tmp_path):
    """Private files and the seal in tmp, tasks at once."""
    return override_settings(
        MEDIA_ROOT=tmp_path / "media",
        SEAL_KEY_FILE=tmp_path / "seal-key.pem",
        SEAL_CERT_FILE=tmp_path / "seal-cert.pem",
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )


def keep_files():
    """A POST is rolled back, but a deleted file would stay deleted: keep files for the later requests."""
    return mock.patch.object(FileSystemStorage, "delete", lambda self, name: None)


def request_rolled_back(client: Client, method: str, url: str, data=None, *, follow: bool = False):
    """GET or POST (and, with follow, the pages it redirects to), with whatever it writes rolled back afterwards,
    and the client's cookies kept (a logout or a language switch must not change the next request)."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, data or {}, follow=follow)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def clients_for(personas: dict[str, User]) -> dict[str, Client]:
    """A client per persona and one anonymous; a 500 is returned as a response (with its exc_info), not raised."""
    clients = {ANONYMOUS: Client(raise_request_exception=False)}
    for key, user in personas.items():
        clients[key] = Client(raise_request_exception=False)
        clients[key].force_login(user)
    return clients


LOGIN_PAGES = ["account_login", "account_reauthenticate", "mfa_authenticate", "mfa_reauthenticate", "admin:login"]


def is_login_redirect(response) -> bool:
    """A redirect to log in (or to confirm one's login again), which is not success."""
    location = response.headers.get("Location", "").split("?")[0]
    return response.status_code in (301, 302, 303, 307, 308) and location in {reverse(n) for n in LOGIN_PAGES}


def succeeded(response) -> bool:
    """A 2xx, or a redirect anywhere but to a login page."""
    return 200 <= response.status_code < 300 or (300 <= response.status_code < 400 and not is_login_redirect(response))


def failure_text(response) -> str:
    if getattr(response, "exc_info", None):
        exc = response.exc_info[1]
        return f"{type(exc).__name__}: {exc}"[:300]
    return ""


# --- who has a part in what ----------------------------------------------------------------------------------------

EVERYONE = "everyone"  # a part everyone has (the national template)
NATIONAL = "national"  # a part the national readers (Politidirektoratet, KS) have in every district


def persona_parties(user: User | None) -> set[int]:
    """The parties the user holds an active role in; a politidistrikt also covers its units and kommuner."""
    if user is None or user.person_id is None:
        return set()
    parties = set(RoleAssignment.objects.active().filter(person_id=user.person_id).values_list("party_id", flat=True))
    districts = Politidistrikt.objects.filter(pk__in=parties)
    parties |= set(PoliceUnit.objects.filter(district__in=districts).values_list("pk", flat=True))
    parties |= set(Kommune.objects.filter(district__in=districts).values_list("pk", flat=True))
    if RoleAssignment.objects.active().filter(person_id=user.person_id, role__in=Role.national_roles()).exists():
        parties.add(NATIONAL)
    return parties


def _forum_parties(forum: Forum) -> set:
    memberships = forum.memberships.active().exclude(person=None).values_list("person_id", flat=True)
    return {*forum.kommuner.values_list("pk", flat=True), forum.police_party_id, *(("person", p) for p in memberships)}


def _agreement_parties(agreement: Agreement) -> set:
    return {*agreement.kommuner.values_list("pk", flat=True), agreement.police_party_id}


def _template_parties(template: AgreementTemplate) -> set:
    if template.district_id is None:
        return {EVERYONE}
    district = template.district
    return {district.pk, *district.units.values_list("pk", flat=True), *district.kommuner.values_list("pk", flat=True)}


def _slt_parties(slt_model: SltModel) -> set:
    return {*slt_model.kommuner.values_list("pk", flat=True), slt_model.police_party_id}


def _kommune_parties(kommune: Kommune) -> set:
    """A kommune's page shows its SLT-samarbeid: the kommune and the parties of its SLT models."""
    return {kommune.pk}.union(*(_slt_parties(slt_model) for slt_model in kommune.slt_models.all()))


PARTIES_OF = {
    Politidistrikt: lambda obj: {obj.pk, *obj.units.values_list("pk", flat=True), NATIONAL},  # its oversight page
    PartyInvitation: lambda obj: {obj.kommune_id},  # only the invited kommune answers
    Kommune: _kommune_parties,
    Agreement: _agreement_parties,
    AgreementSection: lambda obj: _agreement_parties(obj.agreement),
    Attachment: lambda obj: _agreement_parties(obj.agreement),
    CommentThread: lambda obj: _agreement_parties(obj.agreement),
    ChangeProposal: lambda obj: _agreement_parties(obj.agreement),
    AgreementTemplate: _template_parties,
    TemplateSection: lambda obj: _template_parties(obj.template),
    Forum: _forum_parties,
    ForumMembership: lambda obj: _forum_parties(obj.forum),
    Council: lambda obj: _forum_parties(obj.forum),
    Meeting: lambda obj: _forum_parties(obj.forum),
    AgendaItem: lambda obj: _forum_parties(obj.meeting.forum),
    Decision: lambda obj: _forum_parties(obj.agenda_item.meeting.forum),
    FollowUpAction: lambda obj: _forum_parties(obj.decision.agenda_item.meeting.forum),
    MeetingAttachment: lambda obj: _forum_parties(obj.meeting.forum),
    SltModel: _slt_parties,
    Handlingsplan: lambda obj: _slt_parties(obj.slt_model),
    Tiltak: lambda obj: _slt_parties(obj.plan.slt_model),
    CoordinationGroup: lambda obj: _forum_parties(obj.forum) | _slt_parties(obj.slt_model),
    CalendarFeedToken: lambda obj: {("user", obj.user_id)},
    ImportReview: lambda obj: {("user", obj.uploaded_by_id)},  # a pending import is its uploader's alone
    LogEntry: lambda obj: {("user", obj.created_by_id)},  # only its author corrects or deletes an entry
}


_PARTIES: dict[tuple[type, int], set] = {}  # per demo world: the walks change nothing that stays


def object_parties(obj: Model) -> set:
    key = (type(obj), obj.pk)
    if key not in _PARTIES:
        _PARTIES[key] = PARTIES_OF[type(obj)](obj)
    return _PARTIES[key]


def _meeting_of(obj) -> Meeting | None:
    for path in ("", "meeting", "agenda_item.meeting", "decision.agenda_item.meeting"):
        target = obj
        for name in filter(None, path.split(".")):
            target = getattr(target, name, None)
        if isinstance(target, Meeting):
            return target
    return None


def is_public(obj: Model) -> bool:
    """The declared exceptions, for reading only: open meetings with approved minutes and what belongs to them."""
    meeting = _meeting_of(obj)
    return meeting is not None and meeting.is_public


def has_part(user: User | None, parties_of_user: set[int], obj: Model) -> bool:
    """Whether the user's parties (or the user, as a forum member or a token's owner) are in the object."""
    parties = object_parties(obj)
    person = ("person", user.person_id) if user is not None else None
    return (
        EVERYONE in parties
        or bool(parties & parties_of_user)
        or person in parties
        or (user is not None and ("user", user.pk) in parties)
    )


# --- every URL pattern and what fills it ---------------------------------------------------------------------------

# The first object in a path is named by the literal route before it (converter types left out).
ROOTS: dict[str, tuple[type[Model], str]] = {
    "oversikt/distrikt/<pk>": (Politidistrikt, "pk"),
    "invitasjoner/<pk>": (PartyInvitation, "pk"),
    "avtaler/<pk>": (Agreement, "pk"),
    "avtaler/importer/<pk>": (ImportReview, "pk"),
    "avtaler/distrikt/<pk>": (Politidistrikt, "pk"),
    "avtaler/maler/<pk>": (AgreementTemplate, "pk"),
    "politirad/<pk>": (Council, "pk"),
    "slt/<pk>": (SltModel, "pk"),
    "slt/kommune/<number>": (Kommune, "number"),
    "slt/handlingsplaner/<pk>": (Handlingsplan, "pk"),
    "slt/tiltak/<pk>": (Tiltak, "pk"),
    "slt/grupper/<pk>": (CoordinationGroup, "pk"),
    "moter/<pk>": (Meeting, "pk"),
    "moter/forum/<forum_pk>": (Forum, "pk"),
    "moter/oppfolging/<action_pk>": (FollowUpAction, "pk"),
    "moter/kalender/<token>": (CalendarFeedToken, "token"),
    "kommune/<number>": (Kommune, "number"),
    "politidistrikt/<code>": (Politidistrikt, "code"),
    "offentlig/avtaler/<pk>": (Agreement, "pk"),
    "offentlig/politirad/<pk>": (Council, "pk"),
    "offentlig/moter/<pk>": (Meeting, "pk"),
    "offentlighet/mote/<pk>": (Meeting, "pk"),
    "offentlighet/avtale/<pk>": (Agreement, "pk"),
    "offentlighet/handlingsplan/<pk>": (Handlingsplan, "pk"),
}
# The public pages, feeds and search are for everyone (a GET as anyone succeeds); tests/test_public_access.py
# proves that they show nothing exempt or closed, with a marker in every withheld field.
PUBLIC_NAMESPACES = {"public"}
# Of 357 kommuner, those that any tenant's agreement, council or SLT model names.
ROOT_QUERYSETS = {
    Kommune: lambda: Kommune.objects.filter(
        Q(agreements__isnull=False) | Q(forums__isnull=False) | Q(slt_models__isnull=False)
    ).distinct(),
}
# A later object is a child of the one before it: (parent model, kwarg) → (model, lookup of the parent).
CHILDREN: dict[tuple[type[Model], str], tuple[type[Model], str | None]] = {
    (Agreement, "section_pk"): (AgreementSection, "agreement"),
    (Agreement, "attachment_pk"): (Attachment, "agreement"),
    (Agreement, "thread_pk"): (CommentThread, "agreement"),
    (Agreement, "proposal_pk"): (ChangeProposal, "agreement"),
    (AgreementTemplate, "section_pk"): (TemplateSection, "template"),
    (Council, "membership_pk"): (ForumMembership, "forum__council"),
    (Council, "entry_pk"): (LogEntry, "council"),
    (CoordinationGroup, "membership_pk"): (ForumMembership, "forum__coordination_group"),
    (Meeting, "item_pk"): (AgendaItem, "meeting"),
    (Meeting, "decision_pk"): (Decision, "agenda_item__meeting"),
    (Meeting, "attachment_pk"): (MeetingAttachment, "meeting"),
    (Meeting, "membership_pk"): (ForumMembership, "forum__meetings"),
    (CalendarFeedToken, "forum_pk"): (Forum, None),  # any forum: the token's user decides
}


def _years() -> list[int]:
    return [timezone.localdate().year]


# Path segments that are values, not objects: (URL name, kwarg) or kwarg → the values that mean something.
VALUES = {
    ("oversight:district_export", "fmt"): lambda: ["csv", "xlsx", "pdf"],
    "year": _years,
    ("agreements:part_edit", "part"): lambda: list(PARTS),
    ("meetings:transition", "action"): lambda: ["summon", *TRANSITIONS],
    ("meetings:pdf", "document"): lambda: ["innkalling", "referat"],
    # Possession of the sealed PDF (its printed address) is what opens a verification page: every signed
    # agreement's code, and one that names no agreement.
    ("agreements:verify_agreement", "code"): lambda: [
        *filter(None, map(verification_code, Agreement.objects.filter(status__in=["signert", "erstattet"]))),
        "1-1-0000000000000000",
    ],
    "slug": lambda: ["moss", "feil-navn"],  # a kommune's name in its public address (a wrong one redirects)
}

# Patterns whose path cannot be filled from the demo data, each with the reason.
NOT_WALKED = {
    "account_confirm_email": "an e-mail confirmation key exists only in a sent e-mail (allauth)",
    "account_reset_password_from_key": "a password reset key exists only in a sent e-mail (allauth)",
    "openid_connect_login": "no OpenID Connect provider is configured in tests",
    "openid_connect_callback": "no OpenID Connect provider is configured in tests",
    "admin:*": "the Django admin is for staff only (no persona is staff); tests/test_admin.py covers it",
}

KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass
class Pattern:
    name: str | None  # namespaced URL name
    route: str  # the route with converters, e.g. "avtaler/<int:pk>/"
    callback: object
    namespace: str | None = None
    kwargs: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.name or self.route

    def url(self, kwargs: dict) -> str:
        return reverse(self.name, kwargs=kwargs) if self.name else "/" + self.route

    @property
    def methods(self) -> list[str]:
        """GET and POST, less what the view's require_* decorator refuses (a 405 says nothing more)."""
        allowed = getattr(self.callback, "allowed_methods", None) or _decorated_methods(self.callback)
        return [m for m in ("get", "post") if allowed is None or m.upper() in allowed]


def _decorated_methods(view) -> set[str] | None:
    closure = getattr(view, "__closure__", None) or ()
    for cell in closure:
        value = cell.cell_contents
        if isinstance(value, list | tuple) and value and all(isinstance(m, str) and m.isupper() for m in value):
            return set(value)
    wrapped = getattr(view, "__wrapped__", None)
    return _decorated_methods(wrapped) if wrapped is not None else None


def url_patterns(resolver=None, prefix: str = "", namespace: str | None = None) -> Iterator[Pattern]:
    """Every URL pattern of the project, recursively, with its namespaced name and full route."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            kwargs = [a or b for a, b in KWARG.findall(route)]
            yield Pattern(name=name, route=route, callback=entry.callback, namespace=namespace, kwargs=kwargs)


def not_walked_reason(pattern: Pattern) -> str | None:
    return NOT_WALKED.get(pattern.key) or NOT_WALKED.get(f"{pattern.namespace}:*")


def fill_plan(pattern: Pattern) -> list[tuple[str, object]] | None:
    """How each kwarg is filled: ("root", (model, field)), ("child", (model, parent lookup)) or ("value", fn);
    None when some kwarg cannot be filled."""
    plan, parent = [], None
    for kwarg in pattern.kwargs:
        values = VALUES.get((pattern.name, kwarg)) or VALUES.get(kwarg)
        if values is not None:
            plan.append(("value", values))
            continue
        if parent is None:
            literal = re.sub(r"<\w+:(\w+)>", r"<\1>", pattern.route)
            literal = literal[: literal.index(f"<{kwarg}>") + len(kwarg) + 2]
            if literal not in ROOTS:
                return None
            parent = ROOTS[literal][0]
            plan.append(("root", ROOTS[literal]))
        elif (parent, kwarg) in CHILDREN:
            model, lookup = CHILDREN[(parent, kwarg)]
            plan.append(("child", (model, lookup)))
            parent = model
        else:
            return None
    return plan


def tenant_of(obj: Model) -> frozenset:
    return frozenset(p for p in object_parties(obj) if not isinstance(p, tuple))


# Objects that show different pages by their state are sampled per state too.
VARIETY = {Meeting: lambda meeting: meeting.status, Agreement: lambda agreement: agreement.status}


def sample(queryset, per_tenant: int) -> list[Model]:
    """At most `per_tenant` objects (lowest pks) for each set of parties (and state): deterministic and small."""
    by_tenant = defaultdict(list)
    for obj in queryset.order_by("pk"):
        variety = VARIETY.get(type(obj), lambda _obj: None)(obj)
        bucket = by_tenant[(tenant_of(obj), variety)]
        if len(bucket) < per_tenant:
            bucket.append(obj)
    return [obj for bucket in by_tenant.values() for obj in bucket]


@dataclass
class Case:
    kwargs: dict
    objects: list[Model]


def fillings(pattern: Pattern, per_tenant: int = 1) -> list[Case]:
    """The paths to request: each root object sampled per tenant; for a child, the root's own children and one
    child of another tenant's root (a mismatched pair must not pass either)."""
    plan = fill_plan(pattern)
    assert plan is not None, pattern.key
    cases = [Case({}, [])]
    for kwarg, (kind, spec) in zip(pattern.kwargs, plan, strict=True):
        grown = []
        for case in cases:
            if kind == "value":
                grown += [Case({**case.kwargs, kwarg: v}, case.objects) for v in spec()]
                continue
            model, lookup = spec
            if kind == "root":
                candidates = sample(ROOT_QUERYSETS.get(model, model.objects.all)(), per_tenant)
            else:
                parent = next((o for o in reversed(case.objects)), None)
                own = model.objects.filter(**{lookup: parent}) if lookup else model.objects.all()
                candidates = sample(own, per_tenant)
                if lookup:
                    foreign = sample(model.objects.exclude(**{lookup: parent}), 1)
                    candidates += [o for o in foreign if tenant_of(o) != tenant_of(parent)][:1]
            value_field = lookup if kind == "root" else "pk"
            grown += [
                Case({**case.kwargs, kwarg: getattr(obj, value_field)}, [*case.objects, obj]) for obj in candidates
            ]
        cases = grown
    return cases
