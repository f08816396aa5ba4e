"""Reviewing the other party's sections: who reviews what, a review going stale when the text changes, the
"Merk som gjennomgått" button (with and without htmx), the task on Min side, and the warning when the draft is
sent for signature."""

import datetime

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements import mytasks as agreement_tasks
from agreements.models import Agreement, Owner, SectionReview
from agreements.reviewing import ReviewState, unreviewed_sections
from agreements.services import agreement_create, section_add, section_review, section_update
from agreements.signing import agreement_send_for_signature
from samarbeid.models import Kommune, Person, PoliceUnit, Role, User
from samarbeid.mytasks import tasks_for
from samarbeid.roles import role_assign

KOMMUNE_TEXT = "<p>Kommunen stiller med kontor på rådhuset.</p>"
POLICE_TEXT = "<p>Politikontakten er til stede én gang i uken.</p>"


def fresh(user):
    for key in ("_tasks", "_my_roles", "_perm_checker"):
        user.__dict__.pop(key, None)
    return user


@pytest.fixture
def moss(personas):
    return Kommune.objects.get(number="3103")


@pytest.fixture
def draft(personas, moss):
    return agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[moss],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2027, 1, 1),
    )


def section(agreement, owner):
    return agreement.sections.filter(owner=owner).order_by("order").first()


def written(agreement, owner, text, by):
    s = section(agreement, owner)
    section_update(s, local_text=text, by=by)
    s.refresh_from_db()
    return s


def review_tasks(user):
    return [t for t in tasks_for(fresh(user)) if t.kind == agreement_tasks.KIND_REVIEW]


def review_url(s):
    return reverse("agreements:section_review", args=[s.agreement_id, s.pk])


def states(s, user_key, client_for):
    """What the agreement page shows for the section's reviews: data-state of each party's row."""
    html = client_for(user_key).get(reverse("agreements:detail", args=[s.agreement_id])).text
    block = lxml.html.fromstring(html).get_element_by_id(s.anchor)
    return {li.text_content().strip(): li.get("data-state") for li in block.xpath('.//*[@data-testid="reviews"]/li')}


# --- the rule ----------------------------------------------------------------------------------------------------


def test_a_section_the_kommune_wrote_is_reviewed_by_the_police_and_not_by_the_kommune(personas, draft):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    [task] = review_tasks(personas["moss_politikontakt"])
    assert task.title.startswith("Gå gjennom 1 avsnitt i «Samarbeidsavtale mellom Moss")
    assert s.heading in task.reason and "Moss politistasjonsdistrikt" in task.reason
    assert task.url == f"/avtaler/{draft.pk}/#{s.anchor}"
    assert task.due_on == timezone.localdate(s.updated_at) + datetime.timedelta(days=14)
    assert review_tasks(personas["moss_slt"]) == [] and review_tasks(personas["moss_ordforer"]) == []


def test_a_felles_section_is_reviewed_by_the_party_that_did_not_write_it(personas, draft):
    s = written(draft, Owner.FELLES, POLICE_TEXT, personas["moss_politikontakt"])
    assert [t.key for t in review_tasks(personas["moss_ordforer"])] == [f"agreement:{draft.pk}:review"]
    assert review_tasks(personas["moss_politikontakt"]) == []
    section_update(s, local_text=KOMMUNE_TEXT, by=personas["moss_slt"])  # now the kommune wrote it: the police reviews
    assert review_tasks(personas["moss_ordforer"]) == []
    assert len(review_tasks(personas["moss_politikontakt"])) == 1


def test_empty_sections_and_other_tenants_have_nothing_to_review(personas, draft):
    assert review_tasks(personas["moss_politikontakt"]) == []  # nothing written yet
    written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    for key in ("randaberg_slt", "stavanger_politikontakt", "luster_ordforer", "vest_malansvarlig"):
        assert review_tasks(personas[key]) == [], key


def test_a_review_holds_until_the_section_changes_and_then_the_task_says_so(personas, draft):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    police = draft.police_party
    section_review(section=s, party=police, user=personas["moss_politikontakt"], version=s.version)
    assert review_tasks(personas["moss_politikontakt"]) == []
    assert unreviewed_sections(Agreement.objects.get(pk=draft.pk)) == []
    section_update(s, local_text="<p>Kontor på rådhuset to dager i uka.</p>", by=personas["moss_slt"])
    [task] = review_tasks(personas["moss_politikontakt"])
    assert "endret etter gjennomgang" in task.reason
    [(pending_section, [row])] = unreviewed_sections(Agreement.objects.get(pk=draft.pk))
    assert pending_section.pk == s.pk and row.state == ReviewState.STALE and row.party.pk == police.pk


def test_a_review_of_a_version_that_has_moved_on_is_refused(personas, draft):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    read = s.version
    section_update(s, local_text="<p>Ny tekst.</p>", by=personas["moss_slt"])
    with pytest.raises(ValidationError, match="endret etter at du åpnet det"):
        section_review(section=s, party=draft.police_party, user=personas["moss_politikontakt"], version=read)
    assert not SectionReview.objects.exists()


def test_a_party_does_not_review_its_own_section(personas, draft, moss):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    with pytest.raises(ValidationError, match="skal ikke gjennomgå"):
        section_review(section=s, party=moss, user=personas["moss_slt"], version=s.version)


def test_signed_and_sent_agreements_are_not_reviewed(personas, draft):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    agreement_send_for_signature(draft, by=personas["moss_slt"])
    assert review_tasks(personas["moss_politikontakt"]) == []
    with pytest.raises(ValidationError, match="ikke lenger et utkast"):
        section_review(section=s, party=draft.police_party, user=personas["moss_politikontakt"], version=s.version)
    Agreement.objects.filter(pk=draft.pk).update(status=Agreement.Status.SIGNED)
    assert review_tasks(personas["moss_politikontakt"]) == []


def test_reviews_are_a_log_that_only_grows(personas, draft):
    from samarbeid.append_only import LogIsAppendOnly

    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    review = section_review(section=s, party=draft.police_party, user=personas["moss_politikontakt"], version=s.version)
    with pytest.raises(LogIsAppendOnly):
        review.delete()
    with pytest.raises(LogIsAppendOnly):
        SectionReview.objects.filter(pk=review.pk).update(version=99)


# --- the button ----------------------------------------------------------------------------------------------------


def test_the_police_marks_the_kommune_section_reviewed_and_the_page_shows_it(personas, draft, client_for):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    client = client_for("moss_politikontakt")
    page = client.get(reverse("agreements:detail", args=[draft.pk])).text
    assert "Merk som gjennomgått" in page
    assert states(s, "moss_politikontakt", client_for) == {"Ikke gjennomgått av Moss politistasjonsdistrikt": "missing"}
    response = client.post(review_url(s), {"versjon": s.version, "part": draft.police_party_id}, follow=True)
    assert response.redirect_chain[-1][0] == f"/avtaler/{draft.pk}/#{s.anchor}"
    assert "er merket som gjennomgått for Moss politistasjonsdistrikt" in response.text
    block = lxml.html.fromstring(response.text).get_element_by_id(s.anchor)
    [row] = block.xpath('.//*[@data-testid="reviews"]/li')
    assert row.get("data-state") == "fresh" and "Gjennomgått av Moss politistasjonsdistrikt" in row.text_content()
    assert "Lars Øien" in row.text_content()
    assert not block.xpath(f'.//form[@action="{review_url(s)}"]')  # nothing left to mark
    section_update(s, local_text="<p>Endret tekst.</p>", by=personas["moss_slt"])
    [(text, state)] = states(s, "moss_slt", client_for).items()
    assert state == "stale" and text.startswith("Moss politistasjonsdistrikt: endret etter gjennomgang")


def test_with_htmx_the_section_is_swapped_in_its_reviewed_state(personas, draft, client_for):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    response = client_for("moss_politikontakt").post(
        review_url(s), {"versjon": s.version}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = lxml.html.fromstring(response.text)
    assert fragment.get("id") == s.anchor
    assert "Avsnittet er merket som gjennomgått." in response.text
    assert fragment.xpath('.//*[@data-testid="reviews"]/li')[0].get("data-state") == "fresh"


def test_a_stale_button_is_refused_and_says_why(personas, draft, client_for):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    read = s.version
    section_update(s, local_text="<p>Ny tekst.</p>", by=personas["moss_slt"])
    client = client_for("moss_politikontakt")
    response = client.post(review_url(s), {"versjon": read}, headers={"HX-Request": "true"})
    assert "Les den nye teksten" in response.text and 'role="alert"' in response.text
    response = client.post(review_url(s), {"versjon": read}, follow=True)
    assert "Les den nye teksten" in response.text
    assert not SectionReview.objects.exists()


@pytest.mark.parametrize(
    "key,status",
    [
        ("moss_politikontakt", 302),
        ("moss_leder", 302),
        ("randaberg_slt", 404),
        ("stavanger_politikontakt", 404),
        ("vest_malansvarlig", 404),
        ("luster_ordforer", 404),
    ],
)
def test_only_the_police_of_the_agreement_may_review_the_kommune_section(personas, draft, client_for, key, status):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    response = client_for(key).post(review_url(s), {"versjon": s.version})
    assert response.status_code == status
    assert SectionReview.objects.filter(party=draft.police_party).exists() == (status == 302)


def test_a_reader_who_does_not_edit_the_agreement_for_a_party_is_refused(personas, draft, moss, client):
    s = written(draft, Owner.POLICE, POLICE_TEXT, personas["moss_politikontakt"])
    person = Person.objects.create(name="Helsesykepleier", email="helse@moss.demo.no")
    role_assign(person=person, party=moss, role=Role.ANNEN, starts_on=timezone.localdate())
    reader = User.objects.create_user(person.email, "x", person=person)
    client.force_login(reader)
    assert client.get(reverse("agreements:detail", args=[draft.pk])).status_code == 200
    assert client.post(review_url(s), {"versjon": s.version, "part": moss.pk}).status_code == 403
    assert not SectionReview.objects.exists()


def test_the_review_button_takes_only_post(personas, draft, client_for):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    assert client_for("moss_politikontakt").get(review_url(s)).status_code == 405


def test_the_review_post_runs_a_bounded_number_of_queries(personas, draft, client_for, django_assert_max_num_queries):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    client = client_for("moss_politikontakt")
    client.get(reverse("agreements:detail", args=[draft.pk]))  # role sync and session warm-up
    with django_assert_max_num_queries(28):  # measured: 27 (access, row lock, the rule, full_clean, insert, partial)
        client.post(review_url(s), {"versjon": s.version}, headers={"HX-Request": "true"})
    assert SectionReview.objects.count() == 1


# --- the task list and the signing page -------------------------------------------------------------------------


def _write_many(agreement, by, count):
    for i in range(count):
        section_add(
            agreement, heading=f"Lokalt avsnitt {i}", owner=Owner.KOMMUNE, by=by, local_text=f"<p>Tekst {i}.</p>"
        )


def test_the_review_task_costs_the_same_queries_for_few_and_many_sections(personas, draft, moss):
    police = personas["moss_politikontakt"]
    _write_many(draft, personas["moss_slt"], 2)
    review_tasks(police)  # warm the process-wide caches (content types)
    with CaptureQueriesContext(connection) as few:
        [task] = review_tasks(police)
    assert task.title.startswith("Gå gjennom 2 avsnitt")
    _write_many(draft, personas["moss_slt"], 30)
    second = agreement_create(police_party=draft.police_party, kommuner=[moss], created_by=personas["moss_slt"])
    _write_many(second, personas["moss_slt"], 10)
    with CaptureQueriesContext(connection) as many:
        tasks = review_tasks(police)
    assert sorted(t.title.split(" ")[2] for t in tasks) == ["10", "32"]
    assert len(many) == len(few)


def test_sending_for_signature_warns_of_unreviewed_sections_but_is_not_blocked(personas, draft, client_for):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    client = client_for("moss_slt")
    html = client.get(reverse("agreements:signing", args=[draft.pk])).text
    [warning] = lxml.html.fromstring(html).xpath('//*[@data-testid="unreviewed"]')
    assert "1 avsnitt er ikke gjennomgått av alle partene" in warning.text_content()
    assert f"{s.heading}: Moss politistasjonsdistrikt" in warning.text_content()
    response = client.post(reverse("agreements:send_for_signature", args=[draft.pk]))
    assert response.status_code == 302
    assert Agreement.objects.get(pk=draft.pk).status == Agreement.Status.SENT


def test_the_signing_page_has_no_warning_once_every_section_is_reviewed(personas, draft, client_for):
    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    section_review(section=s, party=draft.police_party, user=personas["moss_politikontakt"], version=s.version)
    html = client_for("moss_slt").get(reverse("agreements:signing", args=[draft.pk])).text
    assert 'data-testid="unreviewed"' not in html


def test_the_agreement_page_in_nynorsk_shows_the_review_in_nynorsk(personas, draft):
    from django.test import Client

    s = written(draft, Owner.KOMMUNE, KOMMUNE_TEXT, personas["moss_slt"])
    client = Client(headers={"accept-language": "nn"})
    client.force_login(personas["moss_politikontakt"])
    html = client.get(reverse("agreements:detail", args=[draft.pk])).text
    assert "Merk som gjennomgått" in html and "Ikkje gjennomgått av Moss politistasjonsdistrikt" in html
    assert s.heading in html
