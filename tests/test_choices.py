"""Every choice in a form comes from the access modules; other kommuner join only by accepting an invitation.

The walk over the forms is generic: every form class of agreements, councils, slt and the meeting pages that
has a model choice is built for several personas with their own tenant's objects, and every object offered
must belong to that persona's politidistrikt (forms that start something) or to the parties of the object the
form is about (forms on an agreement, council, SLT-samarbeid or meeting). A new form with a model choice fails
the completeness test until it is added to FORMS.
"""

import datetime
import inspect
import re
from dataclasses import dataclass

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import agreements.forms
import agreements.forms_import
import councils.forms
import samarbeid.forms
import samarbeid.meeting_forms
import slt.forms
from agreements.access import agreements_visible_to
from agreements.models import Agreement
from agreements.services import agreement_create
from agreements.signing import agreement_send_for_signature
from councils.access import councils_visible_to
from councils.models import Council
from councils.services import council_create
from samarbeid.meetings import forums_visible_to, meeting_plan
from samarbeid.models import (
    AgendaItem,
    Decision,
    FollowUpAction,
    Forum,
    ForumMembership,
    Kommune,
    Meeting,
    Party,
    PartyInvitation,
    Person,
    PoliceUnit,
    Politidistrikt,
    RoleAssignment,
)
from samarbeid.roles import role_assign
from samarbeid.widgets import MultiPicker, Picker
from slt.models import FocusArea, SltModel
from slt.services import group_create, plan_create, slt_model_create
from tests.test_signing_workflow import enrol_mfa, sign, signing_settings  # noqa: F401 (fixture)

TENANTS = {
    # tenant: (SLT-koordinator, kommunenummer, police unit)
    "moss": ("moss_slt", "3103", "Moss politistasjonsdistrikt"),
    "randaberg": ("randaberg_slt", "1127", "Tjenesteenhet Stavanger"),
    "luster": ("luster_slt", "4644", "Sogn lensmannsdistrikt"),
}
HOURS_2 = datetime.timedelta(hours=2)
PERSONA_TENANT = {
    "moss_slt": "moss",
    "moss_ordforer": "moss",
    "moss_politikontakt": "moss",
    "randaberg_ordforer": "randaberg",
    "stavanger_politikontakt": "randaberg",
    "sorvest_politimester": "randaberg",
    "luster_slt": "luster",
    "sogn_lensmann": "luster",
    "vest_malansvarlig": "luster",
}


@dataclass
class Tenant:
    kommune: Kommune
    unit: PoliceUnit
    agreement: Agreement
    council: Council
    meeting: Meeting
    slt_model: SltModel
    plan: object
    group: object


@pytest.fixture
def world(personas) -> dict[str, Tenant]:
    """For each demo tenant: a draft agreement, a council with a meeting, an SLT-samarbeid with a plan and a group."""
    tenants = {}
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=30)
    for key, (slt_key, number, unit_name) in TENANTS.items():
        user, kommune = personas[slt_key], Kommune.objects.get(number=number)
        unit = PoliceUnit.objects.get(name=unit_name)
        council = council_create(name=f"Politirådet i {kommune.name}", host_kommune=kommune, police_unit=unit, by=user)
        slt_model = slt_model_create(name=f"SLT {kommune.name}", kommuner=[kommune], police_party=unit, created_by=user)
        tenants[key] = Tenant(
            kommune=kommune,
            unit=unit,
            agreement=agreement_create(police_party=unit, kommuner=[kommune], created_by=user),
            council=council,
            meeting=meeting_plan(council.forum, starts_at=starts, ends_at=starts + HOURS_2, by=user),
            slt_model=slt_model,
            plan=plan_create(
                slt_model=slt_model,
                title="Handlingsplan",
                start_year=2025,
                end_year=2028,
                created_by=user,
                focus_areas=["Rus"],
            ),
            group=group_create(slt_model=slt_model, name="OSG", meetings_per_year=10, created_by=user),
        )
    return tenants


# --- the generic walk over every form with a model choice ----------------------------------------------------


@dataclass
class Scope:
    """What a form may offer: these parties, people of these parties or forums, these forums' rows, ..."""

    party_ids: set
    person_ids: set
    forum_ids: set
    agreement_ids: set
    council_ids: set
    plan_ids: set

    def allows(self, obj) -> bool:
        if isinstance(obj, Party):
            return obj.pk in self.party_ids
        if isinstance(obj, Person):
            return obj.pk in self.person_ids
        if isinstance(obj, ForumMembership | Meeting):
            return obj.forum_id in self.forum_ids
        if isinstance(obj, Agreement):
            return obj.pk in self.agreement_ids
        if isinstance(obj, Council):
            return obj.pk in self.council_ids
        if isinstance(obj, FocusArea):
            return obj.plan_id in self.plan_ids
        raise AssertionError(f"No tenancy rule for {type(obj).__name__}: add one to Scope.allows")


def _people_of(party_ids, forum_ids) -> set:
    return {
        *RoleAssignment.objects.filter(party_id__in=party_ids).values_list("person_id", flat=True),
        *ForumMembership.objects.filter(forum_id__in=forum_ids).values_list("person_id", flat=True),
    }


def reach(user) -> Scope:
    """For forms that start something: parties of the politidistrikter of the persona's own parties."""
    own = Party.objects.filter(roles__person=user.person).distinct()
    districts = set()
    for party in own:
        specific = party.specific()
        districts.add(specific.pk if isinstance(specific, Politidistrikt) else specific.district_id)
    party_ids = {
        *districts,
        *PoliceUnit.objects.filter(district__in=districts).values_list("pk", flat=True),
        *Kommune.objects.filter(district__in=districts).values_list("pk", flat=True),
    }
    visible = agreements_visible_to(user).filter(police_party_id__in=party_ids)
    return Scope(
        party_ids=party_ids,
        person_ids=set(),
        forum_ids=set(forums_visible_to(user).values_list("pk", flat=True)),
        agreement_ids=set(visible.values_list("pk", flat=True)),
        council_ids=set(councils_visible_to(user).filter(police_unit_id__in=party_ids).values_list("pk", flat=True)),
        plan_ids=set(),
    )


def within(user, parties, forums=(), plans=()) -> Scope:
    """For forms on one object: its parties, their people and the members of its forums."""
    party_ids = {p.pk for p in parties}
    forum_ids = {f.pk for f in forums}
    visible = agreements_visible_to(user).filter(police_party_id__in=party_ids, kommuner__in=party_ids)
    return Scope(
        party_ids=party_ids,
        person_ids=_people_of(party_ids, forum_ids),
        forum_ids=forum_ids,
        agreement_ids=set(visible.values_list("pk", flat=True)),
        council_ids=set(),
        plan_ids={p.pk for p in plans},
    )


def _agreement(user, t):
    return agreements.forms.AgreementDetailsForm(instance=t.agreement, user=user), within(user, t.agreement.parties())


def _presence(user, t):
    return agreements.forms.PresenceForm(agreement=t.agreement), within(user, t.agreement.parties())


def _council(user, t):
    return councils.forms.CouncilEditForm(user=user, council=t.council), within(user, t.council.forum.parties())


def _council_member(user, t):
    forum = t.council.forum
    return councils.forms.member_form(council=t.council, user=user), within(user, forum.parties(), [forum])


def _year_plan(user, t):
    forum = t.council.forum
    year = t.meeting.starts_at.year + 1
    return councils.forms.YearPlanDecideForm(council=t.council, year=year), within(user, forum.parties(), [forum])


def _log(user, t):
    return councils.forms.LogEntryForm(council=t.council), within(user, t.council.forum.parties())


def _log_filter(user, t):
    return councils.forms.LogFilterForm(None, council=t.council), within(user, t.council.forum.parties())


def _tiltak(user, t):
    scope = within(user, t.slt_model.parties(), [t.group.forum], [t.plan])
    return slt.forms.TiltakForm(plan=t.plan, user=user), scope


def _group_member(user, t):
    return slt.forms.member_form(group=t.group, user=user), within(user, t.slt_model.parties(), [t.group.forum])


def _agenda_item(user, t):
    forum = t.council.forum
    return samarbeid.meeting_forms.AgendaItemForm(forum=forum, user=user), within(user, forum.parties(), [forum])


def _action(user, t):
    forum = t.council.forum
    return samarbeid.meeting_forms.ActionForm(forum=forum, user=user), within(user, forum.parties(), [forum])


def _action_edit(user, t):
    """An existing follow-up offers the same people and parties as a new one (its forum's)."""
    forum = t.council.forum
    action = FollowUpAction(decision=Decision(agenda_item=AgendaItem(meeting=Meeting(forum=forum))), description="x")
    return samarbeid.meeting_forms.ActionEditForm(action=action, user=user), within(user, forum.parties(), [forum])


def _attendance(user, t):
    forum = t.council.forum
    return samarbeid.meeting_forms.AttendanceForm(meeting=t.meeting, membership=forum.memberships.first()), within(
        user, forum.parties(), [forum]
    )


FORMS = {
    agreements.forms.AgreementCreateForm: lambda user, t: (
        agreements.forms.AgreementCreateForm(user=user),
        reach(user),
    ),
    agreements.forms.AgreementDetailsForm: _agreement,
    agreements.forms.PresenceForm: _presence,
    agreements.forms.TemplateCreateForm: lambda user, t: (agreements.forms.TemplateCreateForm(user=user), reach(user)),
    agreements.forms_import.ImportUploadForm: lambda user, t: (
        agreements.forms_import.ImportUploadForm(user=user),
        reach(user),
    ),
    agreements.forms_import.BulkUploadForm: lambda user, t: (
        agreements.forms_import.BulkUploadForm(user=user),
        reach(user),
    ),
    agreements.forms_import.ReviewForm: lambda user, t: (
        agreements.forms_import.ReviewForm(user=user, sections=[], suggestions=[], unknown_units=[]),
        reach(user),
    ),
    councils.forms.CouncilForm: lambda user, t: (councils.forms.CouncilForm(user=user), reach(user)),
    councils.forms.CouncilEditForm: _council,
    councils.forms.YearPlanDecideForm: _year_plan,
    councils.forms.LogEntryForm: _log,
    councils.forms.LogFilterForm: _log_filter,
    slt.forms.SltModelForm: lambda user, t: (slt.forms.SltModelForm(user=user), reach(user)),
    slt.forms.TiltakForm: _tiltak,
    samarbeid.forms.MemberForm: (_council_member, _group_member),  # one form, built by each app
    samarbeid.meeting_forms.AgendaItemForm: _agenda_item,
    samarbeid.meeting_forms.ActionForm: _action,
    samarbeid.meeting_forms.ActionEditForm: _action_edit,
    samarbeid.meeting_forms.AttendanceForm: _attendance,
}
FORM_MODULES = [
    agreements.forms,
    agreements.forms_import,
    councils.forms,
    slt.forms,
    samarbeid.meeting_forms,
    samarbeid.forms,
]


def test_every_form_with_a_model_choice_is_walked():
    with_choices = {
        cls
        for module in FORM_MODULES
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm)
        and cls.__module__ == module.__name__
        and any(isinstance(field, forms.ModelChoiceField) for field in cls.base_fields.values())
    }
    assert with_choices - set(FORMS) == set()


@pytest.mark.parametrize("persona", list(PERSONA_TENANT))
def test_no_form_offers_an_object_of_another_tenant(world, personas, persona):
    user = personas[persona]
    tenant = world[PERSONA_TENANT[persona]]
    offered_somewhere = 0
    for form_class, builds in FORMS.items():
        for build in builds if isinstance(builds, tuple) else (builds,):
            form, scope = build(user, tenant)
            for name, field in form.fields.items():
                if not isinstance(field, forms.ModelChoiceField):
                    continue
                offered = list(field.queryset)
                offered_somewhere += len(offered)
                foreign = [str(obj) for obj in offered if not scope.allows(obj)]
                assert foreign == [], f"{form_class.__name__}.{name} offers {foreign[:5]} to {persona}"
    assert offered_somewhere  # the walk saw real choices


@pytest.mark.parametrize("persona", ["moss_slt", "stavanger_politikontakt"])
def test_a_picker_renders_exactly_its_fields_choices(world, personas, persona):
    """The pickers (samarbeid/widgets.py) put the user's own first: they neither add nor drop a choice."""
    user, tenant = personas[persona], world[PERSONA_TENANT[persona]]
    pickers = 0
    for builds in FORMS.values():
        for form, _scope in (build(user, tenant) for build in (builds if isinstance(builds, tuple) else (builds,))):
            for name, field in form.fields.items():
                if not isinstance(field.widget, Picker | MultiPicker):
                    continue
                pickers += 1
                rendered = set(re.findall(r'value="(\d+)"', str(form[name])))
                assert rendered == {str(obj.pk) for obj in field.queryset}, f"{type(form).__name__}.{name}"
    assert pickers >= 10


def test_the_rendered_forms_offer_only_the_users_politidistrikt(world, client_for):
    """What the browser gets: the create forms list Sør-Vest's kommuner and units, none from Øst or Vest."""
    client = client_for("randaberg_ordforer")
    moss, luster = world["moss"], world["luster"]
    for url in (reverse("agreements:create"), reverse("councils:create"), reverse("slt:create")):
        page = client.get(url).text
        assert "Kvitsøy kommune" in page and "Randaberg kommune" in page, url
        for foreign in (moss.kommune.name, moss.unit.name, luster.kommune.name, luster.unit.name):
            assert foreign not in page, (url, foreign)


# --- a POST with another tenant's id is refused by the form ----------------------------------------------------


def _posts(world):
    moss = world["moss"]
    randaberg = world["randaberg"]
    stranger = RoleAssignment.objects.filter(party=moss.kommune).first().person
    council_base = {
        "name": "Nytt råd",
        "host_kommune": randaberg.kommune.pk,
        "police_unit": randaberg.unit.pk,
        "secretary_rule": Council.SecretaryRule.SLT_KOORDINATOR,
        "min_meetings_per_year": 2,
    }
    agreement_base = {"police_party": randaberg.unit.pk, "kommuner": [randaberg.kommune.pk]}
    return [
        ("agreements:create", [], {**agreement_base, "kommuner": [moss.kommune.pk]}, Agreement),
        ("agreements:create", [], {**agreement_base, "police_party": moss.unit.pk}, Agreement),
        ("agreements:create", [], {**agreement_base, "replaces": moss.agreement.pk}, Agreement),
        ("agreements:edit", [randaberg.agreement.pk], {"replaces": moss.agreement.pk}, None),
        ("councils:create", [], {**council_base, "other_kommuner": [moss.kommune.pk]}, Council),
        ("councils:create", [], {**council_base, "police_unit": moss.unit.pk}, Council),
        ("councils:create", [], {**council_base, "agreement": moss.agreement.pk}, Council),
        ("councils:edit", [randaberg.council.pk], {**council_base, "agreement": moss.agreement.pk}, None),
        (
            "councils:members",
            [randaberg.council.pk],
            {"person": stranger.pk, "kind": "member", "starts_on": "2026-01-01"},
            ForumMembership,
        ),
        ("slt:create", [], {"name": "SLT", "kommuner": [randaberg.kommune.pk, moss.kommune.pk]}, SltModel),
        ("slt:create", [], {"name": "SLT", "kommuner": [randaberg.kommune.pk], "police_party": moss.unit.pk}, SltModel),
        ("slt:create", [], {"name": "SLT", "kommuner": [randaberg.kommune.pk], "council": moss.council.pk}, SltModel),
        (
            "slt:tiltak_create",
            [randaberg.plan.pk],
            {"focus_area": randaberg.plan.focus_areas.get().pk, "title": "T", "responsible_person": stranger.pk},
            None,
        ),
        ("slt:tiltak_create", [randaberg.plan.pk], {"focus_area": moss.plan.focus_areas.get().pk, "title": "T"}, None),
        ("slt:member_add", [randaberg.group.pk], {"person": stranger.pk, "kind": "member"}, ForumMembership),
    ]


def test_a_post_naming_another_tenants_object_is_refused_with_a_form_error_and_stores_nothing(world, client_for):
    client = client_for("randaberg_slt")
    for name, args, data, model in _posts(world):
        before = model.objects.count() if model else None
        agreement_before = Agreement.objects.get(pk=world["randaberg"].agreement.pk).replaces_id
        response = client.post(reverse(name, args=args), data)
        assert response.status_code == 200, (name, data, response.status_code)
        assert "Velg et gyldig valg" in response.text, (name, data)
        if model:
            assert model.objects.count() == before, (name, data)
        assert Agreement.objects.get(pk=world["randaberg"].agreement.pk).replaces_id == agreement_before


# --- newlines in names ---------------------------------------------------------------------------------------


def test_a_council_name_with_a_newline_is_refused_with_a_clear_error(world, client_for):
    randaberg = world["randaberg"]
    data = {
        "name": "Politirådet\r\nBcc: alle@example.com",
        "host_kommune": randaberg.kommune.pk,
        "police_unit": randaberg.unit.pk,
        "secretary_rule": Council.SecretaryRule.SLT_KOORDINATOR,
        "min_meetings_per_year": 2,
    }
    response = client_for("randaberg_slt").post(reverse("councils:create"), data)
    assert response.status_code == 200
    assert "Skriv teksten på én linje, uten linjeskift." in response.text
    assert not Forum.objects.filter(name__contains="Bcc").exists()
    edit = client_for("randaberg_slt").post(reverse("councils:edit", args=[randaberg.council.pk]), data)
    assert "Skriv teksten på én linje, uten linjeskift." in edit.text
    assert not Forum.objects.filter(name__contains="Bcc").exists()


def test_an_slt_samarbeid_cannot_span_two_politidistrikter(world, client_for, personas):
    """A person with roles in two districts sees both districts' kommuner, but one SLT-samarbeid keeps to one."""
    role_assign(
        person=personas["randaberg_slt"].person,
        party=world["moss"].kommune,
        role="radmann",
        starts_on=datetime.date(2024, 1, 1),
    )
    data = {"name": "SLT på tvers", "kommuner": [world["randaberg"].kommune.pk, world["moss"].kommune.pk]}
    response = client_for("randaberg_slt").post(reverse("slt:create"), data)
    assert response.status_code == 200
    assert "Kommunene må høre til samme politidistrikt." in response.text
    assert not SltModel.objects.filter(name="SLT på tvers").exists()


@pytest.mark.parametrize(
    "url_name,field",
    [("slt:create", "name"), ("slt:group_create", "name"), ("slt:plan_create", "title")],
)
def test_slt_names_and_titles_with_a_newline_are_refused(world, client_for, url_name, field):
    randaberg = world["randaberg"]
    args = [] if url_name == "slt:create" else [randaberg.slt_model.pk]
    data = {
        field: "Første\nandre",
        "kommuner": [randaberg.kommune.pk],
        "meetings_per_year": 10,
        "start_year": 2026,
        "end_year": 2028,
    }
    response = client_for("randaberg_slt").post(reverse(url_name, args=args), data)
    assert response.status_code == 200
    assert "Skriv teksten på én linje, uten linjeskift." in response.text


# --- invitations ---------------------------------------------------------------------------------------------


def _create_council_with_kvitsoy(client, world):
    randaberg = world["randaberg"]
    kvitsoy = Kommune.objects.get(number="1144")
    response = client.post(
        reverse("councils:create"),
        {
            "name": "Politirådet i Randaberg og Kvitsøy",
            "host_kommune": randaberg.kommune.pk,
            "other_kommuner": [kvitsoy.pk],
            "police_unit": randaberg.unit.pk,
            "secretary_rule": Council.SecretaryRule.SLT_KOORDINATOR,
            "min_meetings_per_year": 2,
        },
    )
    assert response.status_code == 302
    return Council.objects.get(forum__name="Politirådet i Randaberg og Kvitsøy"), kvitsoy


def test_an_invited_kommune_sees_only_the_invitation_until_its_ordforer_accepts(world, client_for, personas):
    council, kvitsoy = _create_council_with_kvitsoy(client_for("randaberg_slt"), world)
    url = reverse("councils:detail", args=[council.pk])
    kvitsoy_ordforer = client_for("kvitsoy_ordforer")

    assert not council.forum.kommuner.filter(pk=kvitsoy.pk).exists()
    assert kvitsoy_ordforer.get(url).status_code == 404
    host_page = client_for("randaberg_slt").get(url).text
    assert "Invitert, venter på svar" in host_page
    assert personas["kvitsoy_ordforer"].person.name not in host_page  # its people are not enrolled

    min_side = kvitsoy_ordforer.get(reverse("min_side")).text
    assert "Kvitsøy kommune er invitert til «Politirådet i Randaberg og Kvitsøy» av Silje Vatnamo" in min_side
    assert "Kvitsøy" not in client_for("moss_ordforer").get(reverse("min_side")).text

    invitation = PartyInvitation.objects.get(kommune=kvitsoy)
    assert client_for("moss_ordforer").post(reverse("invitation_accept", args=[invitation.pk])).status_code == 404
    response = kvitsoy_ordforer.post(reverse("invitation_accept", args=[invitation.pk]))
    assert response.status_code == 302

    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == (
        PartyInvitation.Status.ACCEPTED,
        personas["kvitsoy_ordforer"],
    )
    assert council.forum.kommuner.filter(pk=kvitsoy.pk).exists()
    page = kvitsoy_ordforer.get(url)
    assert page.status_code == 200
    members = council.forum.memberships.active().values_list("person_id", flat=True)
    assert personas["kvitsoy_ordforer"].person_id in members
    assert "Invitert, venter på svar" not in page.text
    assert "er invitert til" not in kvitsoy_ordforer.get(reverse("min_side")).text


def test_the_invitation_on_min_side_is_in_nynorsk_for_a_nynorsk_reader(world, client_for):
    _create_council_with_kvitsoy(client_for("randaberg_slt"), world)
    client = client_for("kvitsoy_ordforer")
    page = client.get(reverse("min_side"), headers={"accept-language": "nn"}).text
    assert "Invitasjonar" in page and "først når nokon med rolle i kommunen godtek" in page


def test_a_declined_invitation_grants_nothing(world, client_for):
    council, kvitsoy = _create_council_with_kvitsoy(client_for("randaberg_slt"), world)
    invitation = PartyInvitation.objects.get(kommune=kvitsoy)
    kvitsoy_ordforer = client_for("kvitsoy_ordforer")
    assert kvitsoy_ordforer.post(reverse("invitation_decline", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == PartyInvitation.Status.DECLINED and invitation.answered_at
    assert not council.forum.kommuner.filter(pk=kvitsoy.pk).exists()
    assert kvitsoy_ordforer.get(reverse("councils:detail", args=[council.pk])).status_code == 404
    assert "er invitert til" not in kvitsoy_ordforer.get(reverse("min_side")).text
    # An answered invitation cannot be accepted afterwards.
    assert kvitsoy_ordforer.post(reverse("invitation_accept", args=[invitation.pk])).status_code == 404


def test_an_invited_kommunes_contacts_and_slt_plan_are_not_on_the_agreement_until_it_accepts(
    world, client_for, personas
):
    randaberg = world["randaberg"]
    kvitsoy = Kommune.objects.get(number="1144")
    kvitsoy_slt = slt_model_create(name="SLT Kvitsøy", kommuner=[kvitsoy], created_by=personas["kvitsoy_ordforer"])
    plan_create(
        slt_model=kvitsoy_slt,
        title="Kvitsøys hemmelige plan",
        start_year=2025,
        end_year=2028,
        created_by=personas["kvitsoy_ordforer"],
    )
    response = client_for("randaberg_slt").post(
        reverse("agreements:create"),
        {
            "police_party": randaberg.unit.pk,
            "kommuner": [randaberg.kommune.pk, kvitsoy.pk],
        },
    )
    agreement = Agreement.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1])
    url = reverse("agreements:detail", args=[agreement.pk])
    before = client_for("randaberg_slt").get(url).text
    assert "ordforer@kvitsoy.demo.no" not in before and "Kvitsøys hemmelige plan" not in before
    assert "ordforer@randaberg.demo.no" in before  # the contact list is there, for the parties
    assert client_for("kvitsoy_ordforer").get(url).status_code == 404

    invitation = PartyInvitation.objects.get(kommune=kvitsoy)
    client_for("kvitsoy_ordforer").post(reverse("invitation_accept", args=[invitation.pk]))
    after = client_for("randaberg_slt").get(url).text
    assert "ordforer@kvitsoy.demo.no" in after and "Kvitsøys hemmelige plan" in after
    assert client_for("kvitsoy_ordforer").get(url).status_code == 200
    assert agreement.revisions.filter(text__contains="Kvitsøy kommune godtok invitasjonen").exists()


def test_an_invitation_to_an_agreement_no_longer_a_draft_cannot_be_accepted(world, client_for, personas):
    randaberg = world["randaberg"]
    kvitsoy = Kommune.objects.get(number="1144")
    agreement = agreement_create(
        police_party=randaberg.unit,
        kommuner=[randaberg.kommune],
        invite=[kvitsoy],
        created_by=personas["randaberg_slt"],
    )
    agreement_send_for_signature(agreement, by=personas["randaberg_slt"])
    invitation = PartyInvitation.objects.get(kommune=kvitsoy)
    response = client_for("kvitsoy_ordforer").post(reverse("invitation_accept", args=[invitation.pk]), follow=True)
    assert "Avtalen er ikke lenger et utkast" in response.text
    assert not agreement.kommuner.filter(pk=kvitsoy.pk).exists()
    invitation.refresh_from_db()
    assert invitation.status == PartyInvitation.Status.PENDING


def test_an_agreement_started_by_the_police_has_no_kommune_until_one_accepts_and_cannot_be_sent_before(
    world, client_for, personas
):
    moss = world["moss"]
    response = client_for("moss_politikontakt").post(
        reverse("agreements:create"), {"police_party": moss.unit.pk, "kommuner": [moss.kommune.pk]}
    )
    agreement = Agreement.objects.exclude(pk=moss.agreement.pk).get(police_party=moss.unit)
    assert response.url == reverse("agreements:detail", args=[agreement.pk])
    assert not agreement.kommuner.exists()
    assert "Samarbeidsavtale med Moss politistasjonsdistrikt" in client_for("moss_politikontakt").get(response.url).text
    with pytest.raises(ValidationError, match="Ingen kommune er part ennå"):
        agreement_send_for_signature(agreement, by=personas["moss_politikontakt"])
    client_for("moss_ordforer").post(
        reverse("invitation_accept", args=[PartyInvitation.objects.get(kommune=moss.kommune).pk])
    )
    assert list(agreement.kommuner.all()) == [moss.kommune]
    assert client_for("moss_slt").get(reverse("agreements:detail", args=[agreement.pk])).status_code == 200


# --- replacing an agreement ------------------------------------------------------------------------------------


@pytest.fixture
def signed_randaberg_kvitsoy(personas, signing_settings):  # noqa: F811 (the fixture imported above)
    """A signed agreement between Randaberg, Kvitsøy and Tjenesteenhet Stavanger."""
    old = agreement_create(
        police_party=PoliceUnit.objects.get(name="Tjenesteenhet Stavanger"),
        kommuner=Kommune.objects.filter(number__in=["1127", "1144"]),
        created_by=personas["randaberg_slt"],
    )
    signers = [personas[k] for k in ("randaberg_ordforer", "kvitsoy_ordforer", "stavanger_leder")]
    enrol_mfa(*signers)
    agreement_send_for_signature(old, by=personas["randaberg_slt"])
    for user in signers:
        sign(old, user)
    old.refresh_from_db()
    assert old.status == Agreement.Status.SIGNED
    return old


def test_an_agreement_with_a_subset_of_the_parties_cannot_replace_the_old_one(
    signed_randaberg_kvitsoy, client_for, personas
):
    client = client_for("randaberg_slt")
    unit = signed_randaberg_kvitsoy.police_party
    randaberg = Kommune.objects.get(number="1127")
    response = client.post(
        reverse("agreements:create"),
        {
            "police_party": unit.pk,
            "kommuner": [randaberg.pk],
            "replaces": signed_randaberg_kvitsoy.pk,
        },
    )
    assert response.status_code == 200
    assert "En avtale kan bare erstatte en avtale med de samme partene" in response.text
    assert Agreement.objects.count() == 1
    # Nor can a draft of Randaberg alone be pointed at it afterwards: it is not offered.
    draft = agreement_create(police_party=unit, kommuner=[randaberg], created_by=personas["randaberg_slt"])
    edit = client.get(reverse("agreements:edit", args=[draft.pk]))
    assert f'<option value="{signed_randaberg_kvitsoy.pk}"' not in edit.text
    refused = client.post(reverse("agreements:edit", args=[draft.pk]), {"replaces": signed_randaberg_kvitsoy.pk})
    assert "Velg et gyldig valg" in refused.text
    draft.refresh_from_db()
    assert draft.replaces_id is None


def test_the_old_agreement_is_replaced_only_when_every_party_has_signed_the_new_one(
    signed_randaberg_kvitsoy, client_for, personas
):
    old = signed_randaberg_kvitsoy
    kvitsoy = Kommune.objects.get(number="1144")
    form = client_for("randaberg_slt").get(reverse("agreements:create")).text
    assert f'value="{old.pk}"' in form  # offered: the user can name all of its parties
    response = client_for("randaberg_slt").post(
        reverse("agreements:create"),
        {
            "police_party": old.police_party_id,
            "kommuner": [k.pk for k in old.kommuner.all()],
            "replaces": old.pk,
        },
    )
    assert response.status_code == 302
    new = Agreement.objects.exclude(pk=old.pk).get()
    assert not new.kommuner.filter(pk=kvitsoy.pk).exists()  # Kvitsøy is invited, not yet a party
    client_for("kvitsoy_ordforer").post(
        reverse("invitation_accept", args=[PartyInvitation.objects.get(kommune=kvitsoy).pk])
    )
    agreement_send_for_signature(new, by=personas["randaberg_slt"])
    sign(new, personas["randaberg_ordforer"])
    sign(new, personas["stavanger_leder"])
    old.refresh_from_db()
    assert old.status == Agreement.Status.SIGNED  # Kvitsøy has not signed yet
    sign(new, personas["kvitsoy_ordforer"])
    old.refresh_from_db()
    assert old.status == Agreement.Status.REPLACED


def test_a_new_agreement_that_lost_a_party_does_not_replace_the_old_one_when_signed(signed_randaberg_kvitsoy, personas):
    """If an invited kommune of the old agreement never joined, signing the new one leaves the old one in force."""
    old = signed_randaberg_kvitsoy
    randaberg, kvitsoy = Kommune.objects.get(number="1127"), Kommune.objects.get(number="1144")
    new = agreement_create(
        police_party=old.police_party,
        kommuner=[randaberg],
        invite=[kvitsoy],
        replaces=old,
        created_by=personas["randaberg_slt"],
    )
    agreement_send_for_signature(new, by=personas["randaberg_slt"])
    sign(new, personas["randaberg_ordforer"])
    sign(new, personas["stavanger_leder"])
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == Agreement.Status.SIGNED
    assert old.status == Agreement.Status.SIGNED
