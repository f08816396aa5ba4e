"""Records that hold: a signed agreement's every table refuses change, logs only grow, files are never shared
between versions and the content hash covers their bytes, uploads have safe names."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_councils_rules are used as arguments)

import datetime
import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from agreements.immutability import AgreementLocked
from agreements.models import (
    Agreement,
    AgreementKommune,
    Attachment,
    Expectation,
    FocusArea,
    PresenceCommitment,
    SectionRevision,
    StatusChange,
)
from agreements.services import (
    agreement_create,
    section_add,
    section_remove,
    section_update,
    template_create_for_district,
)
from agreements.signing import agreement_revise, agreement_send_for_signature, content_hash
from samarbeid.append_only import LogIsAppendOnly
from samarbeid.backup import backup, flush_database
from samarbeid.meetings import meeting_plan
from samarbeid.models import Kommune, PoliceUnit, Politidistrikt
from samarbeid.pdf import verify_pdf
from tests.test_councils_rules import at, moss_council  # noqa: F401 (fixtures)
from tests.test_signing_workflow import sign

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist only on PostgreSQL")

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def signing_settings(settings, tmp_path):
    """A development seal, private media in tmp, and tasks run at once (instead of by the DB worker)."""
    settings.SEAL_KEY_FILE = tmp_path / "seal" / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal" / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("make_seal", verbosity=0)


def a_pdf(name="vedtak.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


@pytest.fixture
def moss(personas, client_for):
    """A draft Moss agreement with local text, every structured part and an attachment (uploaded in the view)."""
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )
    section_update(
        agreement.sections.order_by("order").first(), local_text="<p>Kontortid to dager.</p>", by=personas["moss_slt"]
    )
    PresenceCommitment.objects.create(agreement=agreement, kommune=agreement.kommuner.get(), times=2)
    Expectation.objects.create(agreement=agreement, direction=Expectation.Direction.FROM_POLICE, text="Varsle oss")
    FocusArea.objects.create(agreement=agreement, title="Rus blant unge")
    response = client_for("moss_slt").post(url("attachment_add", agreement), {"title": "Vedtak", "file": a_pdf()})
    assert response.status_code == 302
    for user in (personas["moss_ordforer"], personas["moss_leder"]):
        TOTP.activate(user, generate_totp_secret())
    return agreement


def sign_all(agreement, personas, capture):
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    with capture(execute=True):
        for key in ("moss_ordforer", "moss_leder"):
            sign(agreement, personas[key])
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def signed_moss(personas, moss, django_capture_on_commit_callbacks):
    return sign_all(moss, personas, django_capture_on_commit_callbacks)


# --- The database keeps the rules -------------------------------------------------------------------------

PART_TABLES = [
    "agreements_agreementsection",
    "agreements_presencecommitment",
    "agreements_expectation",
    "agreements_focusarea",
    "agreements_attachment",
    "agreements_signinground",
    "agreements_signature",
    "agreements_agreement_kommuner",
]


def refused(sql, params, match):
    with pytest.raises(IntegrityError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def copy_row_sql(table):
    """INSERT a copy (with a new id) of one of the agreement's rows."""
    return (
        f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(t) - 'id'"
        f" || jsonb_build_object('id', (SELECT max(id) + 1000 FROM {table})))).* FROM {table} t"
        " WHERE agreement_id = %s LIMIT 1"
    )


@on_postgresql
def test_on_postgresql_raw_sql_cannot_insert_update_or_delete_any_row_of_a_signed_agreement(signed_moss, moss_draft):
    pk = signed_moss.pk
    with connection.cursor() as cursor:
        for table in PART_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE agreement_id = %s", [pk])
            assert cursor.fetchone()[0] >= 1, f"the signed agreement has no row in {table}"
    refused("UPDATE agreements_agreement SET period_end = NULL WHERE id = %s", [pk], "signert")
    refused("UPDATE agreements_agreement SET status = 'utkast' WHERE id = %s", [pk], "signert")
    refused("DELETE FROM agreements_agreement WHERE id = %s", [pk], "signert")
    for table in PART_TABLES:
        refused(copy_row_sql(table), [pk], "signert|logg")
        refused(f"UPDATE {table} SET agreement_id = agreement_id WHERE agreement_id = %s", [pk], "signert|logg")
        refused(f"DELETE FROM {table} WHERE agreement_id = %s", [pk], "signert|logg")
    for table in PART_TABLES[:4] + PART_TABLES[-1:]:  # no row of a draft is moved into the signed agreement
        refused(f"UPDATE {table} SET agreement_id = %s WHERE agreement_id = %s", [pk, moss_draft.pk], "signert")
    refused(
        "UPDATE agreements_agreement_kommuner SET kommune_id = kommune_id + 1 WHERE agreement_id = %s", [pk], "signert"
    )
    refused("UPDATE agreements_sealeddocument SET size = 1 WHERE agreement_id = %s", [pk], "logg")
    refused("DELETE FROM agreements_sealeddocument WHERE agreement_id = %s", [pk], "logg")
    with transaction.atomic(), connection.cursor() as cursor:  # the one allowed change
        cursor.execute("UPDATE agreements_agreement SET status = 'erstattet' WHERE id = %s", [pk])
        transaction.set_rollback(True)


@pytest.fixture
def moss_draft(personas):
    draft = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )
    PresenceCommitment.objects.create(agreement=draft, kommune=draft.kommuner.get())
    Expectation.objects.create(agreement=draft, direction=Expectation.Direction.FROM_KOMMUNE, text="Svar raskt")
    FocusArea.objects.create(agreement=draft, title="Vold i nære relasjoner")
    return draft


@on_postgresql
def test_on_postgresql_the_change_log_and_status_history_refuse_update_and_delete_even_for_a_draft(
    personas, moss_draft
):
    pk = moss_draft.pk
    moss_draft.log(SectionRevision.Action.DETAILS, heading="Periode", by=personas["moss_slt"])
    StatusChange.objects.create(
        agreement=moss_draft, from_status="utkast", to_status="til_signering", created_by=personas["moss_slt"]
    )
    for table in ("agreements_sectionrevision", "agreements_statuschange"):
        refused(f"UPDATE {table} SET created_at = now() WHERE agreement_id = %s", [pk], "logg")
        refused(f"DELETE FROM {table} WHERE agreement_id = %s", [pk], "logg")
    refused("UPDATE agreements_sectionrevision SET section_id = NULL, text = 'x' WHERE agreement_id = %s", [pk], "logg")


def test_the_parties_of_a_signed_agreement_cannot_change_through_the_link_managers(signed_moss):
    fredrikstad = Kommune.objects.get(number="3107")
    moss_kommune = signed_moss.kommuner.get()
    for attempt in [
        lambda: signed_moss.kommuner.add(fredrikstad),
        lambda: signed_moss.kommuner.set([fredrikstad]),
        lambda: signed_moss.kommuner.remove(moss_kommune),
        lambda: signed_moss.kommuner.clear(),
        lambda: fredrikstad.agreements.add(signed_moss),
        lambda: moss_kommune.agreements.remove(signed_moss),
        lambda: AgreementKommune.objects.filter(agreement=signed_moss).update(kommune=fredrikstad),
        lambda: AgreementKommune.objects.create(agreement=signed_moss, kommune=fredrikstad),
    ]:
        with pytest.raises(AgreementLocked), transaction.atomic():
            attempt()
    assert list(Agreement.objects.get(pk=signed_moss.pk).kommuner.all()) == [moss_kommune]


def test_no_structured_part_can_be_added_to_a_signed_agreement_in_bulk(signed_moss):
    with pytest.raises(AgreementLocked):
        FocusArea.objects.bulk_create([FocusArea(agreement=signed_moss, title="Etterpå")])
    assert signed_moss.focus_areas.count() == 1


def test_the_change_log_and_status_history_only_grow_through_the_orm(personas, signed_moss):
    revision = signed_moss.revisions.first()
    revision.text = "Skrevet om"
    change = signed_moss.status_changes.first()
    change.reason = "Skrevet om"
    for attempt in [
        revision.save,
        revision.delete,
        change.save,
        change.delete,
        lambda: SectionRevision.objects.filter(agreement=signed_moss).update(text="x"),
        lambda: SectionRevision.objects.filter(agreement=signed_moss).delete(),
        lambda: StatusChange.objects.filter(agreement=signed_moss).update(reason="x"),
        lambda: StatusChange.objects.filter(agreement=signed_moss).delete(),
        lambda: signed_moss.sealed_document.delete(),
    ]:
        with pytest.raises(LogIsAppendOnly):
            attempt()
    assert not SectionRevision.objects.filter(text__in=["x", "Skrevet om"]).exists()


def test_removing_a_local_draft_section_keeps_its_history_in_the_change_log(personas, moss_draft):
    section = section_add(moss_draft, heading="Nettmobbing", owner="felles", by=personas["moss_slt"])
    section_remove(section, by=personas["moss_slt"])
    actions = list(moss_draft.revisions.filter(heading="Nettmobbing").values_list("action", "section"))
    assert sorted(actions) == [("fjernet", None), ("lagt_til", None)]


# --- Files are never shared between versions; the hash covers their bytes -----------------------------------


def test_deleting_an_attachment_in_a_revision_leaves_the_signed_agreements_file_downloadable(
    personas, client_for, signed_moss
):
    signed_attachment = signed_moss.attachments.get()
    draft = agreement_revise(signed_moss, by=personas["moss_slt"])
    draft_attachment = draft.attachments.get()
    assert draft_attachment.file.name != signed_attachment.file.name
    client = client_for("moss_slt")
    assert b"".join(client.get(url("attachment", draft, draft_attachment.pk)).streaming_content) == PDF
    response = client.post(url("attachment_delete", draft, draft_attachment.pk))
    assert response.status_code == 302 and not draft.attachments.exists()
    download = client.get(url("attachment", signed_moss, signed_attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_the_content_hash_changes_when_an_attachments_bytes_change_with_the_same_name_and_size(moss):
    attachment = moss.attachments.get()
    before = content_hash(moss)
    changed = PDF.replace(b"<<>>", b"<<0>>")[:-1]  # same length, other bytes
    assert len(changed) == attachment.size
    with open(attachment.file.path, "wb") as file:
        file.write(changed)
    assert content_hash(moss) != before
    with open(attachment.file.path, "wb") as file:
        file.write(PDF)
    assert content_hash(moss) == before


# --- Deleting a template section that a signed agreement uses ------------------------------------------------


@pytest.fixture
def vest_template(personas):
    return template_create_for_district(Politidistrikt.objects.get(short_name="Vest"), by=personas["vest_malansvarlig"])


def test_a_template_section_used_by_a_signed_agreement_is_not_deleted_and_the_user_is_told_why(
    personas, client_for, vest_template, django_capture_on_commit_callbacks
):
    template = vest_template
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        template=template,
    )
    for user in (personas["moss_ordforer"], personas["moss_leder"]):
        TOTP.activate(user, generate_totp_secret())
    sign_all(agreement, personas, django_capture_on_commit_callbacks)
    used = template.sections.order_by("order").first()
    client = client_for("vest_malansvarlig")
    delete = reverse("agreements:template_section_delete", args=[template.pk, used.pk])
    page = client.post(delete, follow=True)
    assert page.status_code == 200
    assert "kan ikke fjernes fra malen fordi signerte avtaler bygger på det" in page.content.decode()
    assert template.sections.filter(pk=used.pk).exists()
    assert agreement.sections.filter(template_section=used).exists()


def test_a_template_section_only_drafts_use_is_deleted_and_the_drafts_keep_their_copy(
    personas, client_for, vest_template
):
    template = vest_template
    draft = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        template=template,
    )
    section = template.sections.order_by("order").first()
    delete = reverse("agreements:template_section_delete", args=[template.pk, section.pk])
    page = client_for("vest_malansvarlig").post(delete, follow=True)
    assert "Avsnittet er fjernet fra malen" in page.content.decode()
    assert not template.sections.filter(pk=section.pk).exists()
    assert draft.sections.filter(heading=section.heading_nb, template_section=None).exists()


# --- Long and odd file names ---------------------------------------------------------------------------------


def test_an_attachment_with_a_very_long_name_is_stored_under_a_short_name_that_keeps_the_extension(client_for, moss):
    name = "Kommunestyrets vedtak om samarbeidsavtalen med politiet, " * 8 + "endelig.PDF"
    client = client_for("moss_slt")
    response = client.post(url("attachment_add", moss), {"title": "Langt navn", "file": a_pdf(name)})
    assert response.status_code == 302
    attachment = Attachment.objects.get(title="Langt navn")
    assert len(attachment.original_name) <= 100 and attachment.original_name.endswith(".pdf")
    assert attachment.original_name.startswith("Kommunestyrets vedtak")
    download = client.get(url("attachment", moss, attachment.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_meeting_attachment_with_a_very_long_name_and_no_title_is_stored_and_downloads(moss_council, client_for):
    meeting = meeting_plan(moss_council.forum, starts_at=at(10), ends_at=at(10, 11), place="Moss rådhus")
    name = "Statistikk over ungdomskriminalitet i Moss kommune, " * 10 + "2026.pdf"
    client = client_for("moss_slt")
    response = client.post(
        reverse("meetings:attachment_upload", kwargs={"pk": meeting.pk}), {"title": "", "file": a_pdf(name)}
    )
    assert response.status_code == 302
    attachment = meeting.attachments.get()
    assert len(attachment.original_name) <= 100 and attachment.original_name.endswith(".pdf")
    download = client.get(reverse("meetings:attachment", kwargs={"pk": meeting.pk, "attachment_pk": attachment.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


# --- Backup and restore ---------------------------------------------------------------------------------------


def wipe_everything(settings):
    flush_database()
    shutil.rmtree(settings.MEDIA_ROOT)
    settings.SEAL_KEY_FILE.unlink()
    settings.SEAL_CERT_FILE.unlink()


def test_after_backup_wipe_and_restore_the_sealed_pdf_still_verifies_and_attachments_download_the_same(
    settings, tmp_path, signed_moss, client_for
):
    sealed = signed_moss.sealed_document
    attachment = signed_moss.attachments.get()
    signatures = list(signed_moss.signatures.values_list("name", "signed_at"))
    log = list(signed_moss.revisions.values_list("pk", "action", "created_at"))
    seal_certificate = settings.SEAL_CERT_FILE.read_bytes()
    out = io.StringIO()
    call_command("backup", tmp_path, stdout=out)
    archive = Path(out.getvalue().split(" til ")[-1].strip())
    assert archive.parent == tmp_path and archive.name.endswith(".tar.gz")

    wipe_everything(settings)
    assert not Agreement.objects.exists() and not Path(settings.MEDIA_ROOT).exists()

    call_command("restore", archive, interactive=False, verbosity=0)
    restored = Agreement.objects.get(pk=signed_moss.pk)
    assert restored.status == Agreement.Status.SIGNED and restored.title == signed_moss.title
    assert list(restored.signatures.values_list("name", "signed_at")) == signatures  # to the microsecond
    assert list(restored.revisions.values_list("pk", "action", "created_at")) == log
    assert settings.SEAL_CERT_FILE.read_bytes() == seal_certificate
    pdf = restored.sealed_document.file.read()
    assert hashlib.sha256(pdf).hexdigest() == sealed.sha256 and verify_pdf(pdf).ok
    page = Client().post(reverse("agreements:verify"), {"file": SimpleUploadedFile("avtale.pdf", pdf)})
    assert page.context["result"].ok and page.context["archived"] == restored.sealed_document
    download = client_for("moss_ordforer").get(url("attachment", restored, attachment.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    if connection.vendor == "postgresql":  # the triggers are back in force after the load
        refused(
            "UPDATE agreements_agreementsection SET local_text = 'x' WHERE agreement_id = %s", [restored.pk], "signert"
        )


def damaged_copy(archive: Path, tmp_path: Path, member: str) -> Path:
    """The archive with one byte of `member` changed (same size)."""
    damaged = tmp_path / "skadet.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for info in source:
            data = source.extractfile(info).read()
            if info.name == member:
                data = data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]
            target.addfile(info, io.BytesIO(data))
    return damaged


def flipped_byte(archive: Path, tmp_path: Path) -> Path:
    """The archive file with one byte in its middle changed."""
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "flippet.tar.gz"
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda a, t: damaged_copy(a, t, "database.json"), "database.json i arkivet er skadet"),
        (lambda a, t: damaged_copy(a, t, "seal/seal-cert.pem"), "seal/seal-cert.pem i arkivet er skadet"),
        (
            lambda a, t: t.joinpath("avkortet.tar.gz").write_bytes(a.read_bytes()[:2000]) and t / "avkortet.tar.gz",
            "Arkivet kan ikke leses",
        ),
        (
            lambda a, t: t.joinpath("tekst.tar.gz").write_bytes(b"ikke et arkiv") and t / "tekst.tar.gz",
            "Arkivet kan ikke leses",
        ),
        (lambda a, t: flipped_byte(a, t), "Arkivet kan ikke leses|skadet"),
    ],
    ids=["database", "seal", "truncated", "not-an-archive", "flipped-byte"],
)
def test_restore_refuses_a_damaged_archive_and_changes_nothing(settings, tmp_path, moss, make, message):
    archive = backup(tmp_path / "kopi.tar.gz")
    moss.log(SectionRevision.Action.DETAILS, heading="Etter sikkerhetskopien", by=moss.created_by)
    with pytest.raises(CommandError, match=message):
        call_command("restore", make(archive, tmp_path), interactive=False, verbosity=0)
    assert moss.revisions.filter(heading="Etter sikkerhetskopien").exists()
    assert moss.attachments.get().file.read() == PDF
