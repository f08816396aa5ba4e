"""The guarantee: nothing exempt or closed reaches any public page, feed or search result.

A unique marker is planted in every text field of everything the public may not read (tests/public_scene.py: the
content of closed meetings and SLT groups, of exempt agenda items and attachments, of exempt minutes, of minutes
not published or withdrawn, of upcoming meetings' case papers, of draft agreements and unpublished handlingsplaner;
the internal notes of exemptions and withdrawals; everyone's phone number). Then every URL pattern of the public
pages (walked from the URL resolver, so a new public page is covered without adding it here) is fetched with every
object of the scene, as an anonymous visitor and as a user of another kommune, and every marker is searched for;
no marker may appear, nor anyone's e-mail address (except in the sealed PDF, the signed document itself, whose
contact list names the office holders). A control marker in published minutes must appear, so the walk reaches
what it claims to.
"""

import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement
from councils.models import Council
from public_pages.pages import kommune_slug
from samarbeid.models import Kommune, Meeting, Person, Politidistrikt, Role, User
from samarbeid.permissions import sync_user_roles
from samarbeid.roles import role_assign
from tests.public_scene import PUBLISHED, public_world
from tests.walking import url_patterns

SEARCH_BATCH = 15  # markers per query ("a or b or …", as the search box reads it)
KOMMUNER = ["3103", "1127", "1144", "4644", "0301"]
PUBLIC = [pattern for pattern in url_patterns() if pattern.namespace == "public"]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    with public_world(django_db_blocker, tmp_path_factory.mktemp("public")) as built:
        person = Person.objects.create(name="Rådmann i Bergen", email="radmann@bergen.example.no")
        role_assign(person=person, party=Kommune.objects.get(number="4601"), role=Role.RADMANN)
        other = User.objects.create_user("radmann@bergen.example.no", "x", person=person)
        sync_user_roles(other)
        built["other_user"] = other
        built["emails"] = [e for e in Person.objects.exclude(email="").values_list("email", flat=True)]
        yield built


def clients(scene) -> dict[str, Client]:
    other = Client()
    other.force_login(scene["other_user"])
    return {"anonymous": Client(), "other_kommune": other}


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return content.replace(b"\r\n ", b"").decode()


def _values(kwarg: str, route: str, scene) -> list:
    if kwarg == "number":
        return KOMMUNER
    if kwarg == "code":
        return list(Politidistrikt.objects.values_list("code", flat=True))
    if route.startswith("offentlig/avtaler/"):
        return list(Agreement.objects.values_list("pk", flat=True))
    if route.startswith("offentlig/politirad/"):
        return list(Council.objects.values_list("pk", flat=True))
    if route.startswith("offentlig/moter/"):
        return list(Meeting.objects.values_list("pk", flat=True))
    raise AssertionError(f"Say in tests/test_public_access.py what fills <{kwarg}> in {route}")


def public_urls(scene) -> list[str]:
    """Every public URL pattern with every object of the scene (a kommune also with a wrong name in its address)."""
    urls = []
    for pattern in PUBLIC:
        cases = [{}]
        for kwarg in pattern.kwargs:
            if kwarg == "slug":
                continue
            cases = [{**case, kwarg: value} for case in cases for value in _values(kwarg, pattern.route, scene)]
        for case in cases:
            if "slug" in pattern.kwargs:
                kommune = Kommune.objects.get(number=case["number"])
                urls += [reverse(pattern.name, kwargs={**case, "slug": s}) for s in (kommune_slug(kommune), "feil")]
            else:
                urls.append(reverse(pattern.name, kwargs=case))
    urls += [
        reverse("public:kommuner") + "?q=mo",
        reverse("public:search") + "?q=politiråd",
        reverse("public:search") + "?q=referat&side=2",
    ]
    return urls


def leaks(text: str, scene, *, emails: bool = True) -> list[str]:
    found = [f"{marker} ({where})" for marker, where in scene["markers"].planted.items() if marker in text]
    if emails:
        found += [email for email in scene["emails"] if email in text]
    return found


@pytest.mark.django_db
def test_every_public_pattern_is_walked():
    assert {p.name for p in PUBLIC} >= {
        "public:kommune",
        "public:agreement",
        "public:meeting",
        "public:search",
        "public:kommune_rss",
        "public:council_atom",
        "public:kommune_ics",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "other_kommune"])
def test_nothing_exempt_or_closed_reaches_any_public_page_or_feed(scene, persona):
    client = clients(scene)[persona]
    problems, reached = [], 0
    for url in public_urls(scene):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), f"{url}: {response.status_code}"
        if response.status_code == 404:
            continue
        reached += 1
        sealed = url.endswith("avtale.pdf")
        problems += [f"{url}: {leak}" for leak in leaks(text_of(response), scene, emails=not sealed)]
    assert not problems, "\n".join(problems)
    assert reached > 60
    published = client.get(reverse("public:meeting", args=[scene["published"].pk])).content.decode()
    assert PUBLISHED in published  # the control: published minutes are read


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "other_kommune"])
def test_no_search_finds_anything_exempt_or_closed(scene, persona):
    client = clients(scene)[persona]
    markers = list(scene["markers"].planted)
    problems = []
    for start in range(0, len(markers), SEARCH_BATCH):
        batch = markers[start : start + SEARCH_BATCH]
        page = client.get(reverse("public:search"), {"q": " or ".join(batch)}, HTTP_HX_REQUEST="true")
        results = text_of(page).split("</p>", 1)[-1]  # after the echo of the query
        if "Ingen treff" not in text_of(page) or leaks(results, scene):
            problems.append(f"found one of {', '.join(batch)}: {leaks(results, scene)}")
    assert not problems, "\n".join(problems)
    found = client.get(reverse("public:search"), {"q": PUBLISHED}).content.decode()
    assert PUBLISHED in found and "Ingen treff" not in found


@pytest.mark.django_db
def test_the_markers_cover_every_kind_of_withheld_text(scene):
    """The scene planted markers in each kind of text the public may not read (so the walks test something)."""
    kinds = {where.split(" ")[0] for where in scene["markers"].planted.values()}
    assert kinds >= {
        "Meeting.theme",
        "Meeting.place",
        "AgendaItem.title",
        "AgendaItem.description",
        "AgendaItem.minutes",
        "Decision.text",
        "FollowUpAction.description",
        "MeetingAttachment.title",
        "AgreementSection.local_text",
        "AgreementSection.heading",
        "Handlingsplan.title",
        "Tiltak.title",
        "Person.phone",
        "MeetingExemption.note",
        "Publication.reason",
        "AttachmentExemption.note",
    }
