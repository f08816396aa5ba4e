"""District oversight and the national overview: figures per kommune, filters, exports, access, query bound."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agreements.access import grant_agreement
from agreements.models import Agreement, AgreementSection, SigningRound
from councils.access import grant_council
from councils.models import Council, Evaluation
from samarbeid.meetings import forum_groups_create
from samarbeid.models import (
    AgendaItem,
    Decision,
    FollowUpAction,
    Forum,
    Kommune,
    Meeting,
    Person,
    PoliceUnit,
    Politidistrikt,
    Role,
    RoleAssignment,
    User,
)
from samarbeid.permissions import can_act_for_any, sync_user_roles
from samarbeid.roles import role_assign
from slt.models import FocusArea, Handlingsplan, SltModel, Tiltak, TiltakStatus

TODAY = timezone.localdate()
YEAR = TODAY.year


def at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def district(short_name: str) -> Politidistrikt:
    return Politidistrikt.objects.get(short_name=short_name)


def unit_in(district_: Politidistrikt) -> PoliceUnit:
    unit, _ = PoliceUnit.objects.get_or_create(
        name=f"Testenhet {district_.short_name}", defaults={"district": district_, "unit_kind": "tjenesteenhet"}
    )
    return unit


def agreement(kommune, *, status, by, start=None, end=None, signed=None, text="", police=None):
    """An agreement of one kommune in a given status, signed on `signed` (a date) when given."""
    made = Agreement.objects.create(
        police_party=police or unit_in(kommune.district), created_by=by, period_start=start, period_end=end
    )
    made.kommuner.add(kommune)
    if text:
        AgreementSection.objects.create(agreement=made, order=1, heading="Politiråd", local_text=text)
    if signed:
        SigningRound.objects.create(agreement=made, content_hash="0" * 64, sent_by=by, completed_at=at(signed, 12))
    if status != Agreement.Status.DRAFT:
        Agreement.objects.filter(pk=made.pk).update(status=status)
        made.refresh_from_db()
    return made


def council(kommune, *, minimum=2, linked=None, created=None):
    unit = unit_in(kommune.district)
    forum = Forum.objects.create(kind=Forum.Kind.POLITIRAD, name=f"Politirådet i {kommune.name}", police_party=unit)
    forum_groups_create(forum)  # its groups, no grants: each test grants what it needs
    forum.kommuner.add(kommune)
    made = Council.objects.create(
        forum=forum,
        host_kommune=kommune,
        police_unit=unit,
        min_meetings_per_year=minimum,
        agreement=linked,
    )
    if created:
        Council.objects.filter(pk=made.pk).update(created_at=at(created))
    return made


def meeting(council_, day: datetime.date, *, status=Meeting.Status.HELD, notice_days=None):
    summoned = at(day) - datetime.timedelta(days=notice_days) if notice_days is not None else None
    cancelled = timezone.now() if status == Meeting.Status.CANCELLED else None
    return Meeting.objects.create(
        forum=council_.forum,
        starts_at=at(day),
        ends_at=at(day, 20),
        status=status,
        summoned_at=summoned,
        cancelled_at=cancelled,
    )


def follow_up(meeting_, *, due_on, done=False):
    item = AgendaItem.objects.create(
        forum=meeting_.forum,
        meeting=meeting_,
        year=meeting_.starts_at.year,
        number=AgendaItem.objects.filter(forum=meeting_.forum).count() + 1,
        title="Sak",
    )
    decision = Decision.objects.create(agenda_item=item, text="Vedtak")
    return FollowUpAction.objects.create(
        decision=decision,
        description="Følge opp",
        due_on=due_on,
        status=FollowUpAction.Status.DONE if done else FollowUpAction.Status.OPEN,
        closed_at=timezone.now() if done else None,
    )


def tiltak(kommune, *, by, ends_on, status=TiltakStatus.I_GANG):
    model, _ = SltModel.objects.get_or_create(name=f"SLT {kommune.name}", defaults={"created_by": by})
    model.kommuner.add(kommune)
    plan, _ = Handlingsplan.objects.get_or_create(
        slt_model=model, title="Plan", start_year=YEAR - 1, defaults={"end_year": YEAR + 1, "created_by": by}
    )
    area, _ = FocusArea.objects.get_or_create(plan=plan, name="Rus")
    return Tiltak.objects.create(
        plan=plan, focus_area=area, title="Tiltak", ends_on=ends_on, status=status, status_changed_by=by
    )


def person_with_role(party, role, email) -> User:
    person = Person.objects.create(name=email.split("@")[0], email=email)
    role_assign(person=person, party=party, role=role, starts_on=TODAY - datetime.timedelta(days=30))
    user = User.objects.create_user(email, "x", person=person)
    sync_user_roles(user)
    return user


def exported_csv(response) -> dict[str, dict[str, str]]:
    """The CSV export read back, as {kommunenummer: {column: value}}."""
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return {row["Kommunenummer"]: row for row in rows}


# --- A constructed Sør-Vest: every status, one council with known figures ---------------------------------------


@pytest.fixture
def sor_vest(personas):
    return build_sor_vest(personas["sorvest_politimester"])


def build_sor_vest(by: User) -> dict:
    kommuner = list(Kommune.objects.filter(district__short_name="Sør-Vest").order_by("number")[:7])
    none, draft, sent, signed, expiring, expired, revision = kommuner
    agreement(draft, status=Agreement.Status.DRAFT, by=by)
    agreement(sent, status=Agreement.Status.SENT, by=by, start=TODAY)
    current = agreement(
        signed,
        status=Agreement.Status.SIGNED,
        by=by,
        start=TODAY - datetime.timedelta(days=300),
        end=TODAY + datetime.timedelta(days=800),
        signed=TODAY - datetime.timedelta(days=310),
        text="Politirådet skal ha minimum fire møter i året. Innkalling sendes senest to uker før møtet.",
    )
    agreement(
        expiring,
        status=Agreement.Status.SIGNED,
        by=by,
        start=datetime.date(YEAR - 2, 1, 1),
        end=TODAY + datetime.timedelta(days=60),
        signed=datetime.date(YEAR - 2, 1, 1),
    )
    agreement(
        expired,
        status=Agreement.Status.SIGNED,
        by=by,
        start=datetime.date(YEAR - 4, 1, 1),
        end=TODAY - datetime.timedelta(days=10),
        signed=datetime.date(YEAR - 4, 1, 1),
    )
    agreement(
        revision,
        status=Agreement.Status.SIGNED,
        by=by,
        start=datetime.date(2020, 3, 1),
        signed=datetime.date(2020, 2, 1),
    )
    # The signed kommune's politiråd: its agreement says four meetings and two weeks' notice.
    rad = council(signed, linked=current, created=datetime.date(YEAR - 3, 1, 1))
    first = meeting(rad, datetime.date(YEAR, 1, 20), notice_days=15)  # on time
    meeting(rad, datetime.date(YEAR, 2, 20), notice_days=8)  # a week's notice: late by this agreement
    meeting(rad, datetime.date(YEAR, 3, 20), status=Meeting.Status.CANCELLED)
    meeting(rad, datetime.date(YEAR - 1, 10, 1))  # last year: not counted
    Evaluation.objects.create(council=rad, year=YEAR - 3, answers={"effect": "Bra"})
    follow_up(first, due_on=TODAY - datetime.timedelta(days=5))
    follow_up(first, due_on=TODAY - datetime.timedelta(days=5), done=True)
    follow_up(first, due_on=TODAY + datetime.timedelta(days=5))
    tiltak(signed, by=by, ends_on=TODAY - datetime.timedelta(days=1))
    tiltak(signed, by=by, ends_on=TODAY - datetime.timedelta(days=1), status=TiltakStatus.GJENNOMFORT)
    return {
        "none": none,
        "draft": draft,
        "sent": sent,
        "signed": signed,
        "expiring": expiring,
        "expired": expired,
        "revision": revision,
        "council": rad,
        "agreement": current,
    }


def test_district_export_has_every_status_and_the_councils_figures_from_its_agreement(sor_vest, client_for):
    url = reverse("oversight:district_export", args=[district("Sør-Vest").pk, "csv"])
    rows = exported_csv(client_for("sorvest_politimester").get(url))
    assert len(rows) == Kommune.objects.filter(district__short_name="Sør-Vest").count()
    status = {
        key: rows[sor_vest[key].number]["Avtalestatus"]
        for key in ("none", "draft", "sent", "signed", "expiring", "expired", "revision")
    }
    assert status == {
        "none": "Ingen avtale",
        "draft": "Utkast",
        "sent": "Venter på signatur",
        "signed": "Signert",
        "expiring": "Utløper innen seks måneder",
        "expired": "Utløpt",
        "revision": "Skal revideres",
    }
    signed = rows[sor_vest["signed"].number]
    assert signed["Signert"] == (TODAY - datetime.timedelta(days=310)).strftime("%d.%m.%Y")
    start, end = TODAY - datetime.timedelta(days=300), TODAY + datetime.timedelta(days=800)
    assert signed["Periode"] == f"{start.year}–{end.year}"
    assert (signed["Møter holdt i år"], signed["Minste antall møter"]) == ("2", "4")
    assert (signed["Innkallinger i år"], signed["Innkalling i tide (%)"]) == ("2", "50")
    assert signed["Siste årsevaluering"] == str(YEAR - 3)
    assert (signed["Oppfølging over frist"], signed["Tiltak over frist"]) == ("1", "1")
    assert rows[sor_vest["none"].number]["Møter holdt i år"] == ""  # no politiråd


def test_district_page_shows_counts_a_missing_evaluation_and_the_coverage_chart_with_a_table(sor_vest, client_for):
    page = client_for("sorvest_politimester").get(reverse("oversight:district", args=[district("Sør-Vest").pk]))
    html = page.content.decode()
    total = Kommune.objects.filter(district__short_name="Sør-Vest").count()
    assert f"3 av {total} kommuner har en signert, gjeldende samarbeidsavtale" in html
    assert "2 / 4" in html and "50 % (1 av 2)" in html and "mangler" in html
    assert "<svg" in html and '<title id="coverage-title">' in html and '<desc id="coverage-desc">' in html
    assert '<th scope="row">2020</th><td>1 av' in html  # the revision-due agreement, signed in February 2020
    assert "Følge opp" not in html and "Tiltak</" not in html  # counts only, no content of follow-ups or tiltak


def test_filter_and_sort_narrow_the_rows_and_the_export_follows_them(sor_vest, client_for):
    client = client_for("sorvest_politimester")
    pk = district("Sør-Vest").pk
    rows = exported_csv(client.get(reverse("oversight:district_export", args=[pk, "csv"]) + "?status=signert"))
    assert list(rows) == [sor_vest["signed"].number]
    named = client.get(reverse("oversight:district_export", args=[pk, "csv"]), {"q": sor_vest["draft"].name.upper()})
    assert list(exported_csv(named)) == [sor_vest["draft"].number]
    page = client.get(reverse("oversight:district", args=[pk]), {"status": "utlopt"}).content.decode()
    assert sor_vest["expired"].name in page and sor_vest["signed"].name not in page
    ordered = client.get(reverse("oversight:district_export", args=[pk, "csv"]), {"sort": "signert", "order": "desc"})
    numbers = list(exported_csv(ordered))
    assert numbers[:4] == [sor_vest[k].number for k in ("signed", "expiring", "expired", "revision")]
    for nonsense in ({"sort": "passord"}, {"status": "x"}, {"order": "opp"}, {"q": "a" * 500}):
        assert client.get(reverse("oversight:district", args=[pk]), nonsense).status_code == 200


def test_xlsx_export_reads_back_with_the_same_rows_and_real_dates(sor_vest, client_for):
    url = reverse("oversight:district_export", args=[district("Sør-Vest").pk, "xlsx"])
    response = client_for("sorvest_politimester").get(url)
    assert response["Content-Disposition"].startswith('attachment; filename="oversikt-sor-vest-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.values)
    assert header[:3] == ("Kommunenummer", "Kommune", "Avtalestatus")
    by_number = {row[0]: row for row in rows}
    signed = by_number[sor_vest["signed"].number]
    assert signed[2] == "Signert" and signed[3].date() == TODAY - datetime.timedelta(days=310)
    assert signed[5:9] == (2, 4, 2, 50)
    assert len(rows) == Kommune.objects.filter(district__short_name="Sør-Vest").count()


def test_rows_link_only_to_what_the_viewer_may_open(sor_vest, client_for, personas):
    from django.test import Client

    grant_agreement(sor_vest["agreement"])
    grant_council(sor_vest["council"])
    url = reverse("oversight:district", args=[district("Sør-Vest").pk])
    agreement_link = reverse("agreements:detail", args=[sor_vest["agreement"].pk])
    council_link = reverse("councils:detail", args=[sor_vest["council"].pk])
    others = Agreement.objects.exclude(pk=sor_vest["agreement"].pk).filter(kommuner__district__short_name="Sør-Vest")

    politimester = client_for("sorvest_politimester").get(url).content.decode()
    assert agreement_link in politimester  # the district's politimester reads its units' agreements …
    assert client_for("sorvest_politimester").get(agreement_link).status_code == 200
    assert council_link not in politimester  # … but not the unit's councils
    assert client_for("sorvest_politimester").get(council_link).status_code == 404
    assert not any(reverse("agreements:detail", args=[a.pk]) in politimester for a in others)  # never granted

    sjef = Client()
    sjef.force_login(person_with_role(unit_in(district("Sør-Vest")), Role.POLITISTASJONSSJEF, "sjef@sv.demo.no"))
    page = sjef.get(url).content.decode()
    assert agreement_link in page and council_link in page  # the unit's own agreement and council
    assert sjef.get(council_link).status_code == 200

    national = client_for("politidirektoratet").get(url).content.decode()
    assert agreement_link not in national and council_link not in national  # read-only: figures, no objects


# --- Access -------------------------------------------------------------------------------------------------------


def test_politimester_sees_own_district_and_no_other(personas, client_for):
    client = client_for("sorvest_politimester")
    assert client.get(reverse("oversight:district", args=[district("Sør-Vest").pk])).status_code == 200
    assert client.get(reverse("oversight:district", args=[district("Øst").pk])).status_code == 404
    assert client.get(reverse("oversight:district_export", args=[district("Øst").pk, "csv"])).status_code == 404
    assert client.get(reverse("oversight:district_export", args=[district("Øst").pk, "xlsx"])).status_code == 404
    assert client.get(reverse("oversight:index")).url == reverse("oversight:district", args=[district("Sør-Vest").pk])
    assert client.get(reverse("oversight:district_export", args=[district("Sør-Vest").pk, "pdf"])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("vest_malansvarlig", "Vest"),
        ("randaberg_slt", None),
        ("randaberg_ordforer", None),
        ("moss_ordforer", None),
        ("luster_slt", None),
        ("moss_politikontakt", None),
        ("moss_leder", None),
        ("sogn_lensmann", None),
    ],
)
def test_access_matrix_over_every_district(personas, client_for, persona, sees):
    client = client_for(persona)
    for each in Politidistrikt.objects.all():
        expected = 200 if each.short_name == sees else 404
        assert client.get(reverse("oversight:district", args=[each.pk])).status_code == expected, each.short_name


def test_politistasjonssjef_of_a_unit_sees_its_district_until_the_role_ends(personas):
    from django.test import Client

    unit = PoliceUnit.objects.get(name="Moss politistasjonsdistrikt")
    user = person_with_role(unit, Role.POLITISTASJONSSJEF, "sjef@moss.demo.no")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("oversight:district", args=[district("Øst").pk])).status_code == 200
    assert client.get(reverse("oversight:district", args=[district("Sør-Vest").pk])).status_code == 404
    RoleAssignment.objects.filter(person=user.person).update(ends_on=TODAY - datetime.timedelta(days=1))
    sync_user_roles(user)
    assert client.get(reverse("oversight:district", args=[district("Øst").pk])).status_code == 404


def test_kommune_roles_get_no_national_overview(personas, client_for):
    page = client_for("moss_slt").get(reverse("oversight:index"))
    assert page.status_code == 200 and "Nasjonal oversikt" not in page.content.decode()
    assert "Du har ingen av disse rollene" in page.content.decode()


@pytest.mark.parametrize("persona", ["politidirektoratet", "ks"])
def test_national_roles_read_every_district_and_the_nation_but_change_nothing(personas, client_for, persona):
    client = client_for(persona)
    for each in Politidistrikt.objects.all():
        assert client.get(reverse("oversight:district", args=[each.pk])).status_code == 200
    assert "Nasjonal oversikt" in client.get(reverse("oversight:index")).content.decode()
    assert client.post(reverse("oversight:index")).status_code == 405
    assert client.post(reverse("oversight:district", args=[district("Øst").pk])).status_code == 405
    assert not can_act_for_any(personas[persona])  # the role acts for no party: it opens and changes nothing


def test_anonymous_visitors_are_sent_to_log_in(db, client):
    response = client.get(reverse("oversight:district", args=[district("Øst").pk]))
    assert response.status_code == 302 and "/konto/login/" in response.url


# --- The national page ----------------------------------------------------------------------------------------------


def test_national_page_has_twelve_districts_and_a_tile_for_each_of_the_357_kommuner(sor_vest, client_for):
    html = client_for("ks").get(reverse("oversight:index")).content.decode()
    assert Kommune.objects.count() == 357
    assert html.count('<li class="tile') == 357
    for each in Politidistrikt.objects.all():
        assert reverse("oversight:district", args=[each.pk]) in html and each.name in html
    current_tiles = html.count('<li class="tile tile--current">')
    assert current_tiles == 3  # signed, expiring and revision due: signed and still holding
    assert "3 av 357 kommuner har en signert, gjeldende samarbeidsavtale" in html
    assert '<span aria-hidden="true">✓ </span>Signert' in html  # colour and text, not colour only
    assert ">Ingen avtale<" in html


def test_national_page_in_nynorsk(personas, client_for):
    client = client_for("politidirektoratet")
    client.cookies["django_language"] = "nn"
    html = client.get(reverse("oversight:index")).content.decode()
    assert "Alle kommunane" in html and "Politidistrikta" in html


# --- Query counts stay constant in the number of kommuner, agreements and meetings ----------------------------------


def populate(kommuner, by):
    """An agreement, a politiråd with this and last year's meetings, a follow-up and a tiltak for each kommune."""
    for kommune in kommuner:
        made = agreement(
            kommune,
            status=Agreement.Status.SIGNED,
            by=by,
            start=datetime.date(YEAR - 1, 1, 1),
            end=datetime.date(YEAR + 2, 12, 31),
            signed=datetime.date(YEAR - 1, 1, 1),
        )
        rad = council(kommune, linked=made)
        for month in (1, 3, 5):
            held = meeting(rad, datetime.date(YEAR, month, 10), notice_days=9)
            meeting(rad, datetime.date(YEAR - 1, month, 10), notice_days=3)
        follow_up(held, due_on=TODAY - datetime.timedelta(days=2))
        Evaluation.objects.create(council=rad, year=YEAR - 1, answers={"effect": "Bra"})
        tiltak(kommune, by=by, ends_on=TODAY - datetime.timedelta(days=1))


# session, user, access (the district's page: who sees the nation, the district), the kommuner's agreements, the
# sections of the unsigned ones, councils (with their last evaluation), this year's meetings counted, overdue
# follow-ups, overdue tiltak, the kommuner; the pages add link scoping (2) and the user's roles, the district's page
# the archive right and the national page the districts.
DISTRICT_QUERIES, NATIONAL_QUERIES, EXPORT_QUERIES = 15, 14, 11


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_district_and_national_pages_make_the_same_number_of_queries_for_3_and_30_kommuner(
    personas, client_for, django_assert_max_num_queries
):
    innlandet = district("Innlandet")
    kommuner = list(innlandet.kommuner.order_by("number"))
    by = personas["sorvest_politimester"]
    client = client_for("politidirektoratet")
    pages = [
        reverse("oversight:district", args=[innlandet.pk]),
        reverse("oversight:index"),
        reverse("oversight:district_export", args=[innlandet.pk, "xlsx"]),
    ]
    populate(kommuner[:3], by)
    for url in pages:
        client.get(url)  # the signed agreements' terms are read once per process (agreements/rules.py)
    small = {url: queries(client, url) for url in pages}
    populate(kommuner[3:30], by)
    assert Meeting.objects.filter(forum__kommuner__district=innlandet).count() == 30 * 6
    for url in pages:
        with django_assert_max_num_queries(small[url] + 2):  # the new agreements' sections, once: links, councils
            assert client.get(url).status_code == 200
        assert queries(client, url) == small[url], url  # the very same count at ten times the data
    assert list(small.values()) == [DISTRICT_QUERIES, NATIONAL_QUERIES, EXPORT_QUERIES], small


def test_an_agreements_edition_counts_the_revisions_before_it_in_one_query(personas, django_assert_num_queries):
    from agreements.verification import agreement_edition

    moss = Kommune.objects.get(number="3103")
    by = personas["moss_slt"]
    first = agreement(moss, status=Agreement.Status.DRAFT, by=by)
    chain = [first]
    for _ in range(4):
        chain.append(Agreement.objects.create(police_party=first.police_party, created_by=by, replaces=chain[-1]))
    assert agreement_edition(first) == 1
    with django_assert_num_queries(1):
        assert agreement_edition(chain[-1]) == 5  # the fifth edition: four before it, read in one query
    with django_assert_num_queries(1):
        assert agreement_edition(chain[2]) == 3
