import pytest

pytestmark = pytest.mark.e2e


def test_slt_koordinator_logs_in_and_sees_min_side_without_accessibility_violations(page, login, assert_accessible):
    login("moss_slt")
    assert page.get_by_role("heading", name="Min side").is_visible()
    assert page.get_by_role("cell", name="Moss kommune").is_visible()
    assert page.get_by_role("cell", name="SLT-koordinator (100 %)").is_visible()
    assert_accessible(page)


def test_a_nynorsk_kommunes_person_sees_nynorsk_and_the_switch_keeps_their_choice(page, login):
    login("luster_slt")
    assert page.get_by_role("heading", name="Mi side").is_visible()
    page.get_by_role("button", name="Bokmål").click()
    assert page.get_by_role("heading", name="Min side").is_visible()
    page.goto("/min-side/")
    assert page.get_by_role("heading", name="Min side").is_visible()


def test_login_page_has_no_accessibility_violations(page, assert_accessible):
    page.goto("/konto/login/")
    assert_accessible(page)
