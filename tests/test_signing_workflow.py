"""Sign-off: transitions, signatories, content hash, sealing, immutability and revising."""

import datetime
import time

import lxml.html
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from agreements.immutability import AgreementLocked
from agreements.models import (
    Agreement,
    AgreementSection,
    Lifecycle,
    NotEditable,
    PresenceCommitment,
    SealedDocument,
    Signature,
    StatusChange,
)
from agreements.services import agreement_create, section_add, section_update
from agreements.signing import (
    agreement_diff,
    agreement_return_to_draft,
    agreement_revise,
    agreement_send_for_signature,
    agreement_sign,
    content_hash,
    departures_from_template,
)
from councils.services import council_create, council_presence
from samarbeid.models import Kommune, Person, PoliceUnit, Role, RoleAssignment, User
from samarbeid.pdf import verify_pdf
from samarbeid.roles import role_assign


@pytest.fixture(autouse=True)
def signing_settings(settings, tmp_path):
    """A development seal, private media in tmp, and tasks run at once (instead of by the DB worker)."""
    settings.SEAL_KEY_FILE = tmp_path / "seal-key.pem"
    settings.SEAL_CERT_FILE = tmp_path / "seal-cert.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("make_seal", verbosity=0)


def enrol_mfa(*users):
    for user in users:
        TOTP.activate(user, generate_totp_secret())


@pytest.fixture
def moss(personas):
    """A draft between Moss kommune and Moss politistasjonsdistrikt, with local text, signatories with MFA."""
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )
    section = agreement.sections.order_by("order").first()
    section_update(
        section,
        local_text="<p>Politikontakten har kontortid på rådhuset to dager i uka kl 10–14.</p>",
        by=personas["moss_slt"],
    )
    enrol_mfa(personas["moss_ordforer"], personas["moss_leder"])
    return agreement


def confirmed_just_now() -> list[dict]:
    """A session record as allauth leaves it after a password login and a TOTP confirmation."""
    return [
        {"method": "password", "at": time.time() - 120},
        {"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True},
    ]


def sign(agreement, user, place="Moss", authentication=None):
    agreement.refresh_from_db()
    return agreement_sign(
        agreement,
        by=user,
        place=place,
        signed_hash=agreement.signing_rounds.last().content_hash,
        authentication=confirmed_just_now() if authentication is None else authentication,
    )


def sign_all(agreement, personas, capture, keys=("moss_ordforer", "moss_leder")):
    with capture(execute=True):
        for key in keys:
            sign(agreement, personas[key])
    agreement.refresh_from_db()
    return agreement


# --- Transitions ------------------------------------------------------------------------------------


def test_sending_for_signature_freezes_the_content_and_records_who_and_when(personas, moss):
    signing_round = agreement_send_for_signature(moss, by=personas["moss_slt"])
    moss.refresh_from_db()
    assert moss.status == Agreement.Status.SENT and not moss.is_editable
    assert signing_round.content_hash == content_hash(moss)
    change = moss.status_changes.get()
    assert (change.from_status, change.to_status, change.created_by) == (
        "utkast",
        "til_signering",
        personas["moss_slt"],
    )
    with pytest.raises(NotEditable):
        section_update(moss.sections.first(), local_text="Endret etter sending", by=personas["moss_slt"])


def test_only_a_draft_can_be_sent_and_only_a_sent_agreement_can_go_back_to_draft(personas, moss):
    with pytest.raises(ValidationError, match="Bare en avtale som er sendt til signering"):
        agreement_return_to_draft(moss, by=personas["moss_slt"], reason="Feil")
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    with pytest.raises(ValidationError, match="Bare et utkast kan sendes til signering"):
        agreement_send_for_signature(moss, by=personas["moss_slt"])


def test_returning_to_draft_needs_a_reason_and_clears_collected_signatures(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    sign(moss, personas["moss_ordforer"])
    with pytest.raises(ValidationError, match="Skriv hvorfor"):
        agreement_return_to_draft(moss, by=personas["moss_politikontakt"], reason="  ")
    agreement_return_to_draft(moss, by=personas["moss_politikontakt"], reason="Politiet vil endre responstid")
    moss.refresh_from_db()
    assert moss.status == Agreement.Status.DRAFT
    change = moss.status_changes.last()
    assert (change.to_status, change.reason, change.created_by) == (
        "utkast",
        "Politiet vil endre responstid",
        personas["moss_politikontakt"],
    )
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    assert moss.signing_rounds.last().signatures.count() == 0  # the new round starts with no signatures


def test_a_party_without_anyone_to_sign_cannot_be_sent(personas, moss):
    RoleAssignment.objects.filter(person=personas["moss_ordforer"].person, role=Role.ORDFORER).update(
        ends_on=datetime.date(2024, 1, 1)
    )
    with pytest.raises(ValidationError, match="Ingen kan signere for Moss kommune"):
        agreement_send_for_signature(moss, by=personas["moss_slt"])


def test_ordforer_and_police_leader_sign_and_the_sealed_pdf_is_made_once(
    personas, moss, django_capture_on_commit_callbacks
):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    signed_hash = moss.signing_rounds.get().content_hash
    first = sign(moss, personas["moss_ordforer"], place="Moss")
    moss.refresh_from_db()
    assert moss.status == Agreement.Status.SENT  # the police has not signed yet
    assert (first.name, first.title, first.party.name, first.content_hash) == (
        "Hege Tollefsen",
        "Ordfører",
        "Moss kommune",
        signed_hash,
    )
    moss = sign_all(moss, personas, django_capture_on_commit_callbacks, keys=["moss_leder"])
    assert moss.status == Agreement.Status.SIGNED and moss.lifecycle == Lifecycle.ACTIVE
    assert [c.to_status for c in moss.status_changes.all()] == ["til_signering", "signert"]
    document = SealedDocument.objects.get(agreement=moss)
    result = verify_pdf(document.file.read())
    assert result.ok, result.reason
    from agreements.signing import agreement_seal

    assert agreement_seal(moss.pk).pk == document.pk  # produced once: a second run returns the same file


def test_nobody_else_signs_and_nobody_signs_twice(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    enrol_mfa(personas["moss_slt"], personas["moss_politikontakt"], personas["randaberg_ordforer"])
    for key in ["moss_slt", "moss_politikontakt", "randaberg_ordforer", "sorvest_politimester"]:
        with pytest.raises(PermissionDenied):
            sign(moss, personas[key])
    sign(moss, personas["moss_ordforer"])
    with pytest.raises(ValidationError, match="Du har allerede signert"):
        sign(moss, personas["moss_ordforer"])
    assert Signature.objects.filter(agreement=moss).count() == 1


def test_the_database_refuses_two_signatures_for_one_party_in_a_round(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    signature = sign(moss, personas["moss_ordforer"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            round=signature.round,
            agreement=moss,
            party=signature.party,
            user=personas["moss_slt"],
            role=Role.ORDFORER,
            name="X",
            title="Y",
            place="Z",
            content_hash=signature.content_hash,
        )


def test_a_changed_content_cannot_be_signed(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    moss.refresh_from_db()
    with pytest.raises(ValidationError, match="Innholdet er endret"):
        agreement_sign(
            moss, by=personas["moss_ordforer"], place="Moss", signed_hash="0" * 64, authentication=confirmed_just_now()
        )
    AgreementSection.objects.filter(agreement=moss).update(local_text="Endret i databasen")
    with pytest.raises(ValidationError, match="Innholdet er endret"):
        sign(moss, personas["moss_ordforer"])


def test_signing_requires_an_enrolled_authenticator(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    personas["moss_ordforer"].authenticator_set.all().delete()
    with pytest.raises(ValidationError, match="totrinnsinnlogging"):
        sign(moss, personas["moss_ordforer"])


@pytest.mark.parametrize(
    "authentication",
    [
        [],  # a session made without a login form (force_login, a restored session)
        [{"method": "password", "at": time.time()}],  # password only, though an authenticator is enrolled
        [{"method": "password", "at": time.time(), "reauthenticated": True}],  # confirmed with the password only
        [{"method": "password", "at": 0}, {"method": "mfa", "type": "totp", "at": time.time() - 11 * 60}],  # stale
    ],
    ids=["no-record", "password-login", "password-confirmation", "second-factor-11-minutes-ago"],
)
def test_signing_needs_a_recent_second_factor_in_this_session_not_just_an_enrolled_one(personas, moss, authentication):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    with pytest.raises(ValidationError, match="Bekreft med en kode fra autentiseringsappen"):
        sign(moss, personas["moss_ordforer"], authentication=authentication)
    assert not Signature.objects.filter(agreement=moss).exists()


def test_the_signature_keeps_the_steps_the_session_went_through(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    steps = [
        {"method": "password", "at": 1764583200.5, "email": "ordforer@moss.demo.no"},
        {"method": "mfa", "type": "totp", "id": 7, "at": time.time() - 60, "reauthenticated": True},
    ]
    signature = sign(moss, personas["moss_ordforer"], authentication=steps)
    signature.refresh_from_db()
    assert signature.authentication == [
        {"method": "password", "at": 1764583200.5},
        {"method": "mfa", "type": "totp", "at": steps[1]["at"], "reauthenticated": True},
    ]  # what was used and when; not the e-mail address or the authenticator's id


@pytest.fixture
def moss_varaordforer(personas):
    person = Person.objects.create(name="Vara Ordfører")
    user = User.objects.create_user("vara@moss.demo.no", "Samarbeid-demo-2026", person=person)
    role_assign(person=person, party=Kommune.objects.get(number="3103"), role=Role.VARAORDFORER)
    enrol_mfa(user)
    return user


def test_the_varaordforer_signs_as_acting_deputy_only_when_the_round_allows_it(personas, moss, moss_varaordforer):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    with pytest.raises(PermissionDenied):
        sign(moss, moss_varaordforer)
    agreement_return_to_draft(moss, by=personas["moss_slt"], reason="Ordføreren er bortreist")
    agreement_send_for_signature(moss, by=personas["moss_slt"], allow_deputy=True)
    signature = sign(moss, moss_varaordforer)
    assert signature.title == "Varaordfører (fungerende ordfører)"
    with pytest.raises(ValidationError, match="Moss kommune har allerede signert"):
        sign(moss, personas["moss_ordforer"])


def test_lifecycle_is_derived_from_the_period(personas, moss, django_capture_on_commit_callbacks):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    moss = sign_all(moss, personas, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    moss.period_start, moss.period_end = today + datetime.timedelta(days=10), None
    assert moss.lifecycle == Lifecycle.SIGNED
    moss.period_start, moss.period_end = datetime.date(2020, 1, 1), today - datetime.timedelta(days=1)
    assert moss.lifecycle == Lifecycle.EXPIRED


# --- Immutability -----------------------------------------------------------------------------------


@pytest.fixture
def signed_moss(personas, moss, django_capture_on_commit_callbacks):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    return sign_all(moss, personas, django_capture_on_commit_callbacks)


def test_a_signed_agreement_its_sections_and_signatures_cannot_change_through_the_orm(signed_moss):
    section = signed_moss.sections.first()
    section.local_text = "Endret etter signering"
    signature = signed_moss.signatures.first()
    signature.place = "Et annet sted"
    signed_moss.period_end = datetime.date(2030, 1, 1)
    for attempt in [
        signed_moss.save,
        signed_moss.delete,
        section.save,
        section.delete,
        signature.save,
        lambda: AgreementSection.objects.filter(agreement=signed_moss).update(local_text="x"),
        lambda: Agreement.objects.filter(pk=signed_moss.pk).update(period_end=None),
        lambda: AgreementSection.objects.filter(agreement=signed_moss).delete(),
        lambda: AgreementSection.objects.create(agreement=signed_moss, order=99, heading="Ny"),
    ]:
        with pytest.raises(AgreementLocked):
            attempt()
    assert not AgreementSection.objects.filter(local_text__in=["x", "Endret etter signering"]).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the immutability trigger exists only on PostgreSQL")
def test_on_postgresql_the_database_refuses_changes_to_a_signed_agreement(signed_moss):
    statements = [
        ("UPDATE agreements_agreement SET period_end = NULL WHERE id = %s", [signed_moss.pk]),
        ("DELETE FROM agreements_agreement WHERE id = %s", [signed_moss.pk]),
        ("UPDATE agreements_agreementsection SET local_text = 'x' WHERE agreement_id = %s", [signed_moss.pk]),
        ("DELETE FROM agreements_agreementsection WHERE agreement_id = %s", [signed_moss.pk]),
        ("UPDATE agreements_signature SET place = 'x' WHERE agreement_id = %s", [signed_moss.pk]),
        ("DELETE FROM agreements_sealeddocument WHERE agreement_id = %s", [signed_moss.pk]),
    ]
    for sql, params in statements:
        with pytest.raises(IntegrityError, match="signert|forseglet|logg"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    with transaction.atomic(), connection.cursor() as cursor:  # the one allowed change
        cursor.execute("UPDATE agreements_agreement SET status = 'erstattet' WHERE id = %s", [signed_moss.pk])
        transaction.set_rollback(True)


# --- Revising ---------------------------------------------------------------------------------------


def test_revising_copies_the_signed_text_into_a_draft_that_replaces_it_when_signed(
    personas, signed_moss, django_capture_on_commit_callbacks
):
    draft = agreement_revise(signed_moss, by=personas["moss_slt"])
    assert draft.status == Agreement.Status.DRAFT and draft.replaces == signed_moss
    assert [s.local_text for s in draft.sections.all()] == [s.local_text for s in signed_moss.sections.all()]
    with pytest.raises(ValidationError, match="allerede under revisjon"):
        agreement_revise(signed_moss, by=personas["moss_slt"])
    section = draft.sections.order_by("order").first()
    section_update(
        section, local_text="<p>Politikontakten har kontortid på rådhuset tre dager i uka.</p>", by=personas["moss_slt"]
    )
    changes = agreement_diff(signed_moss, draft)
    assert [(c.heading, c.kind) for c in changes] == [(section.heading, "changed")]
    assert {"to", "tre"} <= {part.text for part in changes[0].diff if part.op != "equal"}
    agreement_send_for_signature(draft, by=personas["moss_slt"])
    draft = sign_all(draft, personas, django_capture_on_commit_callbacks)
    signed_moss.refresh_from_db()
    assert draft.status == Agreement.Status.SIGNED and signed_moss.lifecycle == Lifecycle.REPLACED
    assert signed_moss.status_changes.last().to_status == "erstattet"


def test_departures_from_the_template_list_local_sections_and_local_texts(personas, moss):
    section_add(moss, heading="Felles innsats mot nettmobbing", owner="felles", by=personas["moss_slt"])
    removed = moss.sections.filter(is_local=False).order_by("-order").first()
    removed_heading = removed.heading
    removed.delete()
    departures = departures_from_template(moss)
    assert departures["added"] == ["Felles innsats mot nettmobbing"]
    assert departures["removed"] == [removed_heading]
    assert departures["local_texts"] == [moss.sections.order_by("order").first().heading]


def test_status_changes_are_kept_with_who_and_when(personas, moss):
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    change = StatusChange.objects.get(agreement=moss)
    assert change.created_at <= timezone.now() and change.created_by == personas["moss_slt"]


def test_a_revision_draft_is_told_apart_from_the_signed_agreement_it_revises(personas, signed_moss, client):
    draft = agreement_revise(signed_moss, by=personas["moss_slt"])
    client.force_login(personas["moss_slt"])
    listed = lxml.html.fromstring(client.get(reverse("agreements:list")).content)
    titles = [link.text_content() for link in listed.xpath("//tbody//td[1]/a")]
    assert f"{signed_moss.title} – revisjon" in titles and signed_moss.title in titles
    page = lxml.html.fromstring(client.get(reverse("agreements:detail", args=[draft.pk])).content)
    assert page.xpath("string(//h1)") == f"{signed_moss.title} – revisjon"
    assert (
        lxml.html.fromstring(client.get(reverse("agreements:detail", args=[signed_moss.pk])).content).xpath(
            "string(//h1)"
        )
        == signed_moss.title
    )


def _moss_council(personas, agreement=None):
    return council_create(
        name="Politirådet i Moss",
        host_kommune=Kommune.objects.get(number="3103"),
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        agreement=agreement,
        by=personas["moss_slt"],
    )


def test_the_politirad_follows_the_revised_agreement_when_it_is_signed_and_counts_its_presence(
    personas, signed_moss, django_capture_on_commit_callbacks
):
    council = _moss_council(personas, agreement=signed_moss)
    draft = agreement_revise(signed_moss, by=personas["moss_slt"])
    draft.presence_commitments.all().delete()
    PresenceCommitment.objects.create(
        agreement=draft, kommune=Kommune.objects.get(number="3103"), times=3, per=PresenceCommitment.Per.WEEK
    )
    agreement_send_for_signature(draft, by=personas["moss_slt"])
    council.refresh_from_db()
    assert council.agreement == signed_moss  # sent, not signed: the signed one is still in force
    draft = sign_all(draft, personas, django_capture_on_commit_callbacks)
    council.refresh_from_db()
    assert council.agreement == draft
    [row] = council_presence(council)
    assert (row.kommune.number, row.commitment.times) == ("3103", 3)


def test_a_politirad_without_an_agreement_takes_its_first_signed_one(
    personas, moss, django_capture_on_commit_callbacks
):
    council = _moss_council(personas)
    other_council = council_create(
        name="Politirådet i Randaberg",
        host_kommune=Kommune.objects.get(number="1127"),
        police_unit=PoliceUnit.objects.get(name="Tjenesteenhet Stavanger"),
        by=personas["randaberg_slt"],
    )
    agreement_send_for_signature(moss, by=personas["moss_slt"])
    signed = sign_all(moss, personas, django_capture_on_commit_callbacks)
    council.refresh_from_db()
    other_council.refresh_from_db()
    assert council.agreement == signed and other_council.agreement is None
