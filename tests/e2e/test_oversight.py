"""The politimester opens the district oversight and Politidirektoratet the national overview, in a real browser."""

import pytest

from tests.test_oversight import build_sor_vest

pytestmark = pytest.mark.e2e


@pytest.fixture
def sor_vest(personas):
    """Sør-Vest with a kommune in every agreement status and one politiråd with known figures."""
    return build_sor_vest(personas["sorvest_politimester"])


def test_politimester_sorts_and_filters_the_district_and_the_directorate_sees_the_nation(
    page, login, sor_vest, assert_accessible
):
    login("sorvest_politimester")
    page.get_by_role("link", name="Oversikt", exact=True).click()
    page.get_by_role("heading", name="Oversikt over Sør-Vest politidistrikt").wait_for()
    assert page.get_by_role("row", name=sor_vest["signed"].name).get_by_text("2 / 4").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Avtalestatus").click()
    page.wait_for_url("**sort=status**")
    page.get_by_label("Avtalestatus", exact=True).select_option(label="Utløpt")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**status=utlopt**")
    assert page.get_by_role("row").count() == 2  # the header and the one expired kommune
    assert_accessible(page)

    page.get_by_role("button", name="Logg ut").click()
    login("politidirektoratet")
    page.get_by_role("link", name="Oversikt", exact=True).click()
    page.get_by_role("heading", name="Nasjonal oversikt").wait_for()
    assert page.locator("li.tile").count() == 357
    assert_accessible(page)
