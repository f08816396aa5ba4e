"""The admin site is where reference data and role assignments are kept; only staff get in."""

import pytest

from samarbeid.models import User

ADMIN_PAGES = [
    "/admin/samarbeid/kommune/",
    "/admin/samarbeid/politidistrikt/",
    "/admin/samarbeid/policeunit/",
    "/admin/samarbeid/roleassignment/",
    "/admin/samarbeid/person/",
]


@pytest.fixture
def staff_client(db, client):
    client.force_login(User.objects.create_superuser("admin@samarbeid.demo.no", "x"))
    return client


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_staff_can_keep_reference_data_and_roles_in_the_admin(staff_client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = staff_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_people_with_roles_but_no_staff_flag_are_kept_out_of_the_admin(client_for, url):
    response = client_for("moss_slt").get(url)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_role_can_be_assigned_in_the_admin(staff_client, personas):
    from samarbeid.models import Kommune, Role, RoleAssignment

    moss = Kommune.objects.get(number="3103")
    person = personas["moss_slt"].person
    response = staff_client.post(
        "/admin/samarbeid/roleassignment/add/",
        {
            "person": person.pk,
            "party": moss.pk,
            "role": Role.KOMMUNALSJEF,
            "title": "Kommunalsjef Helse og sosial",
            "starts_on": "01.01.2025",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RoleAssignment.objects.filter(person=person, role=Role.KOMMUNALSJEF, party=moss).exists()
