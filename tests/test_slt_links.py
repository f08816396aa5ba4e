"""What other apps show of SLT (agreement section, politiråd status) and the handlingsplan as PDF."""

import io

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from samarbeid.models import Kommune
from slt.models import TiltakStatus
from slt.services import group_create, plan_create, slt_model_create, tiltak_add_progress, tiltak_create
from slt.summary import slt_status_for, slt_summary_for


@pytest.fixture
def luster(db):
    return Kommune.objects.get(number="4644")


@pytest.fixture
def luster_slt(personas, luster):
    user = personas["luster_slt"]
    slt_model = slt_model_create(name="SLT Luster", kommuner=[luster], created_by=user)
    group_create(slt_model=slt_model, name="Familieforum", meetings_per_year=12, created_by=user)
    year = timezone.localdate().year
    plan = plan_create(
        slt_model=slt_model,
        title="Handlingsplan",
        start_year=year - 1,
        end_year=year + 1,
        focus_areas=["Rus", "Vald i nære relasjonar"],
        created_by=user,
    )
    first = tiltak_create(
        plan=plan, created_by=user, focus_area=plan.focus_areas.get(name="Rus"), title="Foreldrekurs COS"
    )
    tiltak_add_progress(first, user=user, status=TiltakStatus.GJENNOMFORT)
    tiltak_create(plan=plan, created_by=user, focus_area=plan.focus_areas.get(name="Rus"), title="Nattugler")
    return slt_model


def test_summary_has_the_koordinator_the_groups_and_the_current_plan(luster_slt, luster):
    summary = slt_summary_for([luster])
    assert [role.person.name for role in summary.koordinatorer] == ["Ingrid Høyheim"]
    assert [group.name for group in summary.groups] == ["Familieforum"]
    [plan] = summary.plans
    assert (plan.done, plan.total) == (1, 2)


def test_summary_of_a_kommune_without_slt_is_empty(db):
    assert not slt_summary_for([Kommune.objects.get(number="1144")])


def test_inclusion_tag_renders_the_summary_for_an_agreement_section(luster_slt, luster):
    html = Template("{% load slt %}{% slt_summary kommuner %}").render(Context({"kommuner": [luster]}))
    assert "Familieforum" in html and "1 av 2 tiltak" in html and "Ingrid Høyheim" in html


def test_the_agreements_slt_section_shows_the_current_groups_and_plan(
    luster_slt, luster, personas, client_for, django_assert_max_num_queries
):
    from agreements.services import agreement_create
    from samarbeid.models import PoliceUnit

    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        kommuner=[luster],
        created_by=personas["luster_slt"],
    )
    client = client_for("sogn_politikontakt")
    client.get(reverse("agreements:detail", args=[agreement.pk]))  # the daily role sync
    with django_assert_max_num_queries(25):  # measured: 25, of which 5 for the SLT summary, 1 for invitations
        html = client.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
    assert "Familieforum" in html and "1 av 2 tiltak" in html


def test_status_fra_slt_is_plain_text_for_the_politirad_agenda(luster_slt, luster):
    text = slt_status_for([luster])
    assert "1 av 2 tiltak er gjennomført eller avsluttet" in text
    assert "- Rus: planlagt 1, gjennomført 1" in text
    assert "- Vald i nære relasjonar: ingen tiltak" in text
    assert "Familieforum: 0 av" in text
    assert "<" not in text


def test_status_fra_slt_says_so_when_there_is_none(db):
    assert slt_status_for([Kommune.objects.get(number="1144")]) == "Kommunen har ikke registrert noe SLT-samarbeid."


def _pdf_text(content: bytes) -> str:
    """pypdf's text, not pdftotext's (tests/pdfs.py): it reads the rotated "UTKAST" watermark as one word."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_handlingsplan_pdf_has_focus_areas_tiltak_and_page_numbers_in_the_kommunes_malform(client_for, luster_slt):
    plan = luster_slt.plans.get()
    response = client_for("sogn_politikontakt").get(reverse("slt:plan_pdf", args=[plan.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.getvalue())
    assert "Foreldrekurs COS" in text and "Vald i nære relasjonar" in text and "Nattugler" in text
    assert "Side 2 av" in text
    assert "UTKAST" in text  # not adopted by the politiråd yet
    assert "Framdrift" in text  # Luster writes nynorsk


@pytest.mark.parametrize("persona, status", [("luster_ordforer", 200), ("moss_slt", 404)])
def test_handlingsplan_pdf_is_for_the_parties_only(client_for, luster_slt, persona, status):
    plan = luster_slt.plans.get()
    assert client_for(persona).get(reverse("slt:plan_pdf", args=[plan.pk])).status_code == status


def test_demo_data_has_luster_familieforum_randaberg_osg_and_moss_plan_and_runs_twice(personas):
    from councils.demo import create_demo_councils
    from slt.demo import create_demo_slt
    from slt.models import CoordinationGroup, SltModel, Tiltak

    create_demo_councils()
    create_demo_slt()
    create_demo_slt()
    assert SltModel.objects.get(name="SLT Moss").council.host_kommune.number == "3103"
    familieforum = CoordinationGroup.objects.get(forum__name="Familieforum")
    assert familieforum.meetings_per_year == 12
    assert familieforum.forum.memberships.get(organisation="Leiande helsesjukepleiar").kind == "secretary"
    assert familieforum.forum.memberships.get(organisation="BUP").kind == "guest"
    assert CoordinationGroup.objects.filter(forum__name__startswith="OSG").count() == 1
    titles = set(Tiltak.objects.filter(plan__start_year=2018).values_list("title", flat=True))
    assert {"«Utsett!»", "Ungdomskontakt", "Årlig SLT-fagdag", "Forebygge cannabisbruk og utprøving"} <= titles


def test_status_fra_slt_shows_the_last_plan_when_none_is_current(personas):
    user = personas["moss_slt"]
    moss = Kommune.objects.get(number="3103")
    slt_model = slt_model_create(name="SLT Moss", kommuner=[moss], created_by=user)
    plan_create(slt_model=slt_model, title="Handlingsplan", start_year=2016, end_year=2017, created_by=user)
    plan_create(slt_model=slt_model, title="Handlingsplan", start_year=2018, end_year=2019, created_by=user)
    assert "Handlingsplan 2018–2019: 0 av 0 tiltak" in slt_status_for([moss])


def test_summary_queries_do_not_grow_with_groups(luster_slt, luster, personas, django_assert_max_num_queries):
    slt_summary_for([luster])
    with django_assert_max_num_queries(8) as few:
        slt_summary_for([luster])
    for i in range(10):
        group_create(slt_model=luster_slt, name=f"Gruppe {i}", meetings_per_year=3, created_by=personas["luster_slt"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(slt_summary_for([luster]).groups) == 11
