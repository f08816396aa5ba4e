"""Typing in a picker's search box hides the kommuner and people that do not match, in a real browser.

The pages under test are the new agreement (a grid of kommune checkboxes and a select of police parties) and a
council's members (a select of people); axe checks each page with the picker in use."""

import datetime

import pytest
from django.urls import reverse

from councils.services import council_create
from samarbeid.models import Kommune, Person, PoliceUnit, Role
from samarbeid.roles import role_assign

pytestmark = pytest.mark.e2e


def hidden(locator) -> bool:
    return locator.evaluate("el => el.hidden")


def test_typing_in_the_kommune_picker_hides_the_kommuner_that_do_not_match(page, login, assert_accessible):
    login("randaberg_ordforer")
    page.goto(reverse("agreements:create"))
    kommuner = page.get_by_role("group", name="Kommuner")
    search = page.get_by_label("Søk etter kommune")
    assert search.is_visible()  # shown once the script runs
    kvitsoy, randaberg = kommuner.get_by_label("Kvitsøy kommune"), kommuner.get_by_label("Randaberg kommune")
    assert kommuner.get_by_text("Dine kommuner").is_visible()

    search.fill("kvit")
    assert kvitsoy.is_visible()
    assert not randaberg.is_visible()
    assert not kommuner.get_by_text("Dine kommuner").is_visible()  # a group with nothing left folds away
    assert page.get_by_text("1 av").is_visible()
    assert_accessible(page)

    kvitsoy.check()
    assert page.get_by_text("Valgt (1): Kvitsøy kommune").is_visible()
    search.fill("randa")
    assert kvitsoy.is_visible()  # a chosen kommune stays in view
    assert randaberg.is_visible()
    search.fill("")
    total = Kommune.objects.filter(district__short_name="Sør-Vest").count()
    assert kommuner.locator("input[type=checkbox]:visible").count() == total


def test_typing_in_a_select_picker_hides_the_options_that_do_not_match(page, login, personas, assert_accessible):
    randaberg = Kommune.objects.get(number="1127")
    unit = PoliceUnit.objects.get(name="Tjenesteenhet Stavanger")
    council = council_create(
        name="Politirådet i Randaberg", host_kommune=randaberg, police_unit=unit, by=personas["randaberg_slt"]
    )
    for name in ("Aud Helvik", "Bente Goa", "Dag Tungenes", "Eli Vistnes", "Finn Harestad"):  # enough to search
        person = Person.objects.create(name=name)
        role_assign(person=person, party=randaberg, role=Role.KOMMUNALSJEF, starts_on=datetime.date(2024, 1, 1))
    login("randaberg_slt")
    page.goto(reverse("councils:members", args=[council.pk]))
    select = page.locator("select[name=person]")
    page.get_by_label("Søk etter person").fill("hellest")
    politikontakt = select.locator("option", has_text="Tor Hellestø")
    koordinator = select.locator("option", has_text="Silje Vatnamo")
    assert not hidden(politikontakt)
    assert hidden(koordinator)
    assert hidden(select.locator("optgroup[label='Fra din part']"))
    select.select_option(label="Tor Hellestø")  # what is left can be picked
    assert_accessible(page)
