"""The agreement pages: who sees and edits what, across tenants; saving, conflicts, history and bounds."""

import datetime
import io
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.default_template import template_for_district
from agreements.models import (
    AgreementSection,
    AgreementTemplate,
    Attachment,
    Expectation,
    FocusArea,
    Owner,
    PresenceCommitment,
    SectionKind,
    SectionRevision,
)
from agreements.services import agreement_create, section_add, section_update, template_create_for_district
from agreements.signing import agreement_pdf
from samarbeid.models import Kommune, Person, PoliceUnit, Politidistrikt, Role, User
from samarbeid.roles import role_assign
from tests.pdfs import pdf_text


def section_of(agreement, owner):
    return agreement.sections.filter(owner=owner, is_local=False).first()


def url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


# --- Permission matrix ---------------------------------------------------------------------------------

READERS = {
    "moss_slt": 200,
    "moss_ordforer": 200,
    "moss_politikontakt": 200,
    "moss_leder": 200,
    "randaberg_slt": 404,
    "stavanger_politikontakt": 404,
    "vest_malansvarlig": 404,
}


@pytest.mark.parametrize("persona,status", READERS.items())
def test_both_parties_read_every_page_of_the_draft_and_other_tenants_get_404(
    client_for, moss_agreement, persona, status
):
    client = client_for(persona)
    section = section_of(moss_agreement, Owner.KOMMUNE)
    pages = [
        url("detail", moss_agreement),
        url("changelog", moss_agreement),
        url("section_history", moss_agreement, section.pk),
        url("section_diff", moss_agreement, section.pk) + "?fra=1&til=1",
    ]
    for page in pages:
        assert client.get(page).status_code == status, page
    # Without JavaScript a section link leads to its place on the agreement page.
    assert client.get(url("section", moss_agreement, section.pk)).status_code == (302 if status == 200 else status)
    htmx = client.get(url("section", moss_agreement, section.pk), headers={"HX-Request": "true"})
    assert htmx.status_code == status


EDIT_MATRIX = [
    # (persona, kommune section, police section, felles section)
    ("moss_slt", 200, 403, 200),
    ("moss_ordforer", 200, 403, 200),
    ("moss_politikontakt", 403, 200, 200),
    ("moss_leder", 403, 200, 200),
    ("randaberg_slt", 404, 404, 404),
    ("stavanger_politikontakt", 404, 404, 404),
]


@pytest.mark.parametrize("persona,kommune,police,felles", EDIT_MATRIX)
def test_each_party_edits_only_its_own_sections(client_for, moss_agreement, persona, kommune, police, felles):
    client = client_for(persona)
    for owner, expected in ((Owner.KOMMUNE, kommune), (Owner.POLICE, police), (Owner.FELLES, felles)):
        section = section_of(moss_agreement, owner)
        assert client.get(url("section_edit", moss_agreement, section.pk)).status_code == expected, owner
        response = client.post(url("section_edit", moss_agreement, section.pk), {"local_text": "x", "version": 1})
        assert response.status_code == (302 if expected == 200 else expected), owner


def test_politikontakt_cannot_edit_kommune_section_and_its_text_stays(client_for, moss_agreement):
    section = section_of(moss_agreement, Owner.KOMMUNE)
    response = client_for("moss_politikontakt").post(
        url("section_edit", moss_agreement, section.pk), {"local_text": "<p>Politiets tekst</p>", "version": 1}
    )
    assert response.status_code == 403
    section.refresh_from_db()
    assert section.local_text == "" and section.version == 1


@pytest.fixture
def moss_reader(personas):
    """Someone in Moss kommune with the role "andre etter behov": reads, never writes."""
    person = Person.objects.create(name="Lese Leser", email="leser@moss.demo.no")
    role_assign(
        person=person, party=Kommune.objects.get(number="3103"), role=Role.ANNEN, starts_on=datetime.date(2024, 1, 1)
    )
    return User.objects.create_user("leser@moss.demo.no", "x", person=person)


def test_a_reader_of_the_party_sees_the_draft_but_gets_403_on_every_edit(client, moss_agreement, moss_reader):
    client.force_login(moss_reader)
    section = section_of(moss_agreement, Owner.FELLES)
    assert client.get(url("detail", moss_agreement)).status_code == 200
    assert client.get(url("section_edit", moss_agreement, section.pk)).status_code == 403
    assert client.get(url("edit", moss_agreement)).status_code == 403
    assert client.get(url("section_add", moss_agreement)).status_code == 403
    assert client.get(url("attachment_add", moss_agreement)).status_code == 403
    assert client.get(url("part_edit", moss_agreement, "fokusomrader")).status_code == 403
    assert b"Rediger" not in client.get(url("detail", moss_agreement)).content


@pytest.mark.parametrize(
    "part,allowed,denied",
    [
        ("tilstedevarelse", "moss_politikontakt", "moss_slt"),
        ("forventninger-politiet", "moss_leder", "moss_ordforer"),
        ("forventninger-kommunen", "moss_slt", "moss_politikontakt"),
        ("fokusomrader", "moss_ordforer", "moss_leder"),
    ],
)
def test_structured_parts_are_written_by_their_owner(client_for, moss_agreement, part, allowed, denied):
    assert client_for(allowed).get(url("part_edit", moss_agreement, part)).status_code == 200
    assert client_for(denied).get(url("part_edit", moss_agreement, part)).status_code == 403
    assert client_for("randaberg_slt").get(url("part_edit", moss_agreement, part)).status_code == 404


@pytest.mark.parametrize("persona,status", [("moss_slt", 200), ("moss_leder", 200), ("randaberg_slt", 404)])
def test_agreement_details_are_edited_by_either_party_only(client_for, moss_agreement, persona, status):
    client = client_for(persona)
    assert client.get(url("edit", moss_agreement)).status_code == status
    assert client.get(url("section_add", moss_agreement)).status_code == status
    assert client.get(url("attachment_add", moss_agreement)).status_code == status


def test_mine_avtaler_lists_only_the_users_agreements_and_offers_ny_avtale(client_for, moss_agreement, personas):
    response = client_for("moss_politikontakt").get(reverse("agreements:list"))
    assert response.status_code == 200
    assert moss_agreement.title in response.text
    assert "2025–2027" in response.text
    assert reverse("agreements:create") in response.text
    other = client_for("randaberg_slt").get(reverse("agreements:list"))
    assert moss_agreement.title not in other.text
    assert "Du har ingen samarbeidsavtaler ennå." in other.text


def test_anonymous_users_are_sent_to_login(client, moss_agreement):
    response = client.get(url("detail", moss_agreement))
    assert response.status_code == 302 and "/konto/login/" in response.url


def test_a_user_without_roles_cannot_create_an_agreement(client, db):
    client.force_login(User.objects.create_user("ingen@demo.no", "x"))
    assert client.get(reverse("agreements:create")).status_code == 403


def test_slt_koordinator_creates_an_agreement_for_her_kommune_and_invites_the_neighbour(client_for, personas):
    stavanger = PoliceUnit.objects.get(name="Tjenesteenhet Stavanger")
    randaberg, kvitsoy = Kommune.objects.get(number="1127"), Kommune.objects.get(number="1144")
    response = client_for("randaberg_slt").post(
        reverse("agreements:create"),
        {
            "police_party": stavanger.pk,
            "kommuner": [randaberg.pk, kvitsoy.pk],
            "malform": "",
            "period_start": "2025-01-01",
            "period_end": "",
        },
    )
    assert response.status_code == 302
    created = client_for("randaberg_slt").get(response.url)
    assert created.status_code == 200
    assert "Samarbeidsavtale mellom Randaberg kommune og Tjenesteenhet Stavanger" in created.text
    assert "til avtalen blir revidert" in created.text
    assert "Invitert, venter på svar" in created.text  # Kvitsøy joins only by accepting (tests/test_choices.py)
    assert client_for("kvitsoy_ordforer").get(response.url).status_code == 404
    assert client_for("moss_slt").get(response.url).status_code == 404


def test_an_agreement_cannot_be_made_for_parties_the_user_has_no_role_in(client_for, personas):
    moss_unit = PoliceUnit.objects.get(name="Moss politistasjonsdistrikt")
    response = client_for("randaberg_slt").post(
        reverse("agreements:create"),
        {"police_party": moss_unit.pk, "kommuner": [Kommune.objects.get(number="3103").pk]},
    )
    assert response.status_code == 200
    assert "Velg et gyldig valg" in response.text


def test_kommuner_outside_the_police_district_are_refused(client_for, personas):
    stavanger = PoliceUnit.objects.get(name="Tjenesteenhet Stavanger")
    form_kommuner = [Kommune.objects.get(number="1127").pk, Kommune.objects.get(number="3103").pk]
    response = client_for("stavanger_politikontakt").post(
        reverse("agreements:create"), {"police_party": stavanger.pk, "kommuner": form_kommuner}
    )
    assert response.status_code == 200
    assert "Velg et gyldig valg" in response.text


def test_the_period_cannot_end_before_it_starts(client_for, moss_agreement):
    response = client_for("moss_slt").post(
        url("edit", moss_agreement), {"period_start": "2027-01-01", "period_end": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "Sluttdatoen kan ikke være før startdatoen." in response.text


# --- Editing, conflicts, sanitising ---------------------------------------------------------------------


def test_inline_editing_with_htmx_swaps_only_the_section(client_for, moss_agreement):
    client = client_for("moss_slt")
    section = section_of(moss_agreement, Owner.KOMMUNE)
    form = client.get(url("section_edit", moss_agreement, section.pk), headers={"HX-Request": "true"})
    assert "<html" not in form.text and 'name="version" value="1"' in form.text
    assert f'hx-post="{url("section_edit", moss_agreement, section.pk)}"' in form.text
    saved = client.post(
        url("section_edit", moss_agreement, section.pk),
        {"local_text": "<p>Lokal tekst</p>", "version": 1},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "<html" not in saved.text
    assert f'id="{section.anchor}"' in saved.text and "<p>Lokal tekst</p>" in saved.text


def test_a_second_save_of_the_same_version_is_refused_showing_both_texts(client_for, moss_agreement):
    section = section_of(moss_agreement, Owner.FELLES)
    slt, politikontakt = client_for("moss_slt"), client_for("moss_politikontakt")
    edit = url("section_edit", moss_agreement, section.pk)
    assert slt.post(edit, {"local_text": "<p>Kommunens versjon</p>", "version": 1}).status_code == 302
    response = politikontakt.post(edit, {"local_text": "<p>Politiets versjon</p>", "version": 1})
    assert response.status_code == 200
    assert "Noen andre lagret mens du skrev" in response.text
    assert "Kommunens versjon" in response.text and "Politiets versjon" in response.text
    assert 'name="version" value="2"' in response.text  # saving again now overwrites knowingly
    section.refresh_from_db()
    assert (section.version, section.local_text) == (2, "<p>Kommunens versjon</p>")
    assert politikontakt.post(edit, {"local_text": "<p>Flettet</p>", "version": 2}).status_code == 302
    section.refresh_from_db()
    assert (section.version, section.local_text) == (3, "<p>Flettet</p>")


def test_saved_text_is_sanitised_to_the_allowed_subset(client_for, moss_agreement):
    section = section_of(moss_agreement, Owner.KOMMUNE)
    dirty = (
        '<p onclick="steal()">Hei <strong>fet</strong> <em>kursiv</em> <a href="https://politiet.no">lenke</a>'
        '<a href="javascript:alert(1)">farlig</a></p><script>alert(1)</script><ul><li>punkt</li></ul>'
        '<ol><li>nummer</li></ol><img src=x onerror=alert(1)><iframe src="https://x"></iframe>'
    )
    client_for("moss_slt").post(url("section_edit", moss_agreement, section.pk), {"local_text": dirty, "version": 1})
    section.refresh_from_db()
    text = section.local_text
    for gone in ("onclick", "<script", "alert", "javascript:", "<img", "<iframe"):
        assert gone not in text
    for kept in (
        "<strong>fet</strong>",
        "<em>kursiv</em>",
        '<a href="https://politiet.no" rel="noopener noreferrer">',
        "<ul><li>punkt</li></ul>",
        "<ol><li>nummer</li></ol>",
    ):
        assert kept in text


def test_plain_text_from_the_no_javascript_textarea_becomes_paragraphs_and_lists(client_for, moss_agreement):
    section = section_of(moss_agreement, Owner.KOMMUNE)
    plain = "Første avsnitt\n\nAndre avsnitt & mer\n\n- en\n- to"
    client_for("moss_slt").post(url("section_edit", moss_agreement, section.pk), {"local_text": plain, "version": 1})
    section.refresh_from_db()
    assert section.local_text == "<p>Første avsnitt</p><p>Andre avsnitt &amp; mer</p><ul><li>en</li><li>to</li></ul>"


def test_local_sections_are_added_moved_and_removed_by_their_owner(client_for, moss_agreement):
    client = client_for("moss_slt")
    response = client.post(url("section_add", moss_agreement), {"heading": "Ungdomskontakt", "owner": Owner.KOMMUNE})
    assert response.status_code == 302
    added = moss_agreement.sections.get(heading="Ungdomskontakt")
    assert added.is_local and added.order == moss_agreement.sections.count()
    client.post(url("section_move", moss_agreement, added.pk), {"retning": "opp"})
    added.refresh_from_db()
    assert added.order == moss_agreement.sections.count() - 1
    # The police may neither add kommune sections nor remove the kommune's section.
    police = client_for("moss_politikontakt")
    denied = police.post(url("section_add", moss_agreement), {"heading": "X", "owner": Owner.KOMMUNE})
    assert denied.status_code == 200 and not moss_agreement.sections.filter(heading="X").exists()
    assert police.post(url("section_delete", moss_agreement, added.pk)).status_code == 403
    # Template sections are the district's frame: not removable.
    frame = section_of(moss_agreement, Owner.KOMMUNE)
    assert client.post(url("section_delete", moss_agreement, frame.pk)).status_code == 403
    assert client.post(url("section_delete", moss_agreement, added.pk)).status_code == 302
    assert not AgreementSection.objects.filter(pk=added.pk).exists()
    assert moss_agreement.revisions.filter(heading="Ungdomskontakt", action=SectionRevision.Action.REMOVED).exists()


def test_structured_parts_are_saved_and_shown(client_for, moss_agreement):
    moss = Kommune.objects.get(number="3103")
    response = client_for("moss_politikontakt").post(
        url("part_edit", moss_agreement, "tilstedevarelse"),
        {
            "del-TOTAL_FORMS": 1,
            "del-INITIAL_FORMS": 0,
            "del-0-kommune": moss.pk,
            "del-0-times": 2,
            "del-0-per": "uke",
            "del-0-weekdays": [1, 3],
            "del-0-hours_from": "10:00",
            "del-0-hours_to": "14:00",
            "del-0-place": "rådhuset",
        },
    )
    assert response.status_code == 302
    client_for("moss_slt").post(
        url("part_edit", moss_agreement, "forventninger-kommunen"),
        {"del-TOTAL_FORMS": 1, "del-INITIAL_FORMS": 0, "del-0-order": 1, "del-0-text": "Kort responstid."},
    )
    page = client_for("moss_ordforer").get(url("detail", moss_agreement)).text
    assert "2 ganger per uke (tirsdag, torsdag), kl. 10:00–14:00, rådhuset" in page
    pdf = " ".join(pdf_text(agreement_pdf(moss_agreement)).split())
    assert "Moss kommune: 2 ganger per uke (tirsdag, torsdag), kl. 10:00–14:00, rådhuset" in pdf  # the PDF's words too
    assert "Kort responstid." in page
    assert Expectation.objects.get().direction == Expectation.Direction.FROM_KOMMUNE
    assert "80 % av de mest alvorlige hendelsene innen 12 minutter" in page  # Moss: over 20 000
    assert "politikontakt.moss@politiet.demo.no" in page  # the contact list comes from roles


def test_presence_hours_must_end_after_they_start(client_for, moss_agreement):
    moss = Kommune.objects.get(number="3103")
    response = client_for("moss_politikontakt").post(
        url("part_edit", moss_agreement, "tilstedevarelse"),
        {
            "del-TOTAL_FORMS": 1,
            "del-INITIAL_FORMS": 0,
            "del-0-kommune": moss.pk,
            "del-0-times": 1,
            "del-0-per": "uke",
            "del-0-hours_from": "14:00",
            "del-0-hours_to": "10:00",
        },
    )
    assert response.status_code == 200
    assert "Sluttidspunktet må være etter starttidspunktet." in response.text
    assert not PresenceCommitment.objects.exists()


# --- History and diff -----------------------------------------------------------------------------------


def test_every_save_is_kept_and_two_versions_are_compared_readably(client_for, moss_agreement):
    section = section_of(moss_agreement, Owner.KOMMUNE)
    client = client_for("moss_slt")
    edit = url("section_edit", moss_agreement, section.pk)
    client.post(edit, {"local_text": "<p>Møter en gang i måneden.</p>", "version": 1})
    client.post(edit, {"local_text": "<p>Møter to ganger i måneden.</p>", "version": 2})
    history = client_for("moss_politikontakt").get(url("section_history", moss_agreement, section.pk))
    assert history.text.count("Vilde Haugen Berg") >= 2
    diff = client_for("moss_politikontakt").get(url("section_diff", moss_agreement, section.pk) + "?fra=2&til=3")
    assert "<del>en gang</del>" in diff.text and "<ins>to ganger</ins>" in diff.text
    assert "Møter" in diff.text
    log = client_for("moss_leder").get(url("changelog", moss_agreement))
    assert log.text.count("Endret") >= 2


def test_diff_of_unknown_versions_is_404(client_for, moss_agreement):
    section = section_of(moss_agreement, Owner.KOMMUNE)
    client = client_for("moss_slt")
    assert client.get(url("section_diff", moss_agreement, section.pk) + "?fra=1&til=9").status_code == 404
    assert client.get(url("section_diff", moss_agreement, section.pk) + "?fra=x").status_code == 404


# --- Attachments ----------------------------------------------------------------------------------------


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def a_pdf():
    return SimpleUploadedFile("vedtak.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n", content_type="application/pdf")


def a_docx():
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Vedlegg 1")
    document.save(buffer)
    return SimpleUploadedFile("innspill.docx", buffer.getvalue())


def an_odt():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return SimpleUploadedFile("plan.odt", buffer.getvalue())


@pytest.mark.parametrize("make", [a_pdf, a_docx, an_odt])
def test_pdf_docx_and_odt_are_accepted_and_served_only_to_the_parties(client_for, moss_agreement, private_media, make):
    upload = make()
    content = upload.read()
    upload.seek(0)
    response = client_for("moss_slt").post(url("attachment_add", moss_agreement), {"title": "Vedlegg", "file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert str(private_media / "private") in attachment.file.path
    download = client_for("moss_politikontakt").get(url("attachment", moss_agreement, attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment")
    assert client_for("randaberg_slt").get(url("attachment", moss_agreement, attachment.pk)).status_code == 404


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "Vedlegg må være PDF, DOCX eller ODT."),
        (
            SimpleUploadedFile("falsk.pdf", b"<html>not a pdf</html>"),
            "Innholdet i filen stemmer ikke med filtypen .pdf.",
        ),
        (
            SimpleUploadedFile("falsk.docx", b"%PDF-1.4 really a pdf"),
            "Innholdet i filen stemmer ikke med filtypen .docx.",
        ),
        (SimpleUploadedFile("tom.odt", b"PK\x03\x04broken"), "Innholdet i filen stemmer ikke med filtypen .odt."),
    ],
)
def test_attachments_are_checked_by_extension_and_content(client_for, moss_agreement, private_media, upload, message):
    response = client_for("moss_slt").post(url("attachment_add", moss_agreement), {"title": "X", "file": upload})
    assert response.status_code == 200
    assert message in response.text
    assert not Attachment.objects.exists()


def test_attachments_over_the_size_limit_are_refused(client_for, moss_agreement, private_media, monkeypatch):
    monkeypatch.setattr("samarbeid.uploads.MAX_ATTACHMENT_BYTES", 1024 * 1024)
    big = SimpleUploadedFile("stor.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
    response = client_for("moss_slt").post(url("attachment_add", moss_agreement), {"title": "Stor", "file": big})
    assert "Filen er for stor (1,0 MB). Største tillatte størrelse er 1 MB." in response.text or (
        "Filen er for stor (1.0 MB)" in response.text
    )
    assert not Attachment.objects.exists()


# --- Templates ------------------------------------------------------------------------------------------


@pytest.fixture
def vest(db):
    return Politidistrikt.objects.get(short_name="Vest")


def test_district_admin_makes_and_edits_the_district_template_without_changing_made_agreements(
    client_for, personas, vest
):
    sogn = PoliceUnit.objects.get(name="Sogn lensmannsdistrikt")
    luster = Kommune.objects.get(number="4644")
    admin = client_for("vest_malansvarlig")
    assert admin.get(reverse("agreements:template_list")).status_code == 200
    response = admin.post(reverse("agreements:template_create"), {"district": vest.pk})
    template = AgreementTemplate.objects.get(district=vest)
    assert response.url == reverse("agreements:template_detail", args=[template.pk])
    before = agreement_create(police_party=sogn, kommuner=[luster], created_by=personas["luster_slt"])
    section = template.sections.get(kind=SectionKind.PRESENCE)
    old_text = before.sections.get(template_section=section).standard_text
    data = {
        "heading_nb": "Politikontakten",
        "heading_nn": "Politikontakten",
        "owner": Owner.POLICE,
        "kind": SectionKind.PRESENCE,
        "standard_text_nb": "<p>Ny ramme</p>",
        "standard_text_nn": "<p>Ny ramme nn</p>",
        "guidance_nb": "",
        "guidance_nn": "",
        "version": 1,
    }
    edit = reverse("agreements:template_section_edit", args=[template.pk, section.pk])
    assert admin.post(edit, data).status_code == 302
    assert before.sections.get(template_section=section).standard_text == old_text
    after = agreement_create(police_party=sogn, kommuner=[luster], created_by=personas["luster_slt"])
    assert after.sections.get(template_section=section).standard_text == "<p>Ny ramme nn</p>"


def test_only_the_districts_admin_edits_its_template(client_for, personas, vest):
    template = template_create_for_district(vest, by=personas["vest_malansvarlig"])
    national = AgreementTemplate.objects.get(district=None)
    detail = reverse("agreements:template_detail", args=[template.pk])
    section = template.sections.first()
    edit = reverse("agreements:template_section_edit", args=[template.pk, section.pk])
    assert client_for("vest_malansvarlig").get(edit).status_code == 200
    assert client_for("sogn_lensmann").get(detail).status_code == 404
    assert client_for("moss_slt").get(detail).status_code == 404
    assert client_for("moss_slt").get(reverse("agreements:template_list")).status_code == 403
    # The national default is read by district admins and edited only by staff.
    national_edit = reverse("agreements:template_section_edit", args=[national.pk, national.sections.first().pk])
    assert (
        client_for("vest_malansvarlig").get(reverse("agreements:template_detail", args=[national.pk])).status_code
        == 200
    )
    assert client_for("vest_malansvarlig").get(national_edit).status_code == 403


# --- Query counts do not grow with data -----------------------------------------------------------------


def _grow(agreement, personas, sections: int):
    moss = Kommune.objects.get(number="3103")
    for index in range(sections - agreement.sections.count()):
        section_add(
            agreement,
            heading=f"Lokalt {index}",
            owner=Owner.KOMMUNE,
            by=personas["moss_slt"],
            local_text=f"<p>Tekst {index}</p>",
        )
    PresenceCommitment.objects.create(agreement=agreement, kommune=moss, times=1)
    Expectation.objects.create(agreement=agreement, direction=Expectation.Direction.FROM_POLICE, text="x")
    FocusArea.objects.create(agreement=agreement, title="Rus")


# The agreement page of a draft: the session and user (2), the agreement and the user's rights on it (3), its
# kommuner, sections (with their template sections), structured parts and attachments (6), the section reviews, the
# user's roles (also the header's parties and who writes for a kommune) and the sections' writers' roles (2), the
# comments with their threads and the proposals (2), pending invitations, opening hours and contacts (3), and the
# SLT part (2 for a kommune without SLT, as Moss: its SLT models and coordinators).
AGREEMENT_PAGE_QUERIES = 21


@pytest.mark.parametrize("sections", [12, 40])
def test_the_agreement_page_makes_the_same_queries_for_few_and_many_sections(
    client_for, personas, moss_agreement, sections, django_assert_num_queries
):
    _grow(moss_agreement, personas, sections)
    client = client_for("moss_slt")
    client.get(url("detail", moss_agreement))  # warm the session and role sync
    with django_assert_num_queries(AGREEMENT_PAGE_QUERIES):
        response = client.get(url("detail", moss_agreement))
    assert response.text.count('class="agreement-section"') == sections + 1  # + vedlegg


@pytest.mark.parametrize("count", [3, 30])
def test_mine_avtaler_makes_the_same_queries_for_3_and_30_agreements(
    client_for, personas, count, django_assert_num_queries
):
    unit, moss = PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"), Kommune.objects.get(number="3103")
    template = template_for_district(None)
    for _ in range(count):
        agreement_create(police_party=unit, kommuner=[moss], created_by=personas["moss_slt"], template=template)
    client = client_for("moss_leder")
    client.get(reverse("agreements:list"))
    # the session and user, the count, whether the user may create and has templates, the header's parties, a page of
    # agreements and their kommuner
    with django_assert_num_queries(8):
        response = client.get(reverse("agreements:list"))
    assert response.text.count("Samarbeidsavtale mellom Moss kommune") == min(count, 20)


@pytest.mark.parametrize("saves", [3, 30])
def test_history_and_change_log_make_the_same_queries_for_3_and_30_saves(
    client_for, personas, moss_agreement, saves, django_assert_num_queries
):
    section = section_of(moss_agreement, Owner.KOMMUNE)
    for index in range(saves):
        section_update(section, local_text=f"<p>{index}</p>", by=personas["moss_slt"])
    client = client_for("moss_politikontakt")
    client.get(url("detail", moss_agreement))
    for page, queries in (
        (url("section_history", moss_agreement, section.pk), 10),
        (url("changelog", moss_agreement), 9),
        (url("section_diff", moss_agreement, section.pk) + "?fra=1&til=2", 8),
    ):
        with django_assert_num_queries(queries):
            assert client.get(page).status_code == 200


def test_details_parts_and_attachments_are_in_the_change_log_with_who_and_when(
    client_for, moss_agreement, private_media
):
    client = client_for("moss_slt")
    client.post(
        url("edit", moss_agreement), {"period_start": "2025-01-01", "council_case_number": "PS 12/25", "version": 1}
    )
    client.post(
        url("part_edit", moss_agreement, "fokusomrader"),
        {"del-TOTAL_FORMS": 1, "del-INITIAL_FORMS": 0, "del-0-order": 1, "del-0-title": "Cannabis"},
    )
    client.post(url("attachment_add", moss_agreement), {"title": "Vedtak", "file": a_pdf()})
    log = {(r.action, r.created_by.email) for r in moss_agreement.revisions.exclude(version__gt=0)}
    assert log == {
        (SectionRevision.Action.DETAILS, "slt@moss.demo.no"),
        (SectionRevision.Action.PARTS, "slt@moss.demo.no"),
        (SectionRevision.Action.ATTACHMENTS, "slt@moss.demo.no"),
    }
    page = client_for("moss_politikontakt").get(url("changelog", moss_agreement)).text
    assert "Cannabis" in page and "Saksnummer i kommunestyret" in page and "Lastet opp vedtak.pdf" in page


# --- Every other page: bounded queries, and POST-only actions across tenants ---------------------------


def _more_sections(agreement, personas, count=30):
    for index in range(count):
        section_add(agreement, heading=f"Ekstra {index}", owner=Owner.KOMMUNE, by=personas["moss_slt"])


def _more_presence(agreement, personas, count=10):
    moss = Kommune.objects.get(number="3103")
    PresenceCommitment.objects.bulk_create(
        PresenceCommitment(agreement=agreement, kommune=moss, times=1) for _ in range(count)
    )


def _more_agreements(agreement, personas, count=10):
    for _ in range(count):
        agreement_create(
            police_party=agreement.police_party,
            kommuner=agreement.kommuner.all(),
            created_by=personas["moss_slt"],
            template=agreement.template,
        )


def _more_template_sections(template, personas, count=30):
    from agreements.services import template_section_add

    for index in range(count):
        template_section_add(template, by=personas["vest_malansvarlig"], heading_nb=f"A{index}", heading_nn=f"A{index}")


AGREEMENT_PAGES = [
    # (page, url builder, how the data grows, max queries)
    ("create", lambda a, s: reverse("agreements:create"), _more_agreements, 14),
    ("edit", lambda a, s: url("edit", a), _more_agreements, 10),
    ("section_edit", lambda a, s: url("section_edit", a, s.pk), _more_sections, 8),
    ("section_add", lambda a, s: url("section_add", a), _more_sections, 7),
    ("part_edit", lambda a, s: url("part_edit", a, "tilstedevarelse"), _more_presence, 8),
    ("attachment_add", lambda a, s: url("attachment_add", a), _more_sections, 7),
]


@pytest.mark.parametrize("page,make_url,grow,bound", AGREEMENT_PAGES, ids=[p[0] for p in AGREEMENT_PAGES])
def test_agreement_forms_make_the_same_number_of_queries_with_more_data(
    client_for, personas, moss_agreement, page, make_url, grow, bound, django_assert_max_num_queries
):
    client = client_for("moss_politikontakt")
    section = section_of(moss_agreement, Owner.POLICE)
    target = make_url(moss_agreement, section)
    grow(moss_agreement, personas, 1)  # one of each, so that every prefetch already runs
    client.get(target)
    with CaptureQueriesContext(connection) as few:
        assert client.get(target).status_code == 200
    grow(moss_agreement, personas)
    with django_assert_max_num_queries(bound) as many:
        assert client.get(target).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


TEMPLATE_PAGES = [
    ("template_list", lambda t: reverse("agreements:template_list")),
    ("template_detail", lambda t: reverse("agreements:template_detail", args=[t.pk])),
    (
        "template_section_edit",
        lambda t: reverse("agreements:template_section_edit", args=[t.pk, t.sections.first().pk]),
    ),
    ("template_section_add", lambda t: reverse("agreements:template_section_add", args=[t.pk])),
]


@pytest.mark.parametrize("page,make_url", TEMPLATE_PAGES, ids=[p[0] for p in TEMPLATE_PAGES])
def test_template_pages_make_the_same_number_of_queries_with_more_sections(
    client_for, personas, vest, page, make_url, django_assert_max_num_queries
):
    template = template_create_for_district(vest, by=personas["vest_malansvarlig"])
    client = client_for("vest_malansvarlig")
    client.get(make_url(template))
    with CaptureQueriesContext(connection) as few:
        assert client.get(make_url(template)).status_code == 200
    _more_template_sections(template, personas)
    with django_assert_max_num_queries(12) as many:  # measured: 6 to 12
        assert client.get(make_url(template)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_attachment_download_is_bounded(client_for, moss_agreement, private_media, django_assert_max_num_queries):
    client = client_for("moss_slt")
    client.post(url("attachment_add", moss_agreement), {"title": "Vedtak", "file": a_pdf()})
    attachment = Attachment.objects.get()
    client.get(url("attachment", moss_agreement, attachment.pk))
    with django_assert_max_num_queries(6):
        assert client.get(url("attachment", moss_agreement, attachment.pk)).status_code == 200


@pytest.mark.parametrize(
    "persona,move_kommune,move_police,delete_attachment",
    [
        ("moss_slt", 302, 403, 302),
        ("moss_politikontakt", 403, 302, 302),
        ("randaberg_slt", 404, 404, 404),
    ],
)
def test_moving_sections_and_deleting_attachments_follow_ownership_and_tenancy(
    client_for, moss_agreement, private_media, persona, move_kommune, move_police, delete_attachment
):
    client_for("moss_slt").post(url("attachment_add", moss_agreement), {"title": "Vedtak", "file": a_pdf()})
    attachment = Attachment.objects.get()
    client = client_for(persona)
    kommune, police = section_of(moss_agreement, Owner.KOMMUNE), section_of(moss_agreement, Owner.POLICE)
    assert client.post(url("section_move", moss_agreement, kommune.pk), {"retning": "ned"}).status_code == move_kommune
    assert client.post(url("section_move", moss_agreement, police.pk), {"retning": "opp"}).status_code == move_police
    response = client.post(url("attachment_delete", moss_agreement, attachment.pk))
    assert response.status_code == delete_attachment
    assert Attachment.objects.exists() == (delete_attachment != 302)


def test_only_the_district_admin_changes_the_templates_sections(client_for, personas, vest):
    template = template_create_for_district(vest, by=personas["vest_malansvarlig"])
    first, second = template.sections.all()[:2]
    move = reverse("agreements:template_section_move", args=[template.pk, second.pk])
    delete = reverse("agreements:template_section_delete", args=[template.pk, first.pk])
    for persona, status in (("sogn_lensmann", 404), ("luster_slt", 404)):
        assert client_for(persona).post(move, {"retning": "opp"}).status_code == status
        assert client_for(persona).post(delete).status_code == status
    admin = client_for("vest_malansvarlig")
    assert admin.post(move, {"retning": "opp"}).status_code == 302
    second.refresh_from_db()
    assert second.order == 1
    assert admin.post(delete).status_code == 302
    assert not template.sections.filter(pk=first.pk).exists()


def test_a_district_admin_cannot_make_a_template_for_another_district(client_for, personas):
    oslo = Politidistrikt.objects.get(short_name="Oslo")
    template_for_district(None)
    response = client_for("vest_malansvarlig").post(reverse("agreements:template_create"), {"district": oslo.pk})
    assert response.status_code == 302 and response.url == reverse("agreements:template_list")
    assert not AgreementTemplate.objects.filter(district=oslo).exists()
    assert client_for("moss_slt").post(reverse("agreements:template_create"), {"district": oslo.pk}).status_code == 403


def test_a_nynorsk_user_gets_the_agreement_pages_in_nynorsk(client_for, moss_agreement):
    client = client_for("moss_slt")
    client.cookies["django_language"] = "nn"
    listing = client.get(reverse("agreements:list")).text
    assert "Avtalane mine" in listing and "Samarbeidsavtalar du har tilgang til" in listing
    detail = client.get(url("detail", moss_agreement)).text
    assert "Tekst i ramme frå politidistriktet" in detail and "Vert skrive av: Kommunen" in detail
    # The agreement itself stays in its own målform (bokmål for Moss).
    assert "Innledning / formål" in detail


def test_without_javascript_simple_text_is_edited_as_plain_text_and_saved_unchanged(client_for, moss_agreement):
    from agreements.forms import SectionTextForm

    simple = "<p>Første avsnitt<br>ny linje &amp; mer</p><ul><li>en</li><li>to</li></ul>"
    rendered = str(SectionTextForm(initial={"local_text": simple, "version": 1})["local_text"])
    assert ">\nFørste avsnitt\nny linje &amp; mer\n\n- en\n- to</textarea>" in rendered
    assert 'data-html="&lt;p&gt;Første avsnitt' in rendered  # the editor starts from the HTML
    section = section_of(moss_agreement, Owner.KOMMUNE)
    client_for("moss_slt").post(
        url("section_edit", moss_agreement, section.pk),
        {"local_text": "Første avsnitt\nny linje & mer\n\n- en\n- to", "version": 1},
    )
    section.refresh_from_db()
    assert section.local_text == simple
    formatted = "<p>Med <strong>fet</strong> tekst</p>"
    rendered = str(SectionTextForm(initial={"local_text": formatted, "version": 1})["local_text"])
    assert "&lt;strong&gt;fet&lt;/strong&gt;" in rendered.split("<textarea")[1]  # HTML kept where plain would lose it
