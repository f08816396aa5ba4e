"""My tasks: each source shows its task to who must do it and to nobody of another tenant; grouping, the count in
the navigation, Min side as the start page, a query count that does not grow with the tasks, and the demo."""

import datetime
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements import mytasks as agreement_tasks
from agreements.models import Agreement, Owner
from agreements.services import agreement_create, section_add, section_review, section_update
from agreements.signing import agreement_send_for_signature
from councils import mytasks as council_tasks
from councils.models import Council
from councils.services import council_create, evaluation_submit, year_plan_add_meeting
from samarbeid import mytasks
from samarbeid.meetings import action_add, agenda_item_add, decision_add, meeting_mark_held
from samarbeid.models import Kommune, PoliceUnit
from samarbeid.mytasks import Task, tasks_for, tasks_grouped
from slt.models import TiltakStatus
from slt.mytasks import KIND_TILTAK
from slt.services import plan_create, slt_model_create, tiltak_create

TODAY = datetime.date(2026, 12, 1)  # a Tuesday


def kinds(user, today=TODAY) -> list[str]:
    return [task.kind for task in tasks_for(user, today)]


def fresh(personas, key):
    """The persona's login without the tasks cached on it by an earlier call."""
    user = personas[key]
    user.__dict__.pop("_tasks", None)
    user.__dict__.pop("_my_roles", None)
    user.__dict__.pop("_perm_checker", None)
    return user


@pytest.fixture
def moss(personas):
    return Kommune.objects.get(number="3103")


@pytest.fixture
def moss_unit(personas):
    return PoliceUnit.objects.get(name="Moss politistasjonsdistrikt")


@pytest.fixture
def moss_draft(personas, moss, moss_unit):
    return agreement_create(police_party=moss_unit, kommuner=[moss], created_by=personas["moss_slt"])


def signed(agreement: Agreement, **period) -> Agreement:
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.SIGNED, **period)
    return Agreement.objects.get(pk=agreement.pk)


@pytest.fixture
def moss_council(personas, moss, moss_unit):
    council = council_create(
        name="Politirådet i Moss", host_kommune=moss, police_unit=moss_unit, by=personas["moss_slt"]
    )
    Council.objects.filter(pk=council.pk).update(created_at=timezone.make_aware(datetime.datetime(2024, 1, 1, 9)))
    return Council.objects.get(pk=council.pk)


def meeting_on(council, day: datetime.date, by):
    return year_plan_add_meeting(council, date=day, theme="Trygghet", by=by)


def follow_up(council, by, *, due_on, **responsible):
    meeting = meeting_on(council, TODAY - datetime.timedelta(days=40), by)
    item = agenda_item_add(meeting, title="Rus blant unge", by=by)
    decision = decision_add(item, text="Vi lager en felles plan.", by=by)
    return action_add(decision, description="Utkast til felles plan", due_on=due_on, by=by, **responsible)


# --- agreements --------------------------------------------------------------------------------------------------


def test_kommune_writer_is_asked_for_the_empty_sections_of_their_party_and_another_tenant_is_not(personas, moss_draft):
    [task] = [t for t in tasks_for(personas["moss_slt"], TODAY) if t.kind == agreement_tasks.KIND_WRITE]
    assert f"/avtaler/{moss_draft.pk}/avsnitt/" in task.url
    assert "venter på lokal tekst" in task.reason
    assert agreement_tasks.KIND_WRITE not in kinds(personas["randaberg_slt"])


def test_the_write_task_is_gone_for_the_kommune_once_its_sections_are_written_but_stays_for_the_police(
    personas, moss_draft
):
    for section in moss_draft.sections.filter(owner__in=[Owner.KOMMUNE, Owner.FELLES]).exclude(guidance=""):
        section_update(section, local_text="<p>Skrevet lokalt.</p>", by=personas["moss_slt"])
    assert agreement_tasks.KIND_WRITE not in kinds(fresh(personas, "moss_slt"))
    [task] = [t for t in tasks_for(personas["moss_politikontakt"], TODAY) if t.kind == agreement_tasks.KIND_WRITE]
    police_headings = (
        moss_draft.sections.filter(owner=Owner.POLICE).exclude(guidance="").values_list("heading", flat=True)
    )
    assert all(heading in task.reason for heading in police_headings)


def test_signatories_are_asked_to_sign_and_nobody_else(personas, moss_draft):
    agreement_send_for_signature(moss_draft, by=personas["moss_slt"])
    [task] = [t for t in tasks_for(personas["moss_ordforer"], TODAY) if t.kind == agreement_tasks.KIND_SIGN]
    assert task.party.name == "Moss kommune"
    assert task.url == f"/avtaler/{moss_draft.pk}/signering/"
    assert [t.party.name for t in tasks_for(personas["moss_leder"], TODAY) if t.kind == "sign"] == [
        "Moss politistasjonsdistrikt"
    ]
    for key in ("moss_slt", "randaberg_ordforer", "luster_ordforer"):
        assert agreement_tasks.KIND_SIGN not in kinds(personas[key]), key


def test_an_agreement_ending_within_six_months_is_to_be_renewed_by_its_parties_only(personas, moss_draft):
    signed(moss_draft, period_start=datetime.date(2023, 1, 1), period_end=datetime.date(2027, 3, 31))
    [task] = [t for t in tasks_for(personas["moss_slt"], TODAY) if t.kind == agreement_tasks.KIND_EXPIRY]
    assert task.due_on == datetime.date(2027, 3, 31)
    assert agreement_tasks.KIND_EXPIRY not in kinds(personas["moss_slt"], datetime.date(2026, 9, 30))
    assert agreement_tasks.KIND_EXPIRY not in kinds(personas["randaberg_slt"])


def test_an_agreement_until_revised_is_to_be_revised_after_the_kommunevalg_until_a_revision_is_started(
    personas, moss_draft, moss, moss_unit
):
    agreement = signed(moss_draft, period_start=datetime.date(2024, 1, 1))
    spring = datetime.date(2027, 4, 1)
    [task] = [t for t in tasks_for(personas["moss_politikontakt"], spring) if t.kind == agreement_tasks.KIND_REVISION]
    assert task.due_on == datetime.date(2027, 9, 13)
    assert "veilederen" in task.reason
    assert agreement_tasks.KIND_REVISION not in kinds(personas["randaberg_slt"], spring)
    agreement_create(police_party=moss_unit, kommuner=[moss], created_by=personas["moss_slt"], replaces=agreement)
    assert agreement_tasks.KIND_REVISION not in kinds(fresh(personas, "moss_politikontakt"), spring)


def test_an_agreement_with_an_end_date_that_says_it_is_revised_after_each_kommunevalg_is_revised_then(
    personas, moss_draft
):
    section_add(
        moss_draft,
        heading="Evaluering",
        owner=Owner.FELLES,
        by=personas["moss_slt"],
        local_text="<p>Avtalen revideres etter hvert kommunevalg.</p>",
    )
    signed(moss_draft, period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2028, 12, 31))
    spring = datetime.date(2027, 4, 1)
    [task] = [t for t in tasks_for(personas["moss_slt"], spring) if t.kind == agreement_tasks.KIND_REVISION]
    assert task.due_on == datetime.date(2027, 9, 13) and task.reason.startswith("Avtalen sier")
    assert agreement_tasks.KIND_EXPIRY not in kinds(personas["moss_slt"], spring)  # the end is further off


def test_the_other_party_is_asked_to_review_what_a_party_wrote_until_it_has(personas, moss_draft):
    section = moss_draft.sections.filter(owner=Owner.KOMMUNE).first()
    section_update(section, local_text="<p>Kommunen stiller med kontor.</p>", by=personas["moss_slt"])
    [task] = [t for t in tasks_for(personas["moss_politikontakt"], TODAY) if t.kind == agreement_tasks.KIND_REVIEW]
    assert task.title.startswith("Gå gjennom 1 avsnitt") and section.heading in task.reason
    assert agreement_tasks.KIND_REVIEW not in kinds(personas["moss_slt"])  # its own section
    assert agreement_tasks.KIND_REVIEW not in kinds(personas["stavanger_politikontakt"])  # another tenant
    section.refresh_from_db()
    section_review(
        section=section, party=moss_draft.police_party, user=personas["moss_politikontakt"], version=section.version
    )
    assert agreement_tasks.KIND_REVIEW not in kinds(fresh(personas, "moss_politikontakt"))


# --- meetings ----------------------------------------------------------------------------------------------------


def test_the_organiser_is_asked_for_the_innkalling_seven_days_before_by_default(personas, moss_council):
    meeting = meeting_on(moss_council, TODAY + datetime.timedelta(days=10), personas["moss_slt"])
    [task] = [t for t in tasks_for(personas["moss_slt"], TODAY) if t.kind == council_tasks.KIND_INNKALLING]
    assert (task.due_on, task.url) == (TODAY + datetime.timedelta(days=3), f"/moter/{meeting.pk}/")
    assert "7 dager" in task.reason
    assert council_tasks.KIND_INNKALLING not in kinds(personas["moss_leder"])  # reads, does not organise
    assert council_tasks.KIND_INNKALLING not in kinds(personas["randaberg_slt"])


def test_the_innkalling_deadline_is_the_agreements_own(personas, moss_draft, moss, moss_unit):
    section_add(
        moss_draft,
        heading="Politirådet",
        owner=Owner.FELLES,
        by=personas["moss_slt"],
        local_text="<p>Innkalling sendes senest 14 dager før møtet.</p>",
    )
    council = council_create(
        name="Politirådet i Moss",
        host_kommune=moss,
        police_unit=moss_unit,
        agreement=moss_draft,
        by=personas["moss_slt"],
    )
    meeting_on(council, TODAY + datetime.timedelta(days=10), personas["moss_slt"])
    overdue = tasks_grouped(personas["moss_slt"], TODAY).overdue
    [task] = [t for t in overdue if t.kind == council_tasks.KIND_INNKALLING]
    assert task.due_on == TODAY - datetime.timedelta(days=4)
    assert task.reason.startswith("Avtalen sier")


def test_minutes_are_to_be_written_after_the_meeting_and_approved_once_held(personas, moss_council):
    meeting = meeting_on(moss_council, TODAY - datetime.timedelta(days=3), personas["moss_slt"])
    assert council_tasks.KIND_MINUTES_WRITE in kinds(personas["moss_politikontakt"])
    assert council_tasks.KIND_MINUTES_WRITE not in kinds(personas["randaberg_slt"])
    meeting_mark_held(meeting, by=personas["moss_slt"])
    now = kinds(fresh(personas, "moss_politikontakt"))
    assert council_tasks.KIND_MINUTES_APPROVE in now and council_tasks.KIND_MINUTES_WRITE not in now


def test_minutes_are_approved_by_the_next_meeting_else_within_two_weeks(personas, moss_council):
    held = meeting_mark_held(
        meeting_on(moss_council, TODAY - datetime.timedelta(days=3), personas["moss_slt"]), by=personas["moss_slt"]
    )
    [task] = [t for t in tasks_for(personas["moss_slt"], TODAY) if t.kind == council_tasks.KIND_MINUTES_APPROVE]
    assert task.due_on == TODAY + datetime.timedelta(days=11)  # two weeks after the meeting
    meeting_on(moss_council, TODAY + datetime.timedelta(days=5), personas["moss_slt"])
    [task] = [t for t in tasks_for(fresh(personas, "moss_slt"), TODAY) if t.key == f"meeting:{held.pk}:approve"]
    assert task.due_on == TODAY + datetime.timedelta(days=5)  # the next meeting approves it


def test_the_evaluation_is_due_at_the_years_last_meeting_where_the_agreement_says_so(
    personas, moss_draft, moss, moss_unit
):
    section_add(
        moss_draft,
        heading="Politirådet",
        owner=Owner.FELLES,
        by=personas["moss_slt"],
        local_text="<p>Årlig evaluering settes til det siste politirådet.</p>",
    )
    council = council_create(
        name="Politirådet i Moss",
        host_kommune=moss,
        police_unit=moss_unit,
        agreement=moss_draft,
        by=personas["moss_slt"],
    )
    Council.objects.filter(pk=council.pk).update(created_at=timezone.make_aware(datetime.datetime(2024, 1, 1, 9)))
    meeting_on(council, datetime.date(2026, 11, 20), personas["moss_slt"])
    tasks = {t.key: t for t in tasks_for(personas["moss_ordforer"], TODAY)}
    assert tasks[f"council:{council.pk}:evaluation:2026"].due_on == datetime.date(2026, 11, 20)
    assert tasks[f"council:{council.pk}:evaluation:2026"] in tasks_grouped(personas["moss_ordforer"], TODAY).overdue


def test_a_follow_up_assigned_to_my_party_is_mine_and_overdue_once_its_date_has_passed(personas, moss_council, moss):
    action = follow_up(
        moss_council, personas["moss_slt"], due_on=TODAY - datetime.timedelta(days=1), responsible_party=moss
    )
    groups = tasks_grouped(personas["moss_ordforer"], TODAY)
    [task] = [t for t in groups.overdue if t.kind == council_tasks.KIND_FOLLOW_UP]
    assert task.key == f"follow_up:{action.pk}"
    assert task.reason.startswith("Fristen")
    assert council_tasks.KIND_FOLLOW_UP not in kinds(personas["moss_politikontakt"])  # another party
    assert council_tasks.KIND_FOLLOW_UP not in kinds(personas["randaberg_ordforer"])


def test_a_follow_up_assigned_to_me_by_name_is_mine(personas, moss_council):
    follow_up(moss_council, personas["moss_slt"], due_on=None, responsible_person=personas["moss_politikontakt"].person)
    assert council_tasks.KIND_FOLLOW_UP in kinds(personas["moss_politikontakt"])
    assert council_tasks.KIND_FOLLOW_UP not in kinds(personas["moss_leder"])


def test_the_year_end_evaluation_and_the_arshjul_are_due_for_the_councils_leaders_only(personas, moss_council):
    tasks = {t.key: t for t in tasks_for(personas["moss_ordforer"], TODAY)}
    pk = moss_council.pk
    assert tasks[f"council:{pk}:evaluation:2025"].due_on == datetime.date(2025, 12, 31)
    assert tasks[f"council:{pk}:evaluation:2026"].due_on == datetime.date(2026, 12, 31)
    assert tasks[f"council:{pk}:year_plan:2027"].url == f"/politirad/{pk}/arshjul/2027/"
    assert f"council:{pk}:evaluation:2026" not in {
        t.key for t in tasks_for(personas["moss_ordforer"], datetime.date(2026, 9, 1))
    }
    evaluation_submit(moss_council, year=2025, by=personas["moss_slt"], expected_version=0, effect="Bedre samarbeid.")
    assert f"council:{pk}:evaluation:2025" not in {t.key for t in tasks_for(fresh(personas, "moss_ordforer"), TODAY)}
    assert not {council_tasks.KIND_EVALUATION, council_tasks.KIND_YEAR_PLAN} & set(kinds(personas["randaberg_slt"]))


# --- SLT ---------------------------------------------------------------------------------------------------------


def test_an_open_tiltak_of_my_party_is_mine_and_a_finished_one_is_not(personas, moss):
    slt = slt_model_create(name="SLT Moss", kommuner=[moss], created_by=personas["moss_slt"])
    plan = plan_create(
        slt_model=slt,
        title="Handlingsplan",
        start_year=2026,
        end_year=2027,
        focus_areas=["Rus"],
        created_by=personas["moss_slt"],
    )
    area = plan.focus_areas.get()
    for title, status in [("Ungdomskontakt", TiltakStatus.I_GANG), ("Fagdag", TiltakStatus.GJENNOMFORT)]:
        tiltak_create(
            plan=plan,
            created_by=personas["moss_slt"],
            focus_area=area,
            title=title,
            status=status,
            responsible_party=moss,
            ends_on=TODAY + datetime.timedelta(days=30),
        )
    assert [t.title for t in tasks_for(personas["moss_ordforer"], TODAY) if t.kind == KIND_TILTAK] == ["Ungdomskontakt"]
    assert KIND_TILTAK not in kinds(personas["randaberg_slt"])


# --- grouping, count, page ---------------------------------------------------------------------------------------


def test_tasks_are_grouped_overdue_this_week_to_sunday_and_later(personas, monkeypatch):
    def source(user, today):
        for key, days in [("a", -1), ("b", 0), ("c", 5), ("d", 6), ("e", None)]:
            due = today + datetime.timedelta(days=days) if days is not None else None
            yield Task(kind="x", key=key, title=key, url="/", due_on=due, reason="")

    monkeypatch.setattr(mytasks, "_sources", [source])
    groups = tasks_grouped(personas["moss_slt"], TODAY)  # Tuesday: this week ends on Sunday 6 December
    assert [[t.key for t in g] for g in (groups.overdue, groups.this_week, groups.later)] == [
        ["a"],
        ["b", "c"],
        ["d", "e"],
    ]


def test_min_side_is_the_start_page_after_login_and_lists_the_tasks_with_link_due_date_and_reason(
    client, personas, moss_council, moss
):
    follow_up(
        moss_council,
        personas["moss_slt"],
        due_on=timezone.localdate() - datetime.timedelta(days=2),
        responsible_party=moss,
    )
    response = client.post(
        "/konto/login/", {"login": personas["moss_ordforer"].email, "password": "Samarbeid-demo-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/min-side/"
    html = response.content.decode()
    assert "Mine oppgaver" in html and "Forfalt" in html
    assert "Utkast til felles plan" in html and "Fristen" in html
    assert 'href="/moter/' in html


def test_the_navigation_counts_the_open_tasks_and_min_side_says_when_there_are_none(
    client_for, personas, moss_council, moss
):
    html = client_for("vest_malansvarlig").get("/min-side/").content.decode()
    assert 'data-testid="no-tasks"' in html and 'data-testid="task-count"' not in html
    follow_up(moss_council, personas["moss_slt"], due_on=None, responsible_party=moss)
    count = len(tasks_for(fresh(personas, "moss_ordforer")))
    client = client_for("moss_ordforer")
    client.get("/min-side/")  # the start page after login counts the tasks
    html = client.get("/avtaler/").content.decode()
    assert f'data-count="{count}"' in html and f"{count} oppgaver" in html


def test_anonymous_visitors_get_no_task_count(client, db):
    assert "task-count" not in client.get("/konto/login/").content.decode()


def test_the_query_count_of_min_side_does_not_grow_with_the_tasks(
    client_for, personas, moss_council, moss, moss_draft, django_assert_max_num_queries
):
    follow_up(moss_council, personas["moss_slt"], due_on=None, responsible_party=moss)
    client = client_for("moss_slt")
    client.get("/min-side/")  # role sync and session warm-up
    follow_up(moss_council, personas["moss_slt"], due_on=None, responsible_party=moss)
    with CaptureQueriesContext(connection) as one:  # the count changed: the session is saved, as below
        client.get("/min-side/")
    few = len(tasks_for(fresh(personas, "moss_slt")))
    today = timezone.localdate()
    for days in range(1, 13):  # meetings to summon, to minute and to approve, and follow-ups
        meeting_on(moss_council, today + datetime.timedelta(days=days), personas["moss_slt"])
        held = meeting_on(moss_council, today - datetime.timedelta(days=days), personas["moss_slt"])
        if days % 2:
            meeting_mark_held(held, by=personas["moss_slt"])
        follow_up(
            moss_council, personas["moss_slt"], due_on=today - datetime.timedelta(days=days), responsible_party=moss
        )
    many = len(tasks_for(fresh(personas, "moss_slt")))
    assert many > few + 30
    with django_assert_max_num_queries(len(one)):
        client.get("/min-side/")


# Min side's queries for each kind of persona (benchmarks/load.py's): a kommune's SLT-koordinator, a police unit's
# politikontakt, a district's politimester and Politidirektoratet. The same at both sizes: the task sources share
# one reading of the agreements, of the roles and of the meetings' state (samarbeid.mytasks.shared).
MIN_SIDE_QUERIES = {"moss_slt": 27, "moss_politikontakt": 22, "sorvest_politimester": 19, "politidirektoratet": 11}


def _world(personas, size: int) -> None:
    """For Moss and for Randaberg: `size` drafts to write and review, signed agreements to renew, a politiråd with
    `size` meetings to summon, to minute and to approve, and `size` follow-ups of the kommune's."""
    for number, unit_name, by in (
        ("3103", "Moss politistasjonsdistrikt", personas["moss_slt"]),
        ("1127", "Tjenesteenhet Stavanger", personas["randaberg_slt"]),
    ):
        kommune, unit = Kommune.objects.get(number=number), PoliceUnit.objects.get(name=unit_name)
        for _ in range(size):
            draft = agreement_create(police_party=unit, kommuner=[kommune], created_by=by)
            section = draft.sections.filter(owner=Owner.KOMMUNE).exclude(guidance="").first()
            section_update(section, local_text="<p>Kommunen stiller med kontor.</p>", by=by)
            signed(
                agreement_create(police_party=unit, kommuner=[kommune], created_by=by),
                period_start=datetime.date(2023, 1, 1),
                period_end=TODAY + datetime.timedelta(days=60),
            )
        council = Council.objects.filter(host_kommune=kommune).first() or council_create(
            name=f"Politirådet i {kommune.name}", host_kommune=kommune, police_unit=unit, by=by
        )
        today = timezone.localdate()
        for days in range(1, size + 1):
            meeting_on(council, today + datetime.timedelta(days=days), by)
            meeting_mark_held(meeting_on(council, today - datetime.timedelta(days=days), by), by=by)
            follow_up(council, by, due_on=today - datetime.timedelta(days=days), responsible_party=kommune)


@pytest.mark.parametrize("key", MIN_SIDE_QUERIES)
def test_min_side_makes_a_fixed_number_of_queries_for_each_kind_of_persona_whatever_the_data(personas, key):
    def measure() -> tuple[int, int]:
        client = Client()
        client.force_login(fresh(personas, key))
        client.get("/min-side/")  # the day's role sync and the session's task count
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/min-side/").status_code == 200
        return len(queries), len(tasks_for(fresh(personas, key)))

    _world(personas, 1)
    few, few_tasks = measure()
    _world(personas, 4)
    many, many_tasks = measure()
    assert (few, many) == (MIN_SIDE_QUERIES[key], MIN_SIDE_QUERIES[key])
    assert key == "politidirektoratet" or many_tasks > few_tasks


# --- the demo ----------------------------------------------------------------------------------------------------


NATIONAL_READERS = {"politidirektoratet", "ks"}


def test_every_demo_persona_has_a_task_and_the_demo_has_a_task_of_each_kind(personas):
    from agreements.demo import create_demo_agreement_parts, create_demo_agreements_in_force
    from agreements.demo_import import import_demo_agreements
    from councils.demo import create_demo_councils, create_demo_open_work
    from slt.demo import create_demo_slt

    import_demo_agreements()
    create_demo_agreement_parts()
    create_demo_councils()
    create_demo_slt()
    for _ in range(2):  # idempotent
        create_demo_agreements_in_force()
        create_demo_open_work()
    seen = set()
    for key in personas:
        tasks = tasks_for(fresh(personas, key))
        if key in NATIONAL_READERS:  # they read the national overview and act for no party: nothing is theirs to do
            assert tasks == [], f"{key} got tasks: {tasks}"
            continue
        assert tasks, f"{key} has no task"
        seen |= {task.kind for task in tasks}
    assert seen == {
        agreement_tasks.KIND_SIGN,
        agreement_tasks.KIND_WRITE,
        agreement_tasks.KIND_REVIEW,
        agreement_tasks.KIND_EXPIRY,
        agreement_tasks.KIND_REVISION,
        council_tasks.KIND_INNKALLING,
        council_tasks.KIND_MINUTES_WRITE,
        council_tasks.KIND_MINUTES_APPROVE,
        council_tasks.KIND_FOLLOW_UP,
        council_tasks.KIND_EVALUATION,
        council_tasks.KIND_YEAR_PLAN,
        KIND_TILTAK,
        agreement_tasks.KIND_PROPOSALS,
    }


def test_min_side_in_nynorsk_lists_the_tasks_in_nynorsk(personas, moss_council, moss):
    follow_up(
        moss_council,
        personas["moss_slt"],
        due_on=timezone.localdate() - datetime.timedelta(days=2),
        responsible_party=moss,
    )
    client = Client(headers={"accept-language": "nn"})
    client.force_login(personas["moss_ordforer"])
    html = client.get("/min-side/").content.decode()
    assert "Oppgåvene mine" in html and "Forfalle" in html
    assert "Vedteke i Politirådet i Moss" in html and "Ansvarleg: Moss kommune" in html


def test_the_navigation_count_is_kept_in_the_session_and_recounted_on_min_side_or_when_stale(
    client_for, personas, moss_council, moss, monkeypatch
):
    def count() -> int:
        return len(tasks_for(fresh(personas, "moss_ordforer")))

    client = client_for("moss_ordforer")
    before = count()
    assert f'data-count="{before}"' in client.get("/min-side/").content.decode()
    follow_up(moss_council, personas["moss_slt"], due_on=None, responsible_party=moss)
    assert count() > before
    assert f'data-count="{before}"' in client.get("/avtaler/").content.decode()  # kept: no recount
    assert f'data-count="{count()}"' in client.get("/min-side/").content.decode()
    before = count()
    follow_up(moss_council, personas["moss_slt"], due_on=None, responsible_party=moss)
    assert f'data-count="{before}"' in client.get("/avtaler/").content.decode()
    later = time.time() + mytasks.COUNT_MAX_AGE + 1
    monkeypatch.setattr(mytasks.time, "time", lambda: later)
    assert f'data-count="{count()}"' in client.get("/avtaler/").content.decode()  # stale: recounted
