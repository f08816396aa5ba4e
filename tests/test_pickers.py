"""Kommune, person and party pickers: the user's own come first, the rest after, and nothing outside the choices.

Read from the page the browser gets: the groups of a picker in their order, the options in each, and the search
box that static/js/samarbeid.js shows (hidden without JavaScript, where the list alone works). That typing in the
box filters the list is walked in a real browser in tests/e2e/test_pickers.py.
"""

import datetime

import lxml.html
import pytest
from django.urls import reverse

from agreements.access import kommuner_choosable
from councils.services import council_create
from samarbeid.models import Kommune, Person, PoliceUnit, Politidistrikt
from samarbeid.roles import role_assign

SOR_VEST = "Sør-Vest"


def _picker(response, name: str) -> lxml.html.HtmlElement:
    html = lxml.html.fromstring(response.content)
    [picker] = [p for p in html.find_class("picker") if p.xpath(f".//*[@name='{name}']")]
    return picker


def groups(response, name: str) -> list[tuple[str, list[str]]]:
    """[(group heading or "", [option labels])] of the picker for field `name`, in the page's order."""
    picker = _picker(response, name)
    found = []
    for group in picker.xpath(".//optgroup | .//*[@data-picker-group]"):
        if group.tag == "optgroup":
            labels = [o.text_content().strip() for o in group.xpath("./option")]
            found.append((group.get("label"), labels))
        else:
            heading = group.xpath("./*[contains(@class, 'picker__heading')]")
            labels = [label.text_content().strip() for label in group.xpath(".//label")]
            found.append((heading[0].text_content().strip() if heading else "", labels))
    loose = [o.text_content().strip() for o in picker.xpath(".//select/option[@value!='']")]
    return found or [("", loose)]


def offered_values(response, name: str) -> set[str]:
    picker = _picker(response, name)
    return {v for v in picker.xpath(f".//option/@value | .//input[@name='{name}']/@value") if v}


def test_the_kommune_picker_shows_the_ordforers_own_kommune_first_and_the_district_after(client_for):
    response = client_for("randaberg_ordforer").get(reverse("agreements:create"))
    (first, own), (rest, others) = groups(response, "kommuner")
    assert (first, own) == ("Dine kommuner", ["Randaberg kommune"])
    assert rest == "Andre kommuner i politidistriktet"
    district = Kommune.objects.filter(district__short_name=SOR_VEST).exclude(number="1127")
    assert others == [str(k) for k in district.order_by("name")]  # the whole district, by name, once each


def test_a_politikontakt_sees_the_kommuner_of_the_police_unit_first(client_for):
    unit = PoliceUnit.objects.get(name="Tjenesteenhet Stavanger")
    response = client_for("stavanger_politikontakt").get(reverse("agreements:create"))
    (first, own), (_rest, others) = groups(response, "kommuner")
    assert first == "Dine kommuner"
    assert own == [str(k) for k in unit.kommuner.order_by("name")]
    assert not set(own) & set(others)


@pytest.mark.parametrize("url_name,field", [("councils:create", "other_kommuner"), ("slt:create", "kommuner")])
def test_the_council_and_slt_pickers_put_the_users_kommune_first(client_for, url_name, field):
    response = client_for("randaberg_slt").get(reverse(url_name))
    (first, own), (_rest, others) = groups(response, field)
    assert (first, own) == ("Dine kommuner", ["Randaberg kommune"])
    assert "Kvitsøy kommune" in others


def test_a_picker_keeps_one_list_when_all_its_options_are_the_users_own(client_for):
    """The politimester acts for the whole district: no headings, every kommune of Sør-Vest."""
    response = client_for("sorvest_politimester").get(reverse("agreements:create"))
    [(heading, labels)] = groups(response, "kommuner")
    assert heading == ""
    assert len(labels) == Kommune.objects.filter(district__short_name=SOR_VEST).count()


def test_kommuner_that_share_a_name_are_told_apart_by_their_fylke(client_for, personas):
    """Herøy and Våler exist twice: wherever both can be offered, the fylke is in the label."""
    shared = Kommune.objects.filter(shares_name=True).first()
    role_assign(
        person=personas["randaberg_slt"].person, party=shared, role="radmann", starts_on=datetime.date(2024, 1, 1)
    )
    response = client_for("randaberg_slt").get(reverse("agreements:create"))
    labels = [label for _heading, labels in groups(response, "kommuner") for label in labels]
    assert f"{shared.name} ({shared.fylke_name})" in labels


def test_the_person_picker_shows_people_of_the_users_party_first(client_for, personas):
    randaberg = Kommune.objects.get(number="1127")
    unit = PoliceUnit.objects.get(name="Tjenesteenhet Stavanger")
    council = council_create(
        name="Politirådet i Randaberg", host_kommune=randaberg, police_unit=unit, by=personas["randaberg_slt"]
    )
    response = client_for("randaberg_slt").get(reverse("councils:members", args=[council.pk]))
    (first, own), (rest, others) = groups(response, "person")
    assert (first, rest) == ("Fra din part", "Andre")
    assert set(own) == set(Person.objects.filter(roles__party=randaberg).values_list("name", flat=True))
    assert "Tor Hellestø" in others  # the politikontakt: a party of the council, not the user's


def test_the_search_box_is_labelled_and_waits_for_javascript(client_for):
    picker = _picker(client_for("randaberg_ordforer").get(reverse("agreements:create")), "kommuner")
    [search] = picker.xpath(".//*[@data-picker-search]")
    assert search.get("hidden") is not None  # without JavaScript the checkboxes alone are the picker
    [box] = search.xpath(".//input[@type='search']")
    [label] = search.xpath(f".//label[@for='{box.get('id')}']")
    assert label.text_content().strip() == "Søk etter kommune"
    assert picker.xpath("./legend")[0].text_content().strip() == "Kommuner"


def test_pickers_are_in_nynorsk_for_nynorsk_users(client_for):
    client = client_for("randaberg_ordforer")
    client.post(reverse("set_language"), {"language": "nn", "next": "/"})
    response = client.get(reverse("agreements:create"))
    (first, _own), (rest, _others) = groups(response, "kommuner")
    assert (first, rest) == ("Dine kommunar", "Andre kommunar i politidistriktet")
    assert "Søk etter kommune" in response.text


@pytest.mark.parametrize("persona", ["randaberg_ordforer", "stavanger_politikontakt", "moss_slt"])
def test_the_rendered_picker_offers_exactly_the_users_choices(client_for, personas, persona):
    """Putting the user's own first neither adds nor drops a choice: the page offers the access module's set."""
    response = client_for(persona).get(reverse("agreements:create"))
    allowed = {str(pk) for pk in kommuner_choosable(personas[persona]).values_list("pk", flat=True)}
    assert offered_values(response, "kommuner") == allowed
    foreign = Politidistrikt.objects.exclude(kommuner__pk__in=allowed).values_list("kommuner__pk", flat=True)
    assert not {str(pk) for pk in foreign} & offered_values(response, "kommuner")


def test_a_short_list_has_no_search_box(client_for):
    """Sør-Vest's seven police parties are read at a glance; its 29 kommuner get a search box."""
    response = client_for("randaberg_ordforer").get(reverse("agreements:create"))
    assert not _picker(response, "police_party").xpath(".//*[@data-picker-search]")
    assert _picker(response, "kommuner").xpath(".//*[@data-picker-search]")


def test_a_politikontakt_finds_the_own_police_unit_first(client_for):
    response = client_for("stavanger_politikontakt").get(reverse("agreements:create"))
    (first, own), (rest, others) = groups(response, "police_party")
    assert (first, own) == ("Dine parter", ["Tjenesteenhet Stavanger"])
    assert rest == "Andre parter"
    assert "Sør-Vest politidistrikt" in others
