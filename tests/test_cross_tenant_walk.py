"""The generic cross-tenant walk: every URL pattern of the project, with every demo persona and anonymous, on
objects of all three demo tenants. GET, and POST (rolled back, so nothing a POST does reaches the next case).

It fails on any 5xx, and on any success (a 2xx, or a redirect anywhere but to the login) where the persona has
no part in an object of the path — "has a part" read from the data model (tests/walking.py: the object's
kommuner and police party against the persona's roles, forum membership), not from the permission code. The
declared exceptions: reading an open meeting with published minutes, and the public pages (PUBLIC_NAMESPACES).
A new view is walked
without anyone adding it here; a new kind of path segment fails until it is named in tests/walking.py.
"""

from collections import Counter

import pytest
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from django.views.decorators.http import require_GET

from agreements.models import Agreement
from samarbeid.models import CalendarFeedToken
from tests.walking import (
    PUBLIC_NAMESPACES,
    Pattern,
    demo_world,
    failure_text,
    fill_plan,
    fillings,
    has_part,
    is_public,
    not_walked_reason,
    persona_parties,
    request_rolled_back,
    succeeded,
    url_patterns,
)

PATTERNS = list(url_patterns())
WALKED = [pattern for pattern in PATTERNS if not_walked_reason(pattern) is None and fill_plan(pattern) is not None]
COUNTS: Counter = Counter()
OBJECTS: set = set()


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_world(django_db_blocker, tmp_path_factory.mktemp("walk")) as built:
        yield built
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and COUNTS:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\ncross-tenant walk: {COUNTS['patterns']} URL patterns × {len(built['clients'])} personas"
                f" (with anonymous) × {len(OBJECTS)} objects → {COUNTS['requests']} requests ({COUNTS['foreign']}"
                f" where the persona has no part), {len(PATTERNS) - len(WALKED)} patterns listed as not walked"
            )


def test_every_url_pattern_is_walked_or_listed_with_a_reason():
    """A new pattern whose path names something the walk cannot fill must be added to tests/walking.py."""
    unfillable = [f"{p.key} ({p.route})" for p in PATTERNS if not_walked_reason(p) is None and fill_plan(p) is None]
    assert not unfillable, (
        "Say in tests/walking.py what fills their path (ROOTS for the first object, CHILDREN for one below it,"
        " VALUES for a segment that is no object, and PARTIES_OF for a new model), or why they are NOT_WALKED: "
        + ", ".join(unfillable)
    )
    assert len(WALKED) > 80


def _allowed(world, key: str, method: str, objects: list) -> bool:
    """Whether the persona (or, in a feed URL, the token's user, whom the token stands for) has a part in every
    object; public objects are readable by all."""
    user = world["personas"].get(key)
    parties = world["parties"].get(key, set())
    token = next((obj for obj in objects if isinstance(obj, CalendarFeedToken)), None)
    if token is not None:
        user, parties = token.user, persona_parties(token.user)
    return all(has_part(user, parties, obj) or (method == "get" and is_public(obj)) for obj in objects)


def walk(world, pattern: Pattern, counts: Counter) -> list[str]:
    """Request the pattern with every filling, as every persona and anonymous; return what went wrong."""
    problems = []
    for case in fillings(pattern):
        OBJECTS.update((type(obj).__name__, obj.pk) for obj in case.objects)
        url = pattern.url(case.kwargs)
        for key, client in world["clients"].items():
            for method in pattern.methods:
                allowed = (method == "get" and pattern.namespace in PUBLIC_NAMESPACES) or _allowed(
                    world, key, method, case.objects
                )
                response = request_rolled_back(client, method, url)
                counts["requests"] += 1
                counts["foreign"] += not allowed
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {url} as {key}: {response.status_code} {failure_text(response)}")
                elif succeeded(response) and not allowed:
                    problems.append(f"{method.upper()} {url} as {key}: {response.status_code} without a part in it")
                elif response.status_code in (400, 403, 404) and b'data-testid="error-page"' not in response.content:
                    problems.append(
                        f"{method.upper()} {url} as {key}: a bare {response.status_code}, not the error page"
                    )
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", WALKED, ids=lambda pattern: pattern.key)
def test_no_persona_reaches_another_tenants_object_and_nothing_fails(world, pattern):
    COUNTS["patterns"] += 1
    problems = walk(world, pattern, COUNTS)
    assert not problems, "\n".join(problems)


@require_GET
def _leaky_agreement_page(request, pk: int):
    """What a view looks like that forgot `agreement_for`: any logged-in user reads any agreement."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return HttpResponse(Agreement.objects.get(pk=pk).kommuner.first().name)


urlpatterns = [
    path("avtaler/<int:pk>/lekk/", _leaky_agreement_page, name="leaky"),
    path("", include("samarbeid.urls")),
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_walk_catches_a_view_that_forgot_its_access_function(world):
    """The walk finds a new view by itself, and fails it for every persona of the other tenants."""
    leaky = next(pattern for pattern in url_patterns() if pattern.name == "leaky")
    problems = walk(world, leaky, Counter())
    randaberg = Agreement.objects.filter(kommuner__number="1127").get()
    assert f"GET /avtaler/{randaberg.pk}/lekk/ as moss_slt: 200 without a part in it" in problems
    assert not [p for p in problems if p.startswith(f"GET /avtaler/{randaberg.pk}/lekk/ as randaberg_slt")]
    assert not [problem for problem in problems if " as anonymous:" in problem]
