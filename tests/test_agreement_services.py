"""The agreement services the edit pages call: what each one writes (rows, files, the agreement's history) and what
it refuses. The pages around them (who may call them, what the user sees) are in tests/test_agreements_views.py."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.models import (
    Agreement,
    AgreementSection,
    Attachment,
    Expectation,
    FocusArea,
    NotEditable,
    PresenceCommitment,
    SectionRevision,
)
from agreements.services import (
    StaleRows,
    agreement_create,
    agreement_part_rows,
    agreement_part_update,
    agreement_update,
    attachment_add,
    attachment_delete,
    section_move,
    template_create_for_district,
    template_section_add,
    template_section_delete,
    template_section_move,
    template_section_update,
)
from agreements.signing import agreement_send_for_signature
from samarbeid.concurrency import StaleEdit
from samarbeid.models import Kommune, Politidistrikt
from tests.test_signing_workflow import sign


@pytest.fixture
def moss(moss_agreement):
    return moss_agreement


@pytest.fixture
def slt(personas):
    return personas["moss_slt"]


@pytest.fixture
def vest_template(personas):
    district = Politidistrikt.objects.get(short_name="Vest")
    return template_create_for_district(district, by=personas["vest_malansvarlig"])


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def signed(personas, moss, vest_template, settings, tmp_path, django_capture_on_commit_callbacks):
    """A Moss agreement made from Vest's template, signed by both parties (with their second factor) and sealed."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command

    settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = tmp_path / "seal-key.pem", tmp_path / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("make_seal", verbosity=0)
    agreement = agreement_create(
        police_party=moss.police_party, kommuner=moss.kommuner.all(), created_by=moss.created_by, template=vest_template
    )
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("moss_ordforer", "moss_leder"):
            TOTP.activate(personas[key], generate_totp_secret())
            sign(agreement, personas[key])
    agreement.refresh_from_db()
    assert agreement.is_signed
    return agreement


def history(agreement, action) -> list[tuple[str, str]]:
    """(heading, text) of the agreement's history entries of one kind, oldest first."""
    return list(agreement.revisions.filter(action=action).order_by("pk").values_list("heading", "text"))


def orders(rows) -> list[tuple[int, int]]:
    """(pk, order) of each row, in order."""
    return list(rows.order_by("order", "pk").values_list("pk", "order"))


# --- agreement_update -------------------------------------------------------------------------------------


def test_agreement_update_stores_the_changed_details_and_names_them_in_the_history(moss, slt):
    agreement_update(
        moss,
        expected_version=1,
        by=slt,
        changed={"council_case_number": "2025/17"},
        labels=["Saksnummer i kommunestyret"],
    )
    moss.refresh_from_db()
    assert (moss.council_case_number, moss.version, moss.updated_by) == ("2025/17", 2, slt)
    assert history(moss, SectionRevision.Action.DETAILS) == [
        ("Periode og vedtak", "<ul><li>Saksnummer i kommunestyret</li></ul>")
    ]


def test_agreement_update_refuses_details_edited_from_an_older_version_and_writes_nothing(moss, slt, personas):
    agreement_update(moss, expected_version=1, by=slt, changed={"council_case_number": "2025/17"}, labels=["Sak"])
    stale_copy = Agreement.objects.get(pk=moss.pk)
    with pytest.raises(StaleEdit) as stale:
        agreement_update(
            stale_copy, expected_version=1, by=personas["moss_leder"], changed={"council_case_number": "1"}, labels=[]
        )
    assert stale.value.current.council_case_number == "2025/17"
    moss.refresh_from_db()
    assert moss.council_case_number == "2025/17" and len(history(moss, SectionRevision.Action.DETAILS)) == 1


# --- agreement_part_update ----------------------------------------------------------------------------------


def test_a_new_row_of_a_part_belongs_to_the_agreement_and_the_part_and_the_history_lists_the_part(moss, slt):
    agreement_part_update(
        moss,
        part="forventninger-kommunen",
        by=slt,
        saved=[Expectation(text="Synlig politi <på kveldstid>", order=1)],
        deleted=[],
        edited_from=[],
    )
    (row,) = Expectation.objects.all()
    assert (row.agreement, row.direction) == (moss, Expectation.Direction.FROM_KOMMUNE)
    assert list(agreement_part_rows(moss, "forventninger-politiet")) == []
    assert history(moss, SectionRevision.Action.PARTS) == [
        ("Kommunens forventninger til politiet", "<ol><li>Synlig politi &lt;på kveldstid&gt;</li></ol>")
    ]


def test_changed_and_deleted_rows_are_written_and_the_history_shows_the_part_as_it_now_reads(moss, slt):
    kept, dropped = (FocusArea.objects.create(agreement=moss, title=title) for title in ("Rus", "Vold"))
    kept.description = "blant unge"
    agreement_part_update(
        moss, part="fokusomrader", by=slt, saved=[kept], deleted=[dropped], edited_from=[(kept, 1), (dropped, 1)]
    )
    (row,) = FocusArea.objects.all()
    assert (row.pk, row.description, row.version) == (kept.pk, "blant unge", 2)
    assert history(moss, SectionRevision.Action.PARTS) == [
        ("Spesielle fokusområder", "<ol><li>Rus: blant unge</li></ol>")
    ]


def test_presence_rows_are_listed_with_kommune_times_days_and_hours(moss, personas):
    row = PresenceCommitment(
        kommune=Kommune.objects.get(number="3103"),
        times=2,
        per="uke",
        weekdays=[1, 3],
        hours_from=datetime.time(10),
        hours_to=datetime.time(14),
        place="rådhuset",
    )
    by = personas["moss_politikontakt"]
    agreement_part_update(moss, part="tilstedevarelse", by=by, saved=[row], deleted=[], edited_from=[])
    [(heading, text)] = history(moss, SectionRevision.Action.PARTS)
    assert heading == "Politikontaktens tilstedeværelse"
    assert text == "<ol><li>Moss kommune: 2 × uke (tirsdag, torsdag) 10:00–14:00 rådhuset</li></ol>"


def test_rows_someone_saved_or_removed_meanwhile_are_named_and_nothing_of_the_edit_is_written(moss, slt, personas):
    first, second, third = (
        Expectation.objects.create(agreement=moss, direction=Expectation.Direction.FROM_KOMMUNE, text=text)
        for text in ("A", "B", "C")
    )
    Expectation.objects.filter(pk=first.pk).update(text="A, saved by the other", version=2)
    Expectation.objects.filter(pk=second.pk).delete()
    third.text = "C, edited"
    first.text = "A, edited"
    with pytest.raises(StaleRows) as stale:
        agreement_part_update(
            moss,
            part="forventninger-kommunen",
            by=personas["moss_ordforer"],
            saved=[first, third, Expectation(text="D")],
            deleted=[second],
            edited_from=[(first, 1), (second, 1), (third, 1)],
        )
    assert stale.value.stale[first].current.text == "A, saved by the other"
    assert stale.value.stale[second].current is None  # removed
    assert third not in stale.value.stale
    rows = Expectation.objects.order_by("pk")
    assert [(row.text, row.version) for row in rows] == [("A, saved by the other", 2), ("C", 1)]  # C's claim undone
    assert history(moss, SectionRevision.Action.PARTS) == []


def test_the_parts_of_an_agreement_sent_for_signature_are_not_written(moss, slt):
    agreement_send_for_signature(moss, by=slt)
    with pytest.raises(NotEditable):
        agreement_part_update(
            moss, part="fokusomrader", by=slt, saved=[FocusArea(title="Rus")], deleted=[], edited_from=[]
        )
    assert not FocusArea.objects.exists()


# --- Attachments --------------------------------------------------------------------------------------------


def test_an_attachment_keeps_its_file_name_size_and_uploader_and_is_logged(moss, slt, private_media):
    upload = SimpleUploadedFile("vedtak<1>.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    attachment = attachment_add(agreement=moss, title="Vedtak", upload=upload, content_type="application/pdf", by=slt)
    stored = Attachment.objects.get()
    assert (stored.original_name, stored.size, stored.uploaded_by) == ("vedtak<1>.pdf", 15, slt)
    assert stored.file.read() == b"%PDF-1.7\n%%EOF\n"
    assert history(moss, SectionRevision.Action.ATTACHMENTS) == [("Vedtak", "Lastet opp vedtak&lt;1&gt;.pdf")]
    assert attachment == stored


def test_a_deleted_attachment_loses_its_row_and_its_file_and_is_logged(moss, slt, private_media):
    upload = SimpleUploadedFile("vedtak.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    attachment = attachment_add(agreement=moss, title="Vedtak", upload=upload, content_type="application/pdf", by=slt)
    path = Path(attachment.file.path)
    assert path.exists()
    attachment_delete(attachment, by=slt)
    assert not Attachment.objects.exists() and not path.exists()
    assert history(moss, SectionRevision.Action.ATTACHMENTS)[-1] == ("Vedtak", "Slettet vedtak.pdf")


# --- Moving sections ----------------------------------------------------------------------------------------


def test_moving_a_section_up_swaps_it_with_the_one_above_and_records_the_move(moss, slt):
    first, second = moss.sections.order_by("order", "pk")[:2]
    section_move(second, by=slt, up=True)
    assert orders(moss.sections)[:2] == [(second.pk, 1), (first.pk, 2)]
    assert second.order == 1  # the object moved along
    moved = moss.revisions.get(action=SectionRevision.Action.MOVED)
    assert (moved.section, moved.created_by) == (second, slt)


def test_the_first_section_does_not_move_up_and_nothing_is_recorded(moss, slt):
    before = orders(moss.sections)
    section_move(moss.sections.order_by("order").first(), by=slt, up=True)
    assert orders(moss.sections) == before
    assert not moss.revisions.filter(action=SectionRevision.Action.MOVED).exists()


def test_the_sections_of_an_agreement_sent_for_signature_do_not_move(moss, slt):
    agreement_send_for_signature(moss, by=slt)
    moss.refresh_from_db()
    before = orders(moss.sections)
    section = AgreementSection.objects.select_related("agreement").filter(agreement=moss).last()
    with pytest.raises(NotEditable):
        section_move(section, by=slt, up=True)
    assert orders(moss.sections) == before


def test_moving_the_last_template_section_down_does_nothing(vest_template, personas):
    last = vest_template.sections.order_by("order").last()
    before = orders(vest_template.sections)
    template_section_move(last, by=personas["vest_malansvarlig"], up=False)
    assert orders(vest_template.sections) == before


def test_moving_a_template_section_down_swaps_it_and_marks_who_changed_the_template(vest_template, personas):
    admin = personas["vest_malansvarlig"]
    vest_template.updated_by = None
    vest_template.save(update_fields=["updated_by"])
    first, second = vest_template.sections.order_by("order", "pk")[:2]
    template_section_move(first, by=admin, up=False)
    assert orders(vest_template.sections)[:2] == [(second.pk, 1), (first.pk, 2)]
    vest_template.refresh_from_db()
    assert vest_template.updated_by == admin


# --- Template sections --------------------------------------------------------------------------------------


def test_a_new_template_section_goes_last(vest_template, personas):
    count = vest_template.sections.count()
    added = template_section_add(
        vest_template, by=personas["vest_malansvarlig"], heading_nb="Nettmobbing", heading_nn="Nettmobbing"
    )
    assert added.order == count + 1 == vest_template.sections.order_by("order").last().order


def test_a_template_section_edited_from_an_older_version_is_refused(vest_template, personas):
    admin = personas["vest_malansvarlig"]
    section = vest_template.sections.first()
    template_section_update(section, expected_version=1, by=admin, guidance_nb="Første")
    with pytest.raises(StaleEdit):
        template_section_update(section, expected_version=1, by=admin, guidance_nb="Andre")
    section.refresh_from_db()
    assert (section.guidance_nb, section.version) == ("Første", 2)


def test_deleting_a_template_section_only_drafts_use_leaves_the_drafts_their_copy(vest_template, personas, moss):
    draft = agreement_create(
        police_party=moss.police_party, kommuner=moss.kommuner.all(), created_by=moss.created_by, template=vest_template
    )
    section = vest_template.sections.order_by("order").first()
    template_section_delete(section, by=personas["vest_malansvarlig"])
    assert not vest_template.sections.filter(heading_nb=section.heading_nb).exists()
    assert draft.sections.filter(heading=section.heading_nb, template_section=None).exists()


def test_a_template_section_a_signed_agreement_was_made_from_is_not_deleted(vest_template, personas, signed):
    used = vest_template.sections.order_by("order").first()
    with pytest.raises(ValidationError, match="signerte avtaler bygger på det"):
        template_section_delete(used, by=personas["vest_malansvarlig"])
    assert vest_template.sections.filter(pk=used.pk).exists()
    assert signed.sections.filter(template_section=used).exists()
