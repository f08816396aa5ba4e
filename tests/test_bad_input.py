"""The causes of 5xx that the fuzzing (tests/test_form_fuzz.py) found, each pinned where it is fixed: a `next`
that is not a path of ours, years the calendar cannot hold, NUL bytes in the URL, ids beyond 64 bits."""

import pytest
from django import forms
from django.test import RequestFactory
from django.urls import reverse

from councils.demo import create_demo_councils
from samarbeid.http import safe_next
from samarbeid.models import FollowUpAction, Kommune


@pytest.fixture
def moss_council(personas):
    return next(council for council in create_demo_councils() if council.host_kommune.number == "3103")


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/min-side/", "/min-side/"),
        ("/avtaler/?side=2", "/avtaler/?side=2"),
        ("https://evil.example/", "/standard/"),
        ("//evil.example/x", "/standard/"),
        ("/\\evil.example", "/standard/"),
        ("javascript:alert(1)", "/standard/"),
        ("ikke en url", "/standard/"),
        ("min-side", "/standard/"),
        ("/a\x00b", "/standard/"),
        ("", "/standard/"),
    ],
)
def test_safe_next_allows_only_paths_on_this_site(next_value, expected):
    request = RequestFactory().post("/", {"next": next_value})
    assert safe_next(request, "/standard/") == expected


@pytest.mark.parametrize("next_value", ["https://evil.example/", "ikke en url", "//evil.example"])
def test_closing_a_follow_up_with_a_foreign_or_broken_next_returns_to_the_follow_up_list(
    moss_council, client_for, next_value
):
    action = FollowUpAction.objects.filter(decision__agenda_item__meeting__forum=moss_council.forum).first()
    response = client_for("moss_slt").post(
        reverse("meetings:action_close", kwargs={"action_pk": action.pk}),
        {f"lukk-{action.pk}-closing_comment": "Ferdig.", "next": next_value},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:actions", kwargs={"forum_pk": moss_council.forum_id})


@pytest.mark.parametrize("year", [0, 1, 1899, 3000, 10000, 99999999999999999999])
@pytest.mark.parametrize("name", ["councils:year_plan", "councils:evaluation"])
def test_a_year_the_calendar_cannot_hold_is_not_found(moss_council, client_for, name, year):
    url = reverse(name, kwargs={"pk": moss_council.pk, "year": 2026}).replace("/2026/", f"/{year}/")
    assert client_for("moss_slt").get(url).status_code == 404


@pytest.mark.parametrize("name", ["councils:year_plan", "councils:evaluation"])
def test_the_first_and_last_year_open_and_link_to_their_neighbours(moss_council, client_for, name):
    for year in (1900, 2999):
        assert (
            client_for("moss_slt").get(reverse(name, kwargs={"pk": moss_council.pk, "year": year})).status_code == 200
        )


@pytest.mark.parametrize(
    "url", ["/slt/kommune/%00/", "/slt/kommune/31%0003/", "/politirad/?side=%00", "/avtaler/?a%00=1"]
)
def test_a_nul_byte_in_the_url_is_a_bad_request(client_for, url):
    assert client_for("moss_slt").get(url).status_code == 400


@pytest.mark.django_db
def test_an_id_beyond_64_bits_matches_nothing_and_is_a_form_error():
    moss = Kommune.objects.get(number="3103")
    assert not Kommune.objects.filter(pk=10**20).exists()
    assert list(Kommune.objects.filter(pk__in=[10**20, moss.pk])) == [moss]
    assert not FollowUpAction.objects.filter(pk__in=[-(10**30)]).exists()
    field = forms.ModelChoiceField(Kommune.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean(str(10**20))
    with pytest.raises(forms.ValidationError):
        forms.ModelMultipleChoiceField(Kommune.objects.all()).clean([str(moss.pk), str(-(10**20))])
