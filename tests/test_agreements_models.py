"""Agreements are created from a template, each party writes its own sections, and every save is kept."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from agreements.access import agreement_for, agreements_visible_to, editable_owners, section_for
from agreements.models import Agreement, AgreementTemplate, Owner, SectionRevision
from agreements.services import agreement_create, section_add, section_update, template_create_for_district
from samarbeid.concurrency import StaleEdit
from samarbeid.models import Kommune, Malform, PoliceUnit


@pytest.fixture
def moss_agreement(personas):
    return agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )


def test_an_agreement_copies_the_national_template_sections_in_the_kommunes_malform(personas):
    luster = agreement_create(
        police_party=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        kommuner=[Kommune.objects.get(number="4644")],
        created_by=personas["luster_slt"],
    )
    national = AgreementTemplate.objects.get(district=None)
    assert luster.malform == Malform.NYNORSK
    assert luster.template == national
    headings = list(luster.sections.values_list("heading", flat=True))
    assert headings == list(national.sections.values_list("heading_nn", flat=True))
    assert "Innleiing / formål" in headings
    assert luster.revisions.filter(action=SectionRevision.Action.CREATED).count() == len(headings)


def test_editing_a_template_never_changes_an_agreement_already_made(personas, moss_agreement):
    template = moss_agreement.template
    first = template.sections.first()
    original = moss_agreement.sections.get(template_section=first).standard_text
    first.standard_text_nb = "<p>Ny tekst i ramme</p>"
    first.save()
    assert moss_agreement.sections.get(template_section=first).standard_text == original


def test_a_district_template_is_used_for_new_agreements_of_that_district(personas):
    vest = PoliceUnit.objects.get(name="Sogn lensmannsdistrikt").district
    template = template_create_for_district(vest, by=personas["vest_malansvarlig"])
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        kommuner=[Kommune.objects.get(number="4644")],
        created_by=personas["luster_slt"],
    )
    assert agreement.template == template


def test_both_parties_read_the_draft_and_other_tenants_get_404(personas, moss_agreement):
    for key in ("moss_slt", "moss_ordforer", "moss_politikontakt", "moss_leder"):
        assert agreement_for(personas[key], moss_agreement.pk) == moss_agreement
        assert list(agreements_visible_to(personas[key])) == [moss_agreement]
    for key in ("randaberg_slt", "stavanger_politikontakt", "luster_ordforer"):
        with pytest.raises(Http404):
            agreement_for(personas[key], moss_agreement.pk)
        assert not agreements_visible_to(personas[key]).exists()


def test_kommune_editors_write_kommune_sections_and_police_editors_police_sections(personas, moss_agreement):
    assert editable_owners(personas["moss_slt"], moss_agreement) == {Owner.KOMMUNE, Owner.FELLES}
    assert editable_owners(personas["moss_politikontakt"], moss_agreement) == {Owner.POLICE, Owner.FELLES}
    police_section = moss_agreement.sections.filter(owner=Owner.POLICE).first()
    with pytest.raises(PermissionDenied):
        section_for(personas["moss_slt"], moss_agreement.pk, police_section.pk, edit=True)
    assert section_for(personas["moss_politikontakt"], moss_agreement.pk, police_section.pk, edit=True)


def test_a_stale_save_is_refused_and_keeps_both_texts(personas, moss_agreement):
    section = moss_agreement.sections.filter(owner=Owner.FELLES).first()
    section_update(section, local_text="<p>Første</p>", by=personas["moss_slt"], expected_version=1)
    with pytest.raises(StaleEdit) as refused:
        section_update(section, local_text="<p>Andre</p>", by=personas["moss_politikontakt"], expected_version=1)
    assert (refused.value.current.version, refused.value.current.local_text) == (2, "<p>Første</p>")
    section.refresh_from_db()
    assert (section.version, section.local_text) == (2, "<p>Første</p>")


def test_a_local_section_is_added_after_another_and_recorded(personas, moss_agreement):
    first = moss_agreement.sections.order_by("order").first()
    added = section_add(
        moss_agreement,
        heading="Ungdomskontakt",
        owner=Owner.KOMMUNE,
        by=personas["moss_slt"],
        local_text="<p>Tekst</p>",
        after=first,
    )
    orders = list(moss_agreement.sections.order_by("order").values_list("pk", flat=True))
    assert orders[1] == added.pk
    assert added.revisions.get().action == SectionRevision.Action.ADDED


def test_the_database_refuses_a_period_that_ends_before_it_starts(moss_agreement):
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=moss_agreement.pk).update(
            period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2024, 1, 1)
        )


def test_the_demo_step_adds_the_seeds_structured_parts_once(personas, moss_agreement):
    from agreements.demo import create_demo_agreement_parts

    create_demo_agreement_parts()
    create_demo_agreement_parts()
    presence = moss_agreement.presence_commitments.get()
    assert (presence.times, presence.per) == (1, "uke")
    assert moss_agreement.focus_areas.count() == 4
    assert moss_agreement.expectations.count() == 2
    assert AgreementTemplate.objects.filter(district__short_name="Vest").count() == 1


def test_saving_unchanged_text_makes_no_new_version(personas, moss_agreement):
    section = moss_agreement.sections.filter(owner=Owner.KOMMUNE).first()
    section_update(section, local_text="<p>Tekst</p>", by=personas["moss_slt"], expected_version=1)
    assert section_update(section, local_text="<p>Tekst</p>", by=personas["moss_slt"], expected_version=2) is None
    section.refresh_from_db()
    assert section.version == 2 and section.revisions.count() == 2  # created + one edit
