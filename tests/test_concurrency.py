"""Two people editing the same thing: the second save is refused with "Noen andre lagret mens du skrev", their
input stays in the form, the first person's work is what is stored, and after a reload saving works again.

The walk is over samarbeid.concurrency.VERSIONED_VIEWS (every view marked `@edits_versioned`), and a second
walk over every URL pattern fails on any view that edits an existing object without being marked, so a new
edit form without a version cannot slip in. On PostgreSQL, N threads race one conditional save.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
import pytest
from django.db import connection, connections, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agreements.models import AgreementTemplate, Expectation, Owner, TemplateSection
from agreements.services import agreement_create, template_create_for_district
from councils.models import Evaluation, LogEntry, YearPlan
from councils.services import council_create, log_add
from samarbeid.concurrency import VERSIONED_VIEWS, StaleEdit, claim_version
from samarbeid.meetings import action_add, decision_add, meeting_plan
from samarbeid.models import Kommune, Person, PoliceUnit, Politidistrikt, Role, RoleAssignment, User
from samarbeid.roles import role_assign
from slt.services import group_create, plan_create, slt_model_create, tiltak_create

CONFLICT = "Noen andre lagret mens du skrev"
THIRD_PARTY = ("allauth.", "django.")  # their own forms (login, MFA, admin) are not the project's edit forms


def url_patterns(resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""):
    """(namespaced name, route, view) of every URL pattern."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback


def allowed_methods(view) -> set[str]:
    """What the view's require_http_methods decorator allows (it answers any other method with 405 + Allow)."""
    refusals = logging.getLogger("django.request")  # each 405 would be logged as a warning
    refusals.disabled = True
    try:
        response = view(RequestFactory().generic("PATCH", "/"), pk=0)
    finally:
        refusals.disabled = False
    assert response.status_code == 405, "every view of the apps states its methods"
    return set(response["Allow"].split(", "))


# --- the views that edit an existing object ----------------------------------------------------------------------

# Views that take POST for an existing object but do not edit its fields from a form. Each says why.
NOT_AN_EDIT = {
    "agreements:section_add": "adds a section",
    "agreements:section_move": "a single move, no form",
    "agreements:section_delete": "removes a local section",
    "agreements:section_review": "records a party's review of the section version it read (a new log row); "
    "the section is not changed, and a version that has moved on is refused as stale",
    "agreements:attachment_add": "adds an attachment",
    "agreements:attachment_delete": "removes an attachment",
    "agreements:template_section_add": "adds a template section (the add path of template_section_edit)",
    "agreements:template_section_move": "a single move, no form",
    "agreements:template_section_delete": "removes a template section",
    "agreements:send_for_signature": "a status transition of the sign-off, freezing the content hash",
    "agreements:return_to_draft": "a status transition of the sign-off",
    "agreements:sign": "a signature on the frozen content hash",
    "agreements:revise": "creates a new draft",
    "agreements:import_review": "a pending import is its uploader's alone (import_review_for): nobody else saves it",
    "agreements:comment_create": "adds a comment thread",
    "agreements:comment_reply": "adds a comment to a thread",
    "agreements:thread_resolve": "resolves a thread once, under a row lock",
    "agreements:proposal_create": "adds a change proposal, recording the section's version it was made against",
    "agreements:proposal": "answers a proposal once, under a row lock; accepting claims the section's version the"
    " form was loaded at, so a concurrent edit is refused and kept (tests/test_negotiation.py)",
    "agreements:section_template": "adopts or keeps the template's text once, claiming the section's version the"
    " page showed (tests/test_negotiation.py)",
    "agreements:negotiation_setting": "a single switch for the user's own party",
    "councils:members": "adds a member",
    "councils:membership_end": "ends a membership on a date",
    "councils:year_plan": "adds a planned meeting",
    "councils:log": "adds a log entry",
    "councils:log_entry_delete": "deletes its author's entry once, claiming the version the confirmation showed",
    "slt:plan_create": "adds a plan",
    "slt:focus_area_add": "adds a focus area",
    "slt:tiltak_create": "adds a tiltak",
    "slt:tiltak_progress": "adds a progress note (a status change is recorded as a note with from/to)",
    "slt:group_create": "adds a group",
    "slt:member_add": "adds a member",
    "slt:member_end": "ends a membership",
    "meetings:create": "plans a new meeting",
    "meetings:transition": "a status transition, checked under a row lock",
    "meetings:agenda_item_create": "adds an agenda item",
    "meetings:decision_create": "adds a decision",
    "meetings:action_create": "adds a follow-up action",
    "meetings:action_close": "closes an action once, under a row lock",
    "meetings:action_reopen": "reopens a done action once, under a row lock (with the reason in its history)",
    "meetings:attendance": "records one attendance choice with who and when",
    "meetings:attachment_upload": "adds an attachment",
    "meetings:attachment_delete": "removes an attachment",
    "publishing:meeting": "appends an exemption or publication record (append-only log, the latest is the state)",
    "publishing:agreement": "appends an exemption record for an attachment (append-only log)",
    "publishing:plan": "appends a publication record (append-only log)",
    "invitation_accept": "answers a pending invitation once, under a row lock",
    "invitation_decline": "answers a pending invitation once, under a row lock",
}


def object_posts():
    """Every URL of the project's own views that addresses an object (has a path parameter) and takes POST."""
    for name, route, view in url_patterns():
        if "<" in route and not view.__module__.startswith(THIRD_PARTY) and "POST" in allowed_methods(view):
            yield name, view


def test_every_view_that_edits_an_existing_object_uses_the_version_check(db):
    unmarked = {name for name, view in object_posts() if view not in VERSIONED_VIEWS and name not in NOT_AN_EDIT}
    assert not unmarked, f"edit views without @edits_versioned (or add them to NOT_AN_EDIT with a reason): {unmarked}"
    stale_exemptions = set(NOT_AN_EDIT) - {name for name, _view in object_posts()}
    assert not stale_exemptions, f"NOT_AN_EDIT names views that no longer take POST: {stale_exemptions}"


def versioned_url_names() -> list[str]:
    return sorted(name for name, _route, view in url_patterns() if view in VERSIONED_VIEWS and name not in NOT_AN_EDIT)


# --- one scenario per versioned view: what to edit, by whom --------------------------------------------------------


@dataclass
class Edit:
    page: str  # the page with the form
    action: str  # where the form posts
    users: tuple[User, User]  # two people who may both edit it
    field: str  # a text field of the form
    stored: Callable[[], str]  # what is stored in that field now


def _moss_agreement(personas):
    return agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )


def _moss_council(personas):
    return council_create(
        name="Politirådet i Moss",
        host_kommune=Kommune.objects.get(number="3103"),
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        by=personas["moss_slt"],
    )


def _moss_slt(personas):
    return slt_model_create(
        name="SLT Moss", kommuner=[Kommune.objects.get(number="3103")], created_by=personas["moss_slt"]
    )


def _moss_meeting(personas):
    council = _moss_council(personas)
    # At 10 in the morning: the edit form has one date for both times (one planned at 23:00 would end "before" it began)
    start = (timezone.localtime() + timezone.timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    return meeting_plan(council.forum, starts_at=start, ends_at=start + timezone.timedelta(hours=2), place="Rådhuset")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def colleague(personas, key: str, role: str) -> User:
    """A second holder of the persona's role in the same party (e.g. two SLT-koordinatorer in Moss)."""
    party = RoleAssignment.objects.filter(person=personas[key].person).first().party
    person = Person.objects.create(name=f"Kollega av {personas[key]}", email=f"kollega.{key}@demo.no")
    role_assign(person=person, party=party, role=role, starts_on=timezone.localdate())
    return User.objects.create_user(person.email, "x", person=person)


def koordinatorer(personas) -> tuple[User, User]:
    """Only an SLT-koordinator changes the SLT model, its plans, tiltak and groups: Moss gets a second one."""
    return personas["moss_slt"], colleague(personas, "moss_slt", Role.SLT_KOORDINATOR)


def _reload(obj, field):
    return lambda: str(getattr(type(obj).objects.get(pk=obj.pk), field))


def agreement_details(personas):
    agreement = _moss_agreement(personas)
    page = reverse("agreements:edit", args=[agreement.pk])
    users = personas["moss_slt"], personas["moss_politikontakt"]
    return Edit(page, page, users, "council_case_number", _reload(agreement, "council_case_number"))


def agreement_section(personas):
    section = _moss_agreement(personas).sections.filter(owner=Owner.FELLES).first()
    page = reverse("agreements:section_edit", args=[section.agreement_id, section.pk])
    users = personas["moss_slt"], personas["moss_politikontakt"]
    return Edit(page, page, users, "local_text", _reload(section, "local_text"))


def agreement_part(personas):
    agreement = _moss_agreement(personas)
    expectation = Expectation.objects.create(
        agreement=agreement, direction=Expectation.Direction.FROM_KOMMUNE, text="Synlig politi"
    )
    page = reverse("agreements:part_edit", args=[agreement.pk, "forventninger-kommunen"])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, page, users, "del-0-text", _reload(expectation, "text"))


def template_section(personas):
    admin = personas["vest_malansvarlig"]
    template = template_create_for_district(Politidistrikt.objects.get(short_name="Vest"), by=admin)
    section = template.sections.first()
    page = reverse("agreements:template_section_edit", args=[template.pk, section.pk])
    users = admin, colleague(personas, "vest_malansvarlig", Role.DISTRIKT_ADMIN)
    return Edit(page, page, users, "guidance_nb", _reload(section, "guidance_nb"))


def agreement_council_decision(personas):
    agreement = _moss_agreement(personas)
    agreement.council_decision_date = timezone.localdate()
    agreement.save(update_fields=["council_decision_date"])
    page = reverse("agreements:council_decision", args=[agreement.pk])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, page, users, "case_number", _reload(agreement, "council_case_number"))


def council_settings(personas):
    council = _moss_council(personas)
    page = reverse("councils:edit", args=[council.pk])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, page, users, "name", lambda: type(council).objects.get(pk=council.pk).name)


def council_evaluation(personas):
    council = _moss_council(personas)
    year = timezone.localdate().year
    page = reverse("councils:evaluation", args=[council.pk, year])
    # Nobody has written this year's evaluation yet: both start from "none" (version 0).
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(
        page, page, users, "effect", lambda: Evaluation.objects.get(council=council, year=year).answer("effect")
    )


def council_log_entry(personas):
    council = _moss_council(personas)
    author = personas["moss_politikontakt"]
    entry = log_add(
        council,
        kommune=council.host_kommune,
        kind=LogEntry.Kind.OFFICE_HOURS,
        date=timezone.localdate(),
        duration_minutes=60,
        note="Kontortid",
        by=author,
    )
    page = reverse("councils:log_entry_edit", args=[council.pk, entry.pk])
    # Only its author corrects an entry: two tabs of the same person.
    return Edit(page, page, (author, author), "note", _reload(entry, "note"))


def council_year_plan(personas):
    council = _moss_council(personas)
    year = timezone.localdate().year + 1
    page = reverse("councils:year_plan", args=[council.pk, year])
    action = reverse("councils:year_plan_decide", args=[council.pk, year])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, action, users, "note", lambda: YearPlan.objects.get(council=council, year=year).note)


def meeting_details(personas):
    meeting = _moss_meeting(personas)
    page = reverse("meetings:edit", args=[meeting.pk])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, page, users, "place", _reload(meeting, "place"))


def meeting_minutes(personas):
    meeting = _moss_meeting(personas)
    item = meeting.agenda_items.get(position=2)
    page = reverse("meetings:detail", args=[meeting.pk])
    action = reverse("meetings:agenda_item_minutes", args=[meeting.pk, item.pk])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, action, users, f"referat-{item.pk}-minutes", _reload(item, "minutes"))


def meeting_follow_up(personas):
    meeting = _moss_meeting(personas)
    decision = decision_add(meeting.agenda_items.get(position=2), text="Vedtak", by=None)
    action = action_add(decision, description="Skilting", responsible_party=meeting.forum.kommuner.get())
    page = reverse("meetings:action_edit", args=[action.pk])
    users = personas["moss_slt"], personas["moss_ordforer"]
    return Edit(page, page, users, "description", _reload(action, "description"))


def _plan(personas):
    return plan_create(
        slt_model=_moss_slt(personas),
        title="Handlingsplan",
        start_year=2026,
        end_year=2029,
        focus_areas=["Rus"],
        created_by=personas["moss_slt"],
    )


def slt_model(personas):
    model = _moss_slt(personas)
    page = reverse("slt:edit", args=[model.pk])
    return Edit(page, page, koordinatorer(personas), "description", _reload(model, "description"))


def slt_plan(personas):
    plan = _plan(personas)
    page = reverse("slt:plan_edit", args=[plan.pk])
    return Edit(page, page, koordinatorer(personas), "title", _reload(plan, "title"))


def slt_tiltak(personas):
    plan = _plan(personas)
    tiltak = tiltak_create(
        plan=plan, created_by=personas["moss_slt"], focus_area=plan.focus_areas.get(), title="Utsett"
    )
    page = reverse("slt:tiltak_edit", args=[tiltak.pk])
    return Edit(page, page, koordinatorer(personas), "target_group", _reload(tiltak, "target_group"))


def slt_group(personas):
    group = group_create(
        slt_model=_moss_slt(personas), name="SLT-utøvergruppe", meetings_per_year=12, created_by=personas["moss_slt"]
    )
    page = reverse("slt:group_edit", args=[group.pk])
    return Edit(page, page, koordinatorer(personas), "purpose", _reload(group, "purpose"))


SCENARIOS = {
    "agreements:edit": agreement_details,
    "agreements:section_edit": agreement_section,
    "agreements:part_edit": agreement_part,
    "agreements:template_section_edit": template_section,
    "agreements:council_decision": agreement_council_decision,
    "councils:edit": council_settings,
    "councils:evaluation": council_evaluation,
    "councils:year_plan_decide": council_year_plan,
    "councils:log_entry_edit": council_log_entry,
    "meetings:edit": meeting_details,
    "meetings:agenda_item_minutes": meeting_minutes,
    "meetings:action_edit": meeting_follow_up,
    "slt:edit": slt_model,
    "slt:plan_edit": slt_plan,
    "slt:tiltak_edit": slt_tiltak,
    "slt:group_edit": slt_group,
}


def form_on(html: str, page: str, action: str) -> lxml.html.FormElement:
    forms = [f for f in lxml.html.fromstring(html).forms if (f.get("action") or page) == action]
    assert len(forms) == 1, f"one form posting to {action}"
    return forms[0]


def values(form: lxml.html.FormElement) -> dict[str, list[str]]:
    """What a browser sends for the form (lxml's form_values() leaves out inputs without a value attribute)."""
    data: dict[str, list[str]] = {}
    for el in form.inputs:
        if not el.name or "disabled" in el.attrib:
            continue
        if el.tag == "select":
            chosen = list(el.value) if el.multiple else [el.value or ""]
        elif el.tag == "textarea":  # a browser drops the newline right after <textarea> (Django's widget writes one)
            chosen = [(el.value or "").removeprefix("\n")]
        elif (el.checkable and not el.checked) or el.type in ("submit", "image", "reset", "file"):
            continue
        else:
            chosen = [el.value or ""]
        data.setdefault(el.name, []).extend(chosen)
    return data


def submit(client: Client, form: lxml.html.FormElement, action: str, field: str, value: str):
    data = values(form)
    assert field in data, f"{field} is in the form"
    data[field] = [value]
    return client.post(action, data)


@pytest.mark.parametrize("name", versioned_url_names())
def test_the_second_of_two_simultaneous_saves_is_refused_and_keeps_both(name, personas):
    edit = SCENARIOS[name](personas)
    first, second = (logged_in(user) for user in edit.users)
    first_form = form_on(first.get(edit.page).text, edit.page, edit.action)
    second_form = form_on(second.get(edit.page).text, edit.page, edit.action)

    assert submit(first, first_form, edit.action, edit.field, "Første versjon").status_code == 302
    assert "Første versjon" in edit.stored()

    refused = submit(second, second_form, edit.action, edit.field, "Andre versjon")
    assert refused.status_code == 200 and CONFLICT in refused.text
    assert "Første versjon" in refused.text  # what the other person saved is shown …
    kept = form_on(refused.text, edit.page, edit.action)
    assert "Andre versjon" in values(kept)[edit.field][0]  # … and the user's input stays in the form
    assert "Første versjon" in edit.stored() and "Andre versjon" not in edit.stored()

    reloaded = form_on(second.get(edit.page).text, edit.page, edit.action)
    assert submit(second, reloaded, edit.action, edit.field, "Tredje versjon").status_code == 302
    assert "Tredje versjon" in edit.stored()


def test_every_versioned_view_has_a_two_user_scenario(db):
    assert set(versioned_url_names()) == set(SCENARIOS)


def test_saving_again_from_the_conflict_page_overwrites_knowingly(personas):
    edit = agreement_details(personas)
    first, second = (logged_in(user) for user in edit.users)
    second_form = form_on(second.get(edit.page).text, edit.page, edit.page)
    submit(first, form_on(first.get(edit.page).text, edit.page, edit.page), edit.page, edit.field, "PS 1/26")
    refused = submit(second, second_form, edit.page, edit.field, "PS 2/26")
    again = form_on(refused.text, edit.page, edit.page)
    assert submit(second, again, edit.page, edit.field, "PS 2/26").status_code == 302
    assert edit.stored() == "PS 2/26"


def test_a_form_without_its_version_is_refused_and_nothing_is_saved(personas, client_for):
    edit = slt_model(personas)
    response = client_for("moss_slt").post(edit.page, {"name": "SLT Moss", "description": "Uten versjon"})
    assert response.status_code == 200 and "Uten versjon" not in edit.stored()


# --- the database decides: N racing saves from one version, exactly one winner ------------------------------------

RACERS = 16


def _in_own_connection(work):
    """Run `work` in a thread with its own database connection (autocommit: others see what it writes)."""
    result = {}

    def run():
        try:
            result["value"] = work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result.get("value")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a race between connections needs PostgreSQL")
def test_of_sixteen_concurrent_saves_from_the_same_version_exactly_one_wins(db):
    def create():
        district = Politidistrikt.objects.filter(agreement_templates__isnull=True).first()
        template = AgreementTemplate.objects.create(district=district, name="Kappløp")
        return TemplateSection.objects.create(template=template, order=1, heading_nb="Kappløp", heading_nn="Kappløp")

    section = _in_own_connection(create)
    start, outcomes = threading.Barrier(RACERS), []

    def race(racer: int):
        try:
            mine = TemplateSection.objects.get(pk=section.pk)
            start.wait()
            with transaction.atomic():
                claim_version(mine, 1)
                mine.guidance_nb = f"racer {racer}"
                mine.save(update_fields=["guidance_nb"])
            outcomes.append(("saved", racer))
        except StaleEdit as stale:
            outcomes.append(("refused", stale.current.version))
        finally:
            connections.close_all()

    try:
        racers = [threading.Thread(target=race, args=[n]) for n in range(RACERS)]
        for thread in racers:
            thread.start()
        for thread in racers:
            thread.join()
        stored = _in_own_connection(lambda: TemplateSection.objects.values("version", "guidance_nb").get(pk=section.pk))
    finally:
        _in_own_connection(lambda: AgreementTemplate.objects.filter(pk=section.template_id).delete())
    [winner] = [racer for outcome, racer in outcomes if outcome == "saved"]
    assert sorted(outcomes) == sorted([("saved", winner)] + [("refused", 2)] * (RACERS - 1))
    assert stored == {"version": 2, "guidance_nb": f"racer {winner}"}


def test_minutes_saved_over_someone_elses_with_htmx_return_the_item_with_both_texts(personas):
    edit = meeting_minutes(personas)
    first, second = (logged_in(user) for user in edit.users)
    second_form = form_on(second.get(edit.page).text, edit.page, edit.action)
    submit(first, form_on(first.get(edit.page).text, edit.page, edit.action), edit.action, edit.field, "Fra leder")
    data = {**values(second_form), edit.field: ["Fra sekretær"]}
    response = second.post(edit.action, data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert CONFLICT in response.text and "Fra leder" in response.text
    assert values(lxml.html.fromstring(response.text).forms[0])[edit.field] == ["Fra sekretær"]
    assert edit.stored() == "Fra leder"


def test_the_section_editor_shows_the_same_conflict_inline_with_htmx(personas):
    edit = agreement_section(personas)
    first, second = (logged_in(user) for user in edit.users)
    second_form = form_on(second.get(edit.page).text, edit.page, edit.action)
    submit(first, form_on(first.get(edit.page).text, edit.page, edit.action), edit.action, edit.field, "Kommunens")
    response = second.post(
        edit.action, {**values(second_form), "local_text": ["Politiets"]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert CONFLICT in response.text and "Kommunens" in response.text and "Politiets" in response.text


def test_a_nynorsk_user_is_told_in_nynorsk(personas):
    edit = meeting_details(personas)
    first, second = (logged_in(user) for user in edit.users)
    second.cookies["django_language"] = "nn"
    second_form = form_on(second.get(edit.page).text, edit.page, edit.action)
    submit(first, form_on(first.get(edit.page).text, edit.page, edit.action), edit.action, edit.field, "Kantina")
    refused = submit(second, second_form, edit.action, edit.field, "Biblioteket").text
    assert "Nokon andre lagra medan du skreiv" in refused and "Lagra no" in refused
