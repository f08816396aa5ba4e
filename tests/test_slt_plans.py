"""SLT-samarbeid, handlingsplan and tiltak: permissions across kommuner, progress, query counts."""

import datetime

import pytest
from django.urls import reverse

from samarbeid.models import Kommune, PartyInvitation
from samarbeid.paging import page_of
from slt.models import Handlingsplan, Tiltak, TiltakNote, TiltakStatus
from slt.services import plan_create, plan_progress, slt_model_create, tiltak_add_progress, tiltak_create


@pytest.fixture
def moss_slt_model(personas):
    return slt_model_create(
        name="SLT Moss",
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        utovende_niva="Skoler, barnehager, politi, frivillige organisasjoner",
    )


@pytest.fixture
def moss_plan(moss_slt_model, personas):
    return plan_create(
        slt_model=moss_slt_model,
        title="Handlingsplan for rus- og kriminalitetsforebygging",
        start_year=2018,
        end_year=2019,
        focus_areas=["Rus", "Vold i nære relasjoner"],
        created_by=personas["moss_slt"],
    )


@pytest.fixture
def utsett(moss_plan, personas):
    return tiltak_create(
        plan=moss_plan,
        created_by=personas["moss_slt"],
        focus_area=moss_plan.focus_areas.get(name="Rus"),
        title="«Utsett!»",
        target_group="Foreldre på ungdomsskolene",
    )


def test_slt_model_gets_the_police_unit_serving_the_kommune(moss_slt_model):
    assert moss_slt_model.police_party.name == "Moss politistasjonsdistrikt"


def test_koordinatorer_come_from_roles_with_stillingsprosent(moss_slt_model, personas):
    [role] = moss_slt_model.koordinatorer()
    assert role.person == personas["moss_slt"].person
    assert role.stillingsprosent == 100


@pytest.mark.parametrize(
    "persona, status",
    [
        ("moss_slt", 200),
        ("moss_ordforer", 200),
        ("moss_politikontakt", 200),
        ("moss_leder", 200),
        ("randaberg_slt", 404),
        ("luster_ordforer", 404),
        ("stavanger_politikontakt", 404),
    ],
)
def test_slt_page_is_read_by_the_kommune_and_its_police_and_hidden_from_other_tenants(
    client_for, moss_slt_model, persona, status
):
    assert client_for(persona).get(reverse("slt:detail", args=[moss_slt_model.pk])).status_code == status


@pytest.mark.parametrize(
    "persona, status", [("moss_slt", 200), ("moss_ordforer", 403), ("moss_politikontakt", 403), ("randaberg_slt", 404)]
)
def test_only_the_slt_koordinator_edits_the_slt_model(client_for, moss_slt_model, persona, status):
    assert client_for(persona).get(reverse("slt:edit", args=[moss_slt_model.pk])).status_code == status


def test_kommune_slt_page_shows_the_three_level_diagram_and_the_koordinator(client_for, moss_slt_model):
    response = client_for("moss_ordforer").get(reverse("slt:kommune", args=["3103"]), follow=True)
    content = response.content.decode()
    assert "Overordnet nivå (styringsgruppe)" in content
    assert "Koordineringsnivå" in content
    assert "Skoler, barnehager, politi" in content
    assert "Vilde Haugen Berg" in content and "100 % stilling" in content


def test_kommune_slt_page_is_404_for_another_kommune(client_for, moss_slt_model):
    assert client_for("randaberg_slt").get(reverse("slt:kommune", args=["3103"])).status_code == 404


def test_slt_koordinator_creates_a_shared_slt_model_with_a_neighbour_kommune(client_for, personas):
    randaberg, kvitsoy = Kommune.objects.get(number="1127"), Kommune.objects.get(number="1144")
    response = client_for("randaberg_slt").post(
        reverse("slt:create"), {"name": "SLT Randaberg og Kvitsøy", "kommuner": [randaberg.pk, kvitsoy.pk]}
    )
    assert response.status_code == 302
    kvitsoy = client_for("kvitsoy_ordforer")
    assert kvitsoy.get(response.url).status_code == 404  # invited: Kvitsøy joins when it accepts
    invitation = PartyInvitation.objects.get(kommune__number="1144", status=PartyInvitation.Status.PENDING)
    kvitsoy.post(reverse("invitation_accept", args=[invitation.pk]))
    assert kvitsoy.get(response.url).status_code == 200
    assert client_for("moss_ordforer").get(response.url).status_code == 404


def test_an_slt_model_must_include_a_kommune_the_creator_acts_for(client_for):
    luster = Kommune.objects.get(number="4644")
    response = client_for("randaberg_slt").post(reverse("slt:create"), {"name": "Fremmed", "kommuner": [luster.pk]})
    assert response.status_code == 200
    assert "Velg et gyldig valg" in response.content.decode() or "Velg minst én kommune" in response.content.decode()


def test_police_cannot_create_an_slt_model(client_for):
    assert client_for("moss_politikontakt").get(reverse("slt:create")).status_code == 403


def test_removing_a_kommune_takes_away_its_access(client_for, personas, moss_slt_model):
    from slt.services import slt_model_update

    randaberg = Kommune.objects.get(number="1127")
    slt_model_update(moss_slt_model, changed_by=personas["moss_slt"], kommuner=[randaberg])
    assert client_for("moss_ordforer").get(reverse("slt:detail", args=[moss_slt_model.pk])).status_code == 404
    assert client_for("randaberg_ordforer").get(reverse("slt:detail", args=[moss_slt_model.pk])).status_code == 200


def test_plan_period_must_not_end_before_it_starts(moss_slt_model, personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        plan_create(
            slt_model=moss_slt_model, title="Feil", start_year=2020, end_year=2019, created_by=personas["moss_slt"]
        )


def test_koordinator_creates_a_plan_with_focus_areas_through_the_form(client_for, moss_slt_model):
    response = client_for("moss_slt").post(
        reverse("slt:plan_create", args=[moss_slt_model.pk]),
        {"title": "Handlingsplan", "start_year": 2024, "end_year": 2027, "focus_areas": "Rus\nNettmobbing\n\n"},
    )
    plan = Handlingsplan.objects.get(slt_model=moss_slt_model)
    assert response.url == reverse("slt:plan", args=[plan.pk])
    assert [area.name for area in plan.focus_areas.all()] == ["Rus", "Nettmobbing"]


def test_readers_cannot_create_plans_or_tiltak(client_for, moss_slt_model, moss_plan):
    client = client_for("moss_politikontakt")
    assert client.get(reverse("slt:plan_create", args=[moss_slt_model.pk])).status_code == 403
    assert client.get(reverse("slt:tiltak_create", args=[moss_plan.pk])).status_code == 403
    assert client_for("randaberg_slt").get(reverse("slt:tiltak_create", args=[moss_plan.pk])).status_code == 404


def test_koordinator_adds_a_tiltak_with_responsible_party_and_period(client_for, personas, moss_plan):
    moss = Kommune.objects.get(number="3103")
    response = client_for("moss_slt").post(
        reverse("slt:tiltak_create", args=[moss_plan.pk]),
        {
            "focus_area": moss_plan.focus_areas.get(name="Rus").pk,
            "title": "Årlig SLT-fagdag",
            "target_group": "Førstelinjen",
            "responsible_party": moss.pk,
            "responsible_person": personas["moss_slt"].person.pk,
            "starts_on": "2018-01-01",
            "ends_on": "2019-12-31",
        },
    )
    tiltak = Tiltak.objects.get(title="Årlig SLT-fagdag")
    assert response.url == reverse("slt:tiltak", args=[tiltak.pk])
    assert tiltak.status == TiltakStatus.PLANLAGT and tiltak.status_changed_by == personas["moss_slt"]


def test_tiltak_deadline_before_start_is_refused_in_norwegian(client_for, moss_plan):
    response = client_for("moss_slt").post(
        reverse("slt:tiltak_create", args=[moss_plan.pk]),
        {
            "focus_area": moss_plan.focus_areas.first().pk,
            "title": "X",
            "starts_on": "2019-01-01",
            "ends_on": "2018-01-01",
        },
    )
    assert "Fristen kan ikke være før startdatoen." in response.content.decode()


def test_focus_area_of_another_plan_is_refused(moss_slt_model, moss_plan, personas):
    from django.core.exceptions import ValidationError

    other = plan_create(
        slt_model=moss_slt_model,
        title="Annen",
        start_year=2020,
        end_year=2021,
        focus_areas=["Rus"],
        created_by=personas["moss_slt"],
    )
    with pytest.raises(ValidationError):
        tiltak_create(
            plan=moss_plan, created_by=personas["moss_slt"], focus_area=other.focus_areas.get(), title="Feil plan"
        )


def test_progress_note_and_status_change_are_recorded_with_who_and_when(client_for, personas, utsett):
    response = client_for("moss_slt").post(
        reverse("slt:tiltak_progress", args=[utsett.pk]), {"status": TiltakStatus.I_GANG, "text": "Startet høsten"}
    )
    assert response.status_code == 302
    utsett.refresh_from_db()
    assert utsett.status == TiltakStatus.I_GANG
    note = TiltakNote.objects.get(tiltak=utsett)
    assert (note.from_status, note.to_status, note.created_by) == ("planlagt", "i_gang", personas["moss_slt"])


def test_progress_through_htmx_returns_the_progress_partial(client_for, utsett):
    response = client_for("moss_slt").post(
        reverse("slt:tiltak_progress", args=[utsett.pk]),
        {"status": TiltakStatus.PLANLAGT, "text": "Møte holdt"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert 'id="fremdrift"' in content and "Møte holdt" in content


def test_empty_progress_is_refused(client_for, utsett):
    response = client_for("moss_slt").post(
        reverse("slt:tiltak_progress", args=[utsett.pk]), {"status": TiltakStatus.PLANLAGT, "text": " "}
    )
    assert "Skriv et notat eller endre status." in response.content.decode()
    assert not TiltakNote.objects.exists()


@pytest.mark.parametrize("persona, status", [("moss_ordforer", 403), ("moss_politikontakt", 403), ("luster_slt", 404)])
def test_only_the_koordinator_records_progress(client_for, utsett, persona, status):
    response = client_for(persona).post(reverse("slt:tiltak_progress", args=[utsett.pk]), {"status": "i_gang"})
    assert response.status_code == status


@pytest.mark.parametrize(
    "persona, status", [("moss_politikontakt", 200), ("moss_ordforer", 200), ("sogn_lensmann", 404)]
)
def test_plan_and_tiltak_pages_are_read_by_the_parties_and_hidden_from_others(client_for, utsett, persona, status):
    client = client_for(persona)
    assert client.get(reverse("slt:plan", args=[utsett.plan_id])).status_code == status
    assert client.get(reverse("slt:tiltak", args=[utsett.pk])).status_code == status


def test_plan_progress_counts_tiltak_per_focus_area_and_status(moss_plan, personas, utsett):
    user = personas["moss_slt"]
    rus = moss_plan.focus_areas.get(name="Rus")
    done = tiltak_create(plan=moss_plan, created_by=user, focus_area=rus, title="Cannabis")
    tiltak_add_progress(done, user=user, status=TiltakStatus.GJENNOMFORT)
    progress = {row.focus_area.name: row for row in plan_progress(moss_plan)}
    assert progress["Rus"].counts == {"planlagt": 1, "i_gang": 0, "gjennomfort": 1, "avsluttet": 0}
    assert progress["Rus"].percent_done == 50
    assert progress["Vold i nære relasjoner"].total == 0


def test_overdue_open_tiltak_is_flagged(utsett):
    utsett.ends_on = datetime.date(2019, 12, 31)
    assert utsett.is_overdue(datetime.date(2020, 1, 1))
    utsett.status = TiltakStatus.GJENNOMFORT
    assert not utsett.is_overdue(datetime.date(2020, 1, 1))


def _add_tiltak(plan, user, count):
    areas = list(plan.focus_areas.all())
    for i in range(count):
        tiltak = tiltak_create(plan=plan, created_by=user, focus_area=areas[i % len(areas)], title=f"Tiltak {i}")
        tiltak_add_progress(tiltak, user=user, text=f"Notat {i}", status=TiltakStatus.I_GANG)


PLAN_QUERIES = 8  # session, user, the plan, its rights, progress, the page of tiltak with their count, …


def test_plan_page_queries_do_not_grow_with_tiltak(client_for, personas, moss_plan, django_assert_num_queries):
    client = client_for("moss_politikontakt")
    url = reverse("slt:plan", args=[moss_plan.pk])
    _add_tiltak(moss_plan, personas["moss_slt"], 2)
    client.get(url)
    with django_assert_num_queries(PLAN_QUERIES):
        client.get(url)
    _add_tiltak(moss_plan, personas["moss_slt"], 30)  # more than a page
    with django_assert_num_queries(PLAN_QUERIES):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(PLAN_QUERIES):
        assert client.get(url, {"side": 2}).status_code == 200


SLT_INDEX_QUERIES, SLT_DETAIL_QUERIES, TILTAK_QUERIES = 6, 11, 8


def test_slt_pages_queries_do_not_grow_with_data(client_for, personas, moss_plan, django_assert_num_queries):
    """The same number of queries for a tiltak without notes and for one with more than a page of them."""
    client = client_for("moss_slt")
    tiltak = tiltak_create(
        plan=moss_plan, created_by=personas["moss_slt"], focus_area=moss_plan.focus_areas.first(), title="Notert"
    )
    urls = [
        reverse("slt:index"),
        reverse("slt:detail", args=[moss_plan.slt_model_id]),
        reverse("slt:tiltak", args=[tiltak.pk]),
    ]
    counts = dict(zip(urls, [SLT_INDEX_QUERIES, SLT_DETAIL_QUERIES, TILTAK_QUERIES], strict=True))
    for url in urls:
        client.get(url)
    for url in urls:
        with django_assert_num_queries(counts[url]):
            client.get(url)
    for i in range(30):
        tiltak_add_progress(tiltak, user=personas["moss_slt"], text=f"Notat {i}")
        plan_create(
            slt_model=moss_plan.slt_model,
            title=f"Plan {i}",
            start_year=2000 + i,
            end_year=2001 + i,
            created_by=personas["moss_slt"],
        )
        slt_model_create(
            name=f"SLT {i}", kommuner=[Kommune.objects.get(number="3103")], created_by=personas["moss_slt"]
        )
    for url in urls:
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200
    with django_assert_num_queries(TILTAK_QUERIES):
        assert client.get(urls[2], {"side": 2}).status_code == 200


def test_the_politirad_is_the_steering_group_in_the_diagram(client_for, personas):
    from councils.services import council_create
    from samarbeid.models import PoliceUnit

    moss = Kommune.objects.get(number="3103")
    council = council_create(
        name="Politirådet i Moss",
        host_kommune=moss,
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
    )
    response = client_for("moss_slt").post(
        reverse("slt:create"), {"name": "SLT Moss", "kommuner": [moss.pk], "council": council.pk}
    )
    content = client_for("moss_ordforer").get(response.url).content.decode()
    assert "Politirådet i Moss" in content and reverse("councils:detail", args=[council.pk]) in content


def test_the_list_shows_only_the_slt_models_the_user_takes_part_in(client_for, moss_slt_model):
    assert "SLT Moss" in client_for("moss_politikontakt").get(reverse("slt:index")).content.decode()
    content = client_for("randaberg_slt").get(reverse("slt:index")).content.decode()
    assert "SLT Moss" not in content and "Nytt SLT-samarbeid" in content


@pytest.mark.parametrize(
    "persona, expected",
    [("moss_slt", {200, 302}), ("moss_ordforer", {403}), ("moss_politikontakt", {403}), ("randaberg_slt", {404})],
)
def test_permission_matrix_for_changing_plans_and_tiltak(client_for, utsett, persona, expected):
    client = client_for(persona)
    plan = utsett.plan
    assert client.get(reverse("slt:plan_edit", args=[plan.pk])).status_code in expected
    assert client.get(reverse("slt:tiltak_edit", args=[utsett.pk])).status_code in expected
    assert client.post(reverse("slt:focus_area_add", args=[plan.pk]), {"name": "Nettmobbing"}).status_code in expected


def test_koordinator_edits_a_tiltak_and_adds_a_focus_area(client_for, utsett):
    client = client_for("moss_slt")
    client.post(reverse("slt:focus_area_add", args=[utsett.plan_id]), {"name": "Nettmobbing"})
    nettmobbing = utsett.plan.focus_areas.get(name="Nettmobbing")
    response = client.post(
        reverse("slt:tiltak_edit", args=[utsett.pk]),
        {
            "focus_area": nettmobbing.pk,
            "title": "«Utsett!» 2.0",
            "target_group": "Foreldre",
            "version": 1,
        },
    )
    assert response.status_code == 302
    utsett.refresh_from_db()
    assert (utsett.title, utsett.focus_area) == ("«Utsett!» 2.0", nettmobbing)
    assert utsett.updated_by.email == "slt@moss.demo.no" and utsett.updated_at is not None
    assert "Sist endret" in client.get(reverse("slt:tiltak", args=[utsett.pk])).content.decode()


def test_a_group_member_without_login_can_be_responsible_for_a_tiltak(client_for, personas, moss_plan):
    from slt.services import group_create, group_member_add

    group = group_create(
        slt_model=moss_plan.slt_model, name="OSG", meetings_per_year=12, created_by=personas["moss_slt"]
    )
    member = group_member_add(
        group, name="Helga Helsestasjon", organisation="Helsestasjon", kind="member", by=personas["moss_slt"]
    )
    content = client_for("moss_slt").get(reverse("slt:tiltak_create", args=[moss_plan.pk])).content.decode()
    assert f'value="{member.person.pk}"' in content


def test_a_duplicate_focus_area_is_refused_with_a_message(client_for, moss_plan):
    response = client_for("moss_slt").post(
        reverse("slt:focus_area_add", args=[moss_plan.pk]), {"name": "Rus"}, follow=True
    )
    assert moss_plan.focus_areas.filter(name="Rus").count() == 1
    assert "finnes allerede" in response.content.decode()


def test_a_second_plan_with_the_same_title_and_start_year_is_refused(client_for, moss_plan):
    response = client_for("moss_slt").post(
        reverse("slt:plan_create", args=[moss_plan.slt_model_id]),
        {"title": moss_plan.title, "start_year": 2018, "end_year": 2020},
    )
    assert "Det finnes allerede en handlingsplan med denne tittelen fra samme år." in response.content.decode()


def test_a_page_of_notes_is_read_with_the_count_of_all_and_past_the_end_is_the_last_page(
    personas, moss_plan, django_assert_num_queries
):
    tiltak = tiltak_create(
        plan=moss_plan, created_by=personas["moss_slt"], focus_area=moss_plan.focus_areas.first(), title="Notert"
    )
    for i in range(7):
        tiltak_add_progress(tiltak, user=personas["moss_slt"], text=f"Notat {i}")
    notes = tiltak.notes.order_by("pk")
    with django_assert_num_queries(1):
        page = page_of(notes, "2", 3)
        assert [note.text for note in page.object_list] == ["Notat 3", "Notat 4", "Notat 5"]
        assert (page.paginator.count, page.paginator.num_pages, page.has_next()) == (7, 3, True)
    assert page_of(notes, "x", 3).number == 1
    assert page_of(notes, "9", 3).number == 3  # past the end: the last page, as Paginator.get_page
    assert list(page_of(notes, "9", 3).object_list) == [notes.last()]
    with django_assert_num_queries(1):
        empty = page_of(notes.filter(text="ingen"), 1, 3)
        assert (list(empty.object_list), empty.paginator.count) == ([], 0)
    with pytest.raises(ValueError):
        page_of(notes.distinct(), 1, 3)
