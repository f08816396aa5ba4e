"""A year plan that is a plan: the årshjul as twelve months with their themes and meetings, the theme on each
meeting's "tema fra årshjul" point, the year-end evaluation beside the year's figures and the veileder's
questions, and its answers as the starting point of next year's årshjul."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from councils.models import Evaluation, EvaluationVersion, YearPlan
from councils.services import (
    evaluation_figures,
    evaluation_submit,
    year_plan_add_meeting,
    year_plan_create,
    year_plan_decide,
)
from councils.veileder import QUESTIONS
from samarbeid.meetings import (
    action_add,
    action_close,
    attendance_record,
    decision_add,
    meeting_cancel,
    meeting_mark_held,
    meeting_plan,
)
from samarbeid.models import Attendance, Kommune, Meeting
from slt.models import TiltakStatus
from slt.services import plan_create, slt_model_create, tiltak_create
from tests.test_councils_rules import moss_council, randaberg_council  # noqa: F401 (fixtures)

TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1
ZONE = timezone.get_current_timezone()


def on(month: int, day: int, year: int = LAST_YEAR, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=ZONE)


def evaluation_url(council, year: int = LAST_YEAR) -> str:
    return reverse("councils:evaluation", kwargs={"pk": council.pk, "year": year})


def year_plan_url(council, year: int) -> str:
    return reverse("councils:year_plan", kwargs={"pk": council.pk, "year": year})


def held_meeting(council, month: int, decisions: list[str], personas) -> Meeting:
    meeting = meeting_plan(council.forum, starts_at=on(month, 10), ends_at=on(month, 10, hour=11))
    item = meeting.agenda_items.get(title="Nytt fra politiet")
    for text in decisions:
        decision_add(item, text=text, by=None)
    meeting_mark_held(meeting, by=personas["moss_slt"])
    return meeting


@pytest.fixture
def moss_last_year(moss_council, personas):
    """Moss (agreed minimum four meetings) last year: two meetings held with three decisions, one cancelled; of
    the two follow-ups one is done and one is open past its deadline; the leader was there once, absent once."""
    march = held_meeting(moss_council, 3, ["Felles tiltak mot rus i russetiden", "Trygg skolevei"], personas)
    september = held_meeting(moss_council, 9, ["Kartlegging av nettmobbing"], personas)
    cancelled = meeting_plan(moss_council.forum, starts_at=on(6, 5), ends_at=on(6, 5, hour=11))
    meeting_cancel(cancelled, by=personas["moss_slt"])
    russ, skolevei = march.agenda_items.get(title="Nytt fra politiet").decisions.all()
    done = action_add(russ, description="Plan for russetiden", responsible_party=moss_council.host_kommune)
    action_close(done, comment="Planen er laget.", by=personas["moss_slt"])
    action_add(
        skolevei,
        description="Befaring av skoleveiene",
        responsible_party=moss_council.host_kommune,
        due_on=TODAY - datetime.timedelta(days=10),
    )
    leader = moss_council.forum.memberships.get(person=personas["moss_ordforer"].person)
    attendance_record(march, leader, status=Attendance.Status.PRESENT)
    attendance_record(september, leader, status=Attendance.Status.ABSENT)
    return moss_council


@pytest.fixture
def moss_slt_plan(personas):
    slt_model = slt_model_create(
        name="SLT Moss", kommuner=[Kommune.objects.get(number="3103")], created_by=personas["moss_slt"]
    )
    plan = plan_create(
        slt_model=slt_model,
        title="Handlingsplan for rus- og kriminalitetsforebygging",
        start_year=LAST_YEAR,
        end_year=TODAY.year,
        focus_areas=["Rus"],
        created_by=personas["moss_slt"],
    )
    rus = plan.focus_areas.get()
    for title, status in (("«Utsett!»", TiltakStatus.GJENNOMFORT), ("Foreldremøter", TiltakStatus.I_GANG)):
        tiltak_create(plan=plan, created_by=personas["moss_slt"], focus_area=rus, title=title, status=status)
    return plan


# --- the year's figures beside the veileder's questions ----------------------------------------------------------


def test_the_evaluation_page_shows_the_years_figures_beside_the_veileders_questions(
    moss_last_year, moss_slt_plan, client_for
):
    page = client_for("moss_slt").get(evaluation_url(moss_last_year)).content.decode()
    assert f"2 av minst 4 møter i {LAST_YEAR} er holdt." in page
    assert "1 møte ble avlyst." in page
    assert "3 vedtak ble gjort." in page
    assert "1 oppfølgingspunkt er utført, 1 står åpent (1 over fristen)." in page
    assert "Oppmøte registrert 2 ganger: 1 til stede, 0 ved stedfortreder, 1 fraværende." in page
    assert "1 av 2 tiltak er gjennomført eller avsluttet" in page  # SLT's status, as the SLT app reports it
    for question in QUESTIONS:
        assert question.nb.split("–")[0].strip() in page


def test_a_new_evaluation_starts_with_the_figures_in_the_answers_they_belong_to(moss_last_year, client_for):
    page = client_for("moss_slt").get(evaluation_url(moss_last_year)).content.decode()
    meetings_field = page.split('name="meetings"')[1].split("</textarea>")[0]
    assert f"2 av minst 4 møter i {LAST_YEAR} er holdt." in meetings_field
    follow_up_field = page.split('name="follow_up"')[1].split("</textarea>")[0]
    assert "3 vedtak ble gjort." in follow_up_field


def test_the_figures_count_only_the_years_meetings_of_the_council(moss_last_year, randaberg_council, personas):
    other = meeting_plan(randaberg_council.forum, starts_at=on(4, 1), ends_at=on(4, 1, hour=11))
    decision_add(other.agenda_items.first(), text="Et annet råds vedtak", by=None)
    this_year = meeting_plan(
        moss_last_year.forum, starts_at=on(1, 5, year=TODAY.year + 1), ends_at=on(1, 5, TODAY.year + 1, 11)
    )
    decision_add(this_year.agenda_items.first(), text="Neste års vedtak", by=None)
    figures = evaluation_figures(moss_last_year, LAST_YEAR)
    assert (figures.compliance.held, figures.compliance.cancelled, figures.decisions) == (2, 1, 3)
    assert (figures.actions_done, figures.actions_open, figures.actions_overdue) == (1, 1, 1)


def test_the_figures_are_written_in_nynorsk_with_nynorsk_plurals(moss_last_year, client_for):
    client = client_for("moss_slt")
    client.post(reverse("set_language"), {"language": "nn", "next": "/"})
    page = client.get(evaluation_url(moss_last_year)).content.decode()
    assert f"2 av minst 4 møte i {LAST_YEAR} er haldne." in page
    assert "1 møte vart avlyst." in page
    assert "Har politirådet møtst så ofte som samarbeidsavtalen seier" in page


# --- writing, reading and its history ------------------------------------------------------------------------------


def test_the_secretary_writes_the_evaluation_and_each_saved_text_is_kept(moss_last_year, client_for, personas):
    client = client_for("moss_slt")
    url = evaluation_url(moss_last_year)
    response = client.post(url, {"version": 0, "effect": "Færre saker med rus i sentrum.", "lessons": "Møt oftere."})
    assert response.status_code == 302
    response = client.post(url, {"version": 1, "effect": "Færre saker med rus i sentrum.", "lessons": "Fire møter."})
    page = client.get(url).content.decode()
    assert "Fire møter." in page and "Tidligere versjoner" in page
    evaluation = Evaluation.objects.get(council=moss_last_year, year=LAST_YEAR)
    assert evaluation.answers == {"effect": "Færre saker med rus i sentrum.", "lessons": "Fire møter."}
    assert [v.answers["lessons"] for v in evaluation.versions.all()] == ["Fire møter.", "Møt oftere."]
    earlier = page.split("Tidligere versjoner")[1]
    assert "Møt oftere." in earlier and "Fire møter." not in earlier  # the earlier version, under its date and author


def test_an_evaluation_without_any_answer_is_refused_with_a_message(moss_last_year, client_for):
    empty = {question.key: " " for question in QUESTIONS}
    response = client_for("moss_slt").post(evaluation_url(moss_last_year), {"version": 0, **empty})
    assert response.status_code == 200
    assert "Svar på minst ett av spørsmålene" in response.content.decode()
    assert not Evaluation.objects.exists() and not EvaluationVersion.objects.exists()


def test_a_member_reads_the_evaluation_without_a_form(moss_last_year, client_for, personas):
    evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], effect="Færre saker med rus.")
    response = client_for("moss_leder").get(evaluation_url(moss_last_year))  # the police's leader: a member
    page = response.content.decode()
    assert response.status_code == 200
    assert "Færre saker med rus." in page and "<textarea" not in page and "Lagre evalueringen" not in page


@pytest.mark.parametrize(
    ("persona", "method", "expected"),
    [
        ("moss_slt", "get", 200),
        ("moss_slt", "post", 302),  # the secretary (SLT-koordinator)
        ("moss_politikontakt", "post", 302),
        ("moss_ordforer", "post", 302),  # the leader
        ("moss_leder", "get", 200),  # a member reads
        ("moss_leder", "post", 403),
        ("randaberg_slt", "get", 404),  # another council's people do not learn it exists
        ("randaberg_ordforer", "post", 404),
        ("stavanger_politikontakt", "get", 404),
        (None, "get", 302),  # the public: to the login page
        (None, "post", 302),
    ],
)
def test_who_may_read_and_write_the_evaluation(moss_last_year, client_for, persona, method, expected):
    client = client_for(persona) if persona else Client()
    url = evaluation_url(moss_last_year)
    response = client.post(url, {"version": 0, "effect": "Tekst"}) if method == "post" else client.get(url)
    assert response.status_code == expected
    if persona is None:
        assert "/konto/login/" in response["Location"]
        assert not Evaluation.objects.exists()


def test_the_public_never_sees_the_evaluation_of_a_council(moss_last_year, personas, client):
    evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], effect="Intern vurdering av saker")
    for url in (evaluation_url(moss_last_year), year_plan_url(moss_last_year, TODAY.year), "/"):
        response = client.get(url, follow=True)
        assert "Intern vurdering av saker" not in response.content.decode()


def test_the_evaluation_page_costs_the_same_queries_with_more_meetings_decisions_and_follow_ups(
    moss_last_year, client_for, django_assert_max_num_queries, personas
):
    client = client_for("moss_slt")
    url = evaluation_url(moss_last_year)
    evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], effect="Første")
    client.get(url)  # warm the per-user caches
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for month in (2, 4, 5, 7, 8, 10):
        meeting = held_meeting(moss_last_year, month, ["Vedtak A", "Vedtak B"], personas)
        for decision in meeting.agenda_items.get(title="Nytt fra politiet").decisions.all():
            action_add(decision, description="Følg opp", responsible_party=moss_last_year.host_kommune)
    for n in range(5):
        evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], effect=f"Versjon {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --- the årshjul: twelve months, their themes, the theme on the agenda ----------------------------------------------


def test_the_year_plan_shows_twelve_months_with_their_themes_and_meetings(moss_last_year, client_for, personas):
    year_plan_decide(moss_last_year, year=LAST_YEAR, decided_at=None, themes={3: "Rus og ungdom"}, by=None)
    page = client_for("moss_leder").get(year_plan_url(moss_last_year, LAST_YEAR)).content.decode()
    months = page.split('class="year-months"')[1].split("</ol>")[0]
    assert months.count('<li class="ds-card"') == 12
    march = months.split("Mars")[1].split("April")[0]
    assert "Tema: Rus og ungdom" in march and "Avholdt" in march
    june = months.split("Juni")[1].split("Juli")[0]
    assert "Avlyst" in june and "Ikke noe tema satt" in june
    assert "Ingen møter" in months.split("Januar")[1].split("Februar")[0]


def test_a_meeting_planned_in_a_month_gets_its_theme_on_the_tema_fra_arshjul_point(moss_council, personas):
    year = TODAY.year + 1
    year_plan_decide(moss_council, year=year, decided_at=None, themes={5: "Trygghet i sentrum"}, by=None)
    meeting = year_plan_add_meeting(moss_council, date=datetime.date(year, 5, 12), by=personas["moss_slt"])
    titles = list(meeting.agenda_items.values_list("title", flat=True))
    assert "Tema fra årshjul: Trygghet i sentrum" in titles
    assert meeting.theme == "Trygghet i sentrum"
    june = year_plan_add_meeting(moss_council, date=datetime.date(year, 6, 2), by=personas["moss_slt"])
    assert "Tema fra årshjul" in june.agenda_items.values_list("title", flat=True)  # no theme that month
    assert june.theme == ""


def test_a_meeting_planned_on_the_meeting_page_also_gets_the_months_theme(moss_council, client_for):
    year = TODAY.year + 1
    year_plan_decide(moss_council, year=year, decided_at=None, themes={9: "Nettmobbing"}, by=None)
    response = client_for("moss_slt").post(
        reverse("meetings:create", kwargs={"forum_pk": moss_council.forum_id}),
        {"date": f"{year}-09-15", "starts": "09:00", "ends": "11:00", "place": "Rådhuset", "theme": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "Tema fra årshjul: Nettmobbing" in page


def test_a_nynorsk_council_gets_the_theme_on_its_own_point(personas):
    from councils.services import council_create
    from samarbeid.models import PoliceUnit

    luster = Kommune.objects.get(number="4644")
    council = council_create(
        name="Politirådet i Luster",
        host_kommune=luster,
        police_unit=PoliceUnit.objects.filter(district=luster.district).first(),
        by=None,
    )
    year = TODAY.year + 1
    year_plan_decide(council, year=year, decided_at=None, themes={2: "Rus"}, by=None)
    meeting = year_plan_add_meeting(council, date=datetime.date(year, 2, 3))
    assert "Tema frå årshjulet: Rus" in meeting.agenda_items.values_list("title", flat=True)


def test_the_organisers_set_the_months_themes_on_the_page_and_readers_cannot(moss_council, client_for):
    year = TODAY.year + 1
    url = reverse("councils:year_plan_decide", kwargs={"pk": moss_council.pk, "year": year})
    data = {
        "version": 0,
        "decided_at": "",
        "note": "",
        "theme_3": "Rus og ungdom",
        "theme_10": "Vold i nære relasjoner",
    }
    assert client_for("moss_leder").post(url, data).status_code == 403
    assert client_for("randaberg_slt").post(url, data).status_code == 404
    response = client_for("moss_slt").post(url, data, follow=True)
    page = response.content.decode()
    assert "Årshjulet er lagret." in page and "Tema: Vold i nære relasjoner" in page
    assert YearPlan.objects.get(council=moss_council, year=year).themes == {
        "3": "Rus og ungdom",
        "10": "Vold i nære relasjoner",
    }


def test_the_year_plan_page_costs_the_same_queries_with_more_meetings(
    moss_council, client_for, django_assert_max_num_queries, personas
):
    year = TODAY.year + 1
    year_plan_decide(moss_council, year=year, decided_at=None, themes={1: "Rus"}, by=None)
    client = client_for("moss_slt")
    url = year_plan_url(moss_council, year)
    year_plan_add_meeting(moss_council, date=datetime.date(year, 1, 10))
    client.get(url)
    with django_assert_max_num_queries(60) as small:
        assert client.get(url).status_code == 200
    for month in range(2, 13):
        year_plan_add_meeting(moss_council, date=datetime.date(year, month, 10))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --- the evaluation's answers are next year's starting point --------------------------------------------------------


def test_next_years_plan_starts_from_what_last_years_evaluation_said_should_change(
    moss_last_year, client_for, personas
):
    evaluation_submit(
        moss_last_year,
        year=LAST_YEAR,
        by=personas["moss_slt"],
        effect="Færre saker med rus.",
        lessons="Politiets innbyggerundersøkelse bør legges fram i første møte.",
        themes="Nettmobbing\n- Trygg skolevei\n",
    )
    plan = year_plan_create(moss_last_year, year=TODAY.year, by=personas["moss_slt"])
    assert plan.starting_point["answers"]["lessons"].startswith("Politiets innbyggerundersøkelse")
    evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], lessons="Endret senere.")
    page = client_for("moss_leder").get(year_plan_url(moss_last_year, TODAY.year)).content.decode()
    assert f"Utgangspunkt fra evalueringen av {LAST_YEAR}" in page
    assert "Politiets innbyggerundersøkelse bør legges fram i første møte." in page  # as it stood then
    assert "Endret senere." not in page
    themes = page.split("Foreslåtte tema for året")[1].split("</ul>")[0]
    assert "<li>Nettmobbing</li>" in themes and "<li>Trygg skolevei</li>" in themes
    assert "Færre saker med rus." not in page  # only what carries over


def test_before_next_years_plan_is_started_its_page_shows_the_evaluation_as_it_stands(
    moss_last_year, client_for, personas
):
    evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], lessons="Flere møter med skolene.")
    page = client_for("moss_slt").get(year_plan_url(moss_last_year, TODAY.year)).content.decode()
    assert "Flere møter med skolene." in page
    assert "svarene tas vare på med årshjulet når det opprettes" in page
    assert not YearPlan.objects.filter(council=moss_last_year, year=TODAY.year).exists()  # reading creates nothing


def test_the_first_save_of_next_years_plan_keeps_the_starting_point(moss_last_year, client_for, personas):
    evaluation_submit(moss_last_year, year=LAST_YEAR, by=personas["moss_slt"], themes="Radikalisering")
    url = reverse("councils:year_plan_decide", kwargs={"pk": moss_last_year.pk, "year": TODAY.year})
    client_for("moss_slt").post(url, {"version": 0, "theme_2": "Radikalisering"})
    plan = YearPlan.objects.get(council=moss_last_year, year=TODAY.year)
    assert plan.starting_point == {"year": LAST_YEAR, "answers": {"themes": "Radikalisering"}}
    assert plan.theme_of(2) == "Radikalisering"
