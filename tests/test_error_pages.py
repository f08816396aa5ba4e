"""A refusal explains itself: 400, 403, 404 and 500 render the site's own page, in the user's målform, saying
what happened and what to do. The cross-tenant walk checks that every refusal of every URL renders this page;
here are the words a user reads."""

from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils.html import escape

from agreements.models import Owner


def kommune_section_edit_url(agreement):
    section = agreement.sections.filter(owner=Owner.KOMMUNE, is_local=False).first()
    return reverse("agreements:section_edit", args=[agreement.pk, section.pk])


def test_editing_the_other_partys_section_says_who_writes_it(client_for, moss_agreement):
    response = client_for("moss_politikontakt").get(kommune_section_edit_url(moss_agreement))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-page"' in page
    assert "Du har ikke tilgang til dette" in page
    assert escape("Dette avsnittet skrives av kommunen. Du kan lese det.") in page
    assert reverse("min_side") in page  # the way on


def test_the_refusal_is_in_nynorsk_for_a_nynorsk_user(client_for, moss_agreement):
    client = client_for("moss_politikontakt")
    client.post(reverse("set_language"), {"language": "nn"})
    page = client.get(kommune_section_edit_url(moss_agreement)).content.decode()
    assert "Du har ikkje tilgang til dette" in page
    assert escape("Dette avsnittet skriv kommunen. Du kan lese det.") in page


def test_another_kommunes_agreement_is_not_found_and_the_page_says_why_that_may_be(client_for, moss_agreement):
    response = client_for("randaberg_slt").get(reverse("agreements:detail", args=[moss_agreement.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Vi fant ikke siden" in page
    assert "tilhører en annen kommune" in page


def test_a_signed_agreement_cannot_be_edited_and_the_refusal_points_to_a_revision(client_for, moss_agreement):
    type(moss_agreement).objects.filter(pk=moss_agreement.pk).update(status=type(moss_agreement).Status.SENT)
    response = client_for("moss_slt").get(reverse("agreements:edit", args=[moss_agreement.pk]))
    assert response.status_code == 403
    assert "lage en revisjon" in response.content.decode()


def test_an_unreadable_request_gets_the_400_page(db):
    response = Client(raise_request_exception=False).get("/avtaler/%00/")
    assert response.status_code == 400
    assert "Forespørselen kunne ikke leses" in response.content.decode()


def _broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("feil/", _broken_view), path("", include("samarbeid.urls"))]


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_gets_a_calm_page_that_does_not_show_the_error(db):
    response = Client(raise_request_exception=False).get("/feil/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Noe gikk galt hos oss" in page
    assert "a bug" not in page and "RuntimeError" not in page
