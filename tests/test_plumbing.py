# ruff: noqa: F811 (pytest fixtures imported from other test modules are used as arguments)
"""One of each plumbing (issue 17): one widget styling, one date and time input, one member form, one audit rule.

The styling test renders every field of every form class of the project (all subclasses of Django's BaseForm
defined in our packages) as the project renders it, and reads the HTML: each visible control carries its
Designsystemet class. The source checks read the form modules with `ast`: no second date input, no class set by
hand, no second member form. The audit check walks the models: who did something is PROTECTed everywhere.
"""

import ast
import copy
import importlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse

from samarbeid.append_only import AppendOnly
from samarbeid.forms import DS_INPUT, DsRenderer
from tests.test_councils_rules import moss_council  # noqa: F401 (fixture)
from tests.test_slt_groups import moss_slt_model, utovergruppe  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["samarbeid", "agreements", "councils", "slt", "oversight", "public_pages"]
THE_ONE = ROOT / "samarbeid" / "forms.py"


def _sources() -> list[Path]:
    return [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _form_modules() -> list[str]:
    return [_module_name(p) for p in _sources() if "from django import forms" in p.read_text()]


def project_form_classes() -> list[type[forms.BaseForm]]:
    for name in _form_modules():
        importlib.import_module(name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PACKAGES and sub not in found:
                found.append(sub)
    return found


class Controls(HTMLParser):
    """The form controls of a piece of HTML: (tag, attributes)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea"):
            self.found.append((tag, dict(attrs)))


def unstyled_controls(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    return [
        f"<{tag} name={attrs.get('name')}>"
        for tag, attrs in parser.found
        if attrs.get("type") not in ("hidden", "checkbox", "radio")
        and DS_INPUT not in (attrs.get("class") or "").split()
    ]


def render_field(form_class, name: str, field: forms.Field) -> str:
    """One field of a form class, rendered the way a page renders it (the project's FORM_RENDERER)."""
    field = copy.deepcopy(field)
    if isinstance(field, forms.ModelChoiceField) and field.queryset is None:  # set when the form is built
        field.queryset = get_user_model().objects.none()
    form = forms.Form()
    form.fields = {name: field}
    return str(form[name])


def test_the_project_renders_forms_with_the_designsystemet_renderer(settings):
    assert settings.FORM_RENDERER == "samarbeid.forms.DsRenderer"


@pytest.mark.django_db
def test_every_visible_widget_of_every_form_renders_with_its_designsystemet_class():
    classes = project_form_classes()
    assert len(classes) > 40  # the walk found the project's forms (agreements, councils, slt, meetings, ...)
    unstyled, rendered = [], 0
    for form_class in classes:
        assert "default_renderer" not in vars(form_class), f"{form_class.__name__} renders its own way"
        for name, field in form_class.base_fields.items():
            rendered += 1
            unstyled += [
                f"{form_class.__module__}.{form_class.__name__}.{c}"
                for c in unstyled_controls(render_field(form_class, name, field))
            ]
    assert rendered > 150
    assert unstyled == []


@pytest.mark.django_db
def test_fields_a_form_adds_when_built_are_styled_too():
    from samarbeid.notification_views import NotificationPreferencesForm

    html = str(NotificationPreferencesForm())
    assert "<select" in html and unstyled_controls(html) == []


def test_the_styling_check_sees_a_control_without_the_class():
    """The check above can fail: Django's own renderer leaves the class off, the project's puts it on."""
    field = forms.CharField(label="Navn")
    plain = forms.Form(renderer=forms.renderers.DjangoTemplates())
    plain.fields = {"navn": field}
    assert unstyled_controls(str(plain["navn"])) == ["<input name=navn>"]
    ours = forms.Form(renderer=DsRenderer())
    ours.fields = {"navn": field}
    assert unstyled_controls(str(ours["navn"])) == []
    assert unstyled_controls('<input type="checkbox" name="x"><input type="hidden" name="y">') == []


# --- the source: one date input, no hand-set classes, one member form ---------------------------------------


def plumbing_copies(path: Path) -> list[str]:
    """What a module does that only samarbeid/forms.py may do."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name.endswith(("MemberForm", "DateInput", "TimeInput")):
            found.append(f"class {node.name}")
        if isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if callee in ("DateInput", "TimeInput", "DateTimeInput") and (node.args or node.keywords):
                found.append(f"{callee}(...) of its own")
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if "class" in keys and any(isinstance(v, ast.Constant) and "ds-" in str(v.value) for v in node.values):
                found.append('attrs {"class": "ds-…"}')
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [f"{label}:{what}" for what in found]


def test_no_module_has_its_own_date_input_widget_class_or_member_form():
    copies = [c for path in _sources() if path != THE_ONE for c in plumbing_copies(path)]
    assert copies == []


def test_the_source_check_finds_each_kind_of_copy(tmp_path):
    module = tmp_path / "forms.py"
    module.write_text(
        "from django import forms\n"
        'DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")\n'
        'WIDE = forms.TextInput(attrs={"class": "ds-input"})\n'
        "class GroupMemberForm(forms.Form):\n    pass\n"
    )
    found = sorted(c.split(":", 1)[1] for c in plumbing_copies(module))
    assert found == sorted(["class GroupMemberForm", "DateInput(...) of its own", 'attrs {"class": "ds-…"}'])


# --- the audit rule ---------------------------------------------------------------------------------------------

# Not a record of who did something: the row belongs to the user and goes with them.
OWNED_BY_THE_USER = {
    ("samarbeid", "CalendarFeedToken", "user"),  # a personal calendar address
    ("agreements", "ImportReview", "uploaded_by"),  # a private, unfinished import only the uploader sees
}


def test_who_did_something_is_protected_everywhere():
    """samarbeid.models.Created: an author is never silently dropped. Logs whose rows may be detached keep SET_NULL
    (their append-only trigger allows exactly that update); permission rows (guardian) go with the user."""
    user_model = get_user_model()
    loose = []
    for model in apps.get_models():
        app = model._meta.app_label
        if app not in PACKAGES or issubclass(model, AppendOnly) or "ObjectPermission" in model.__name__:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is user_model:
                if field.remote_field.on_delete is not models.PROTECT and (app, model.__name__, field.name) not in (
                    OWNED_BY_THE_USER
                ):
                    loose.append(f"{model.__name__}.{field.name}: {field.remote_field.on_delete.__name__}")
    assert loose == []


def test_the_audited_models_share_the_base():
    from councils.models import Council, LogEntry
    from samarbeid.models import AgendaItem, Audited, Created, Decision, FollowUpAction, Forum, ForumMembership, Meeting
    from slt.models import CoordinationGroup, Handlingsplan, SltModel, Tiltak

    audited = (Council, LogEntry, Meeting, FollowUpAction, SltModel, Handlingsplan, Tiltak)
    assert [m.__name__ for m in audited if not issubclass(m, Audited)] == []
    created = (Forum, ForumMembership, AgendaItem, Decision, CoordinationGroup)
    assert [m.__name__ for m in created if not issubclass(m, Created)] == []


# --- the one member form, on both member pages ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_council_member_without_a_login_is_added_as_a_new_person(moss_council, client_for):
    from samarbeid.models import Person, User

    url = reverse("councils:members", kwargs={"pk": moss_council.pk})
    data = {"name": "Nina Barnevern", "email": "nina@moss.demo.no", "organisation": "Barnevern", "kind": "member"}
    response = client_for("moss_slt").post(url, {**data, "starts_on": "2026-01-01"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    membership = moss_council.forum.memberships.get(person__name="Nina Barnevern")
    assert membership.organisation == "Barnevern" and membership.person.email == "nina@moss.demo.no"
    assert not User.objects.filter(person=membership.person).exists()
    assert "Nina Barnevern er lagt til." in response.text and "Barnevern" in response.text
    assert Person.objects.filter(name="Nina Barnevern").count() == 1


@pytest.mark.django_db
def test_the_council_member_form_says_what_is_missing(moss_council, client_for):
    url = reverse("councils:members", kwargs={"pk": moss_council.pk})
    page = client_for("moss_slt").post(url, {"kind": "deputy", "starts_on": "2026-01-01"}).text
    assert "Velg en person eller skriv navnet på en ny." in page
    assert "Velg hvem stedfortrederen er stedfortreder for." in page
    assert unstyled_controls(page.split("<main", 1)[1].split("</main>", 1)[0]) == []


@pytest.mark.django_db
def test_the_group_member_form_offers_the_organisations_and_no_period(utovergruppe, client_for):
    page = client_for("moss_slt").get(reverse("slt:member_add", args=[utovergruppe.pk])).text
    assert 'list="organisasjoner"' in page and '<datalist id="organisasjoner">' in page and "Barnevern" in page
    assert 'name="starts_on"' not in page and 'name="deputy_for"' not in page
    assert "Fast gjest (uten tilgang til referat)" in page


@pytest.mark.django_db
def test_a_new_person_needs_a_name():
    from django.core.exceptions import ValidationError

    from samarbeid.roles import person_create

    with pytest.raises(ValidationError) as refused:
        person_create(name="  ", email="x@example.com")
    assert "name" in refused.value.error_dict
