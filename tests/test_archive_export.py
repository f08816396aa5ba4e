"""Archive packages: a signed agreement (the sealed PDF/A, its attachments, Noark 5-style metadata), a district's
signed agreements, and a politiråd's minutes — every metadata.xml validated against the schema we publish."""

import hashlib
import io
import time
import zipfile

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.base import ContentFile
from django.core.management import call_command
from lxml import etree

from agreements.models import Agreement, Attachment, AttachmentExemption
from agreements.services import agreement_create
from agreements.signing import agreement_send_for_signature, agreement_sign, has_authenticator
from agreements.verification import verification_url
from councils.demo import create_demo_councils
from councils.models import Council
from samarbeid.archive import NS, SCHEMA_FILE
from samarbeid.meetings import CLOSED, VIEW
from samarbeid.models import (
    Kommune,
    LegalBasis,
    Meeting,
    MeetingExemption,
    MeetingRead,
    Person,
    PoliceUnit,
    Role,
    User,
)
from samarbeid.pdf import verify_pdf
from samarbeid.permissions import has_perm, sync_user_roles
from samarbeid.roles import role_assign
from tests.pdfs import pdf_text

N = {"n": NS}
PDF = b"%PDF-1.4\n%vedlegg\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCHEMA = etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))  # read here, not through the code under test


@pytest.fixture(autouse=True)
def archive_settings(settings, tmp_path):
    settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = tmp_path / "k.pem", tmp_path / "c.pem"
    settings.SEAL_CHAIN_FILE, settings.SEAL_TIMESTAMP_URL = None, ""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://samarbeid.example.no"
    call_command("make_seal", verbosity=0)


def signed(personas, capture, *, police: str, kommune: str, signers: list[str], attachments=()) -> Agreement:
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name=police),
        kommuner=[Kommune.objects.get(number=kommune)],
        created_by=personas[signers[0]],
    )
    for title, name in attachments:
        Attachment.objects.create(
            agreement=agreement,
            title=title,
            file=ContentFile(PDF, name=name),
            original_name=name,
            content_type="application/pdf",
            size=len(PDF),
            uploaded_by=personas[signers[0]],
        )
    agreement_send_for_signature(agreement, by=personas[signers[0]])
    with capture(execute=True):
        for key in signers:
            if not has_authenticator(personas[key]):
                TOTP.activate(personas[key], generate_totp_secret())
            agreement.refresh_from_db()
            agreement_sign(
                agreement,
                by=personas[key],
                place="Moss",
                signed_hash=agreement.signing_rounds.last().content_hash,
                authentication=[{"method": "mfa", "type": "totp", "at": time.time(), "reauthenticated": True}],
            )
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def moss(personas, django_capture_on_commit_callbacks):
    """Moss's signed, sealed agreement with two attachments, the second exempt under offl. § 13 jf. fvl. § 13."""
    agreement = signed(
        personas,
        django_capture_on_commit_callbacks,
        police="Moss politistasjonsdistrikt",
        kommune="3103",
        signers=["moss_ordforer", "moss_leder"],
        attachments=[("Årshjul 2025", "arshjul.pdf"), ("Oversikt over bekymringsmeldinger", "meldinger.pdf")],
    )
    exempt = agreement.attachments.get(title="Oversikt over bekymringsmeldinger")
    AttachmentExemption.objects.create(
        agreement=agreement,
        attachment=exempt,
        attachment_title=exempt.title,
        legal_basis=LegalBasis.OFFL_13_FVL_13,
        decided_by=personas["moss_slt"],
    )
    return agreement


def unzip(response) -> tuple[zipfile.ZipFile, etree._Element]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    package = zipfile.ZipFile(io.BytesIO(b"".join(response) if response.streaming else response.content))
    xml = package.read("metadata.xml")
    SCHEMA.assertValid(etree.fromstring(xml))
    return package, etree.fromstring(xml)


def texts(element, path: str) -> list[str]:
    return [e.text for e in element.findall(path, N)]


def assert_checksums_match(package, root):
    objects = root.findall(".//n:dokumentobjekt", N)
    assert objects
    for obj in objects:
        content = package.read(obj.findtext("n:referanseDokumentfil", namespaces=N))
        assert hashlib.sha256(content).hexdigest() == obj.findtext("n:sjekksum", namespaces=N)
        assert int(obj.findtext("n:filstoerrelse", namespaces=N)) == len(content)
    assert set(package.namelist()) == {"metadata.xml", *texts(root, ".//n:referanseDokumentfil")}


# --- one agreement -------------------------------------------------------------------------------------------


def test_agreement_package_holds_the_sealed_pdf_its_attachments_and_valid_noark_metadata(moss, client_for):
    package, root = unzip(client_for("moss_slt").get(f"/avtaler/{moss.pk}/arkiv.zip"))
    assert_checksums_match(package, root)
    (mappe,) = root.findall("n:mappe", N)
    assert mappe.findtext("n:tittel", namespaces=N) == moss.title
    assert mappe.findtext("n:versjon", namespaces=N) == "1"
    assert mappe.findtext("n:kontrolladresse", namespaces=N) == verification_url(moss)
    assert texts(mappe, "n:part/n:partNavn") == ["Moss kommune", "Moss politistasjonsdistrikt"]
    assert texts(mappe, "n:part/n:kommunenummer") == ["3103"]
    signatures = mappe.findall(".//n:signatur", N)
    assert [s.findtext("n:signertAv", namespaces=N) for s in signatures] == ["Hege Tollefsen", "Jon Kasper Hammer"]
    assert all("TOTP" in s.findtext("n:elektroniskSignaturSikkerhetsnivaa", namespaces=N) for s in signatures)
    documents = mappe.findall(".//n:dokumentbeskrivelse", N)
    assert [d.findtext("n:tilknyttetRegistreringSom", namespaces=N) for d in documents] == [
        "Hoveddokument",
        "Vedlegg",
        "Vedlegg",
    ]
    main = documents[0].find("n:dokumentobjekt", N)
    assert main.findtext("n:format", namespaces=N) == "PDF/A-2b"
    assert main.findtext("n:variantformat", namespaces=N) == "Arkivformat"
    sealed = package.read(main.findtext("n:referanseDokumentfil", namespaces=N))
    assert sealed == moss.sealed_document.file.open("rb").read() and verify_pdf(sealed).ok
    assert "Hege Tollefsen" in pdf_text(sealed)


def test_exempt_attachment_is_archived_with_its_skjerming_and_the_open_one_without(moss, client_for):
    _, root = unzip(client_for("moss_slt").get(f"/avtaler/{moss.pk}/arkiv.zip"))
    by_title = {d.findtext("n:tittel", namespaces=N): d for d in root.iter(f"{{{NS}}}dokumentbeskrivelse")}
    exempt = by_title["Oversikt over bekymringsmeldinger"].find("n:skjerming", N)
    assert exempt.findtext("n:skjermingshjemmel", namespaces=N) == "offl. § 13 jf. fvl. § 13"
    assert exempt.findtext("n:tilgangsrestriksjon", namespaces=N) == "Unntatt offentlighet"
    assert exempt.findtext("n:skjermetAv", namespaces=N) == "Vilde Haugen Berg"
    assert by_title["Årshjul 2025"].find("n:skjerming", N) is None
    assert by_title[moss.title].find("n:skjerming", N) is None


@pytest.mark.parametrize(
    "persona, status",
    [
        ("moss_ordforer", 200),
        ("moss_politikontakt", 200),
        ("randaberg_slt", 404),
        ("luster_ordforer", 404),
        ("ks", 404),
    ],
)
def test_who_may_take_out_an_agreement_package(moss, client_for, persona, status):
    assert client_for(persona).get(f"/avtaler/{moss.pk}/arkiv.zip").status_code == status


def test_anonymous_is_sent_to_log_in(moss, client):
    response = client.get(f"/avtaler/{moss.pk}/arkiv.zip")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_an_unsigned_agreement_has_no_package(personas, client_for):
    draft = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )
    response = client_for("moss_slt").get(f"/avtaler/{draft.pk}/arkiv.zip", follow=True)
    assert "Avtalen er ikke signert og forseglet ennå" in response.content.decode()


def test_signing_page_links_to_the_package_once_sealed(moss, client_for):
    page = client_for("moss_slt").get(f"/avtaler/{moss.pk}/signering/").content.decode()
    assert f"/avtaler/{moss.pk}/arkiv.zip" in page


def test_agreement_package_query_count_is_bounded(moss, client_for, django_assert_max_num_queries):
    client = client_for("moss_slt")
    with django_assert_max_num_queries(30):
        assert client.get(f"/avtaler/{moss.pk}/arkiv.zip").status_code == 200


# --- a district's agreements ---------------------------------------------------------------------------------


@pytest.fixture
def sor_vest(personas, django_capture_on_commit_callbacks):
    return signed(
        personas,
        django_capture_on_commit_callbacks,
        police="Tjenesteenhet Stavanger",
        kommune="1144",
        signers=["kvitsoy_ordforer", "stavanger_leder"],
        attachments=[("Kontaktliste", "kontakter.pdf")],
    )


def test_district_package_has_a_folder_per_signed_agreement_of_the_district_only(sor_vest, moss, client_for):
    district = sor_vest.police_party.specific().district
    package, root = unzip(client_for("sorvest_politimester").get(f"/avtaler/distrikt/{district.pk}/arkiv.zip"))
    assert_checksums_match(package, root)
    assert texts(root, "n:mappe/n:tittel") == [sor_vest.title]  # Moss is in Øst
    assert all(name == "metadata.xml" or name.startswith(f"avtale-{sor_vest.pk}/") for name in package.namelist())


@pytest.mark.parametrize("persona", ["stavanger_leder", "kvitsoy_ordforer", "vest_malansvarlig", "ks", "moss_slt"])
def test_only_the_districts_politimester_and_malansvarlig_take_out_its_package(sor_vest, client_for, persona):
    district = sor_vest.police_party.specific().district
    assert client_for(persona).get(f"/avtaler/distrikt/{district.pk}/arkiv.zip").status_code == 404


def test_district_page_links_to_the_package_for_the_politimester(sor_vest, client_for):
    district = sor_vest.police_party.specific().district
    page = client_for("sorvest_politimester").get(f"/oversikt/distrikt/{district.pk}/").content.decode()
    assert f"/avtaler/distrikt/{district.pk}/arkiv.zip" in page


def test_district_package_query_count_does_not_grow_with_agreements(
    personas, sor_vest, client_for, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    district = sor_vest.police_party.specific().district
    client = client_for("sorvest_politimester")
    url = f"/avtaler/distrikt/{district.pk}/arkiv.zip"
    with django_assert_max_num_queries(40) as one:
        client.get(url)
    signed(
        personas,
        django_capture_on_commit_callbacks,
        police="Tjenesteenhet Stavanger",
        kommune="1127",
        signers=["randaberg_ordforer", "stavanger_leder"],
    )
    with django_assert_max_num_queries(len(one.captured_queries) + 12 * 1) as two:
        _, root = unzip(client.get(url))
    assert len(root.findall("n:mappe", N)) == 2
    assert len(two.captured_queries) - len(one.captured_queries) <= 12  # a fixed number per agreement, no more


# --- a politiråd's minutes -----------------------------------------------------------------------------------


@pytest.fixture
def council(personas):
    create_demo_councils()
    return Council.objects.get(forum__name="Politirådet i Randaberg og Kvitsøy")


def approved(council) -> Meeting:
    return council.forum.meetings.get(status=Meeting.Status.MINUTES_APPROVED)


def minutes_url(council, meeting) -> str:
    return f"/politirad/{council.pk}/arkiv/{meeting.starts_at.year}.zip"


def member_and_reader(personas, council):
    """A member of the council (reads closed minutes) and Randaberg's kommunalsjef, who reads the council as one
    of its kommune's people but is no member."""
    if "randaberg_kommunalsjef" not in personas:
        person = Person.objects.create(name="Rune Kommunalsjef", email="kommunalsjef@randaberg.demo.no")
        role_assign(person=person, party=Kommune.objects.get(number="1127"), role=Role.KOMMUNALSJEF)
        personas["randaberg_kommunalsjef"] = User.objects.create_user(person.email, "x", person=person)
        sync_user_roles(personas["randaberg_kommunalsjef"])
    forum = council.forum
    members = [k for k, u in personas.items() if has_perm(u, CLOSED, forum)]
    readers = [k for k, u in personas.items() if has_perm(u, VIEW, forum) and not has_perm(u, CLOSED, forum)]
    assert members and readers
    return members[0], readers[0]


def test_minutes_package_holds_the_referat_pdf_and_valid_metadata(personas, council, client_for):
    meeting = approved(council)
    member, _ = member_and_reader(personas, council)
    package, root = unzip(client_for(member).get(minutes_url(council, meeting)))
    assert_checksums_match(package, root)
    (record,) = root.findall(".//n:registrering", N)
    assert record.findtext("n:registreringstype", namespaces=N) == "Møteregistrering"
    assert record.findtext("n:moete/n:utvalg", namespaces=N) == council.forum.name
    assert record.findtext("n:moete/n:lukketMoete", namespaces=N) == str(meeting.is_closed).lower()
    referat = package.read(record.findtext(".//n:referanseDokumentfil", namespaces=N))
    assert "Politiet orienterte om situasjonen i sentrum." in pdf_text(referat)


def test_a_closed_meetings_minutes_go_only_to_its_members_and_their_reading_is_logged(personas, council, client_for):
    meeting = approved(council)
    Meeting.objects.filter(pk=meeting.pk).update(is_closed=True)
    member, reader = member_and_reader(personas, council)
    response = client_for(reader).get(minutes_url(council, meeting), follow=True)
    assert "Ingen godkjente referater du kan lese" in response.content.decode()
    _, root = unzip(client_for(member).get(minutes_url(council, meeting)))
    assert root.findtext(".//n:moete/n:lukketMoete", namespaces=N) == "true"
    assert MeetingRead.objects.filter(meeting=meeting, user=personas[member], what="referat_pdf").exists()


def test_an_exempt_item_is_withheld_from_a_reader_and_marked_for_a_member(personas, council, client_for):
    meeting = approved(council)
    item = meeting.agenda_items.get(minutes__startswith="Politiet orienterte")
    MeetingExemption.objects.create(
        meeting=meeting,
        part=MeetingExemption.Part.MINUTES,
        legal_basis=LegalBasis.OFFL_24,
        decided_by=personas["randaberg_slt"],
    )
    member, reader = member_and_reader(personas, council)
    for persona, shown in ((member, True), (reader, False)):
        package, root = unzip(client_for(persona).get(minutes_url(council, meeting)))
        referat = package.read(root.findtext(".//n:referanseDokumentfil", namespaces=N))
        assert (item.minutes in pdf_text(referat)) is shown
        assert root.findtext(".//n:skjerming/n:skjermingshjemmel", namespaces=N) == "offl. § 24"


@pytest.mark.parametrize("persona", ["moss_slt", "luster_ordforer", "sogn_lensmann"])
def test_another_tenant_gets_no_minutes_package(personas, council, client_for, persona):
    assert client_for(persona).get(minutes_url(council, approved(council))).status_code == 404


def test_council_page_links_to_the_minutes_package(personas, council, client_for):
    member, _ = member_and_reader(personas, council)
    page = client_for(member).get(f"/politirad/{council.pk}/").content.decode()
    assert f"/politirad/{council.pk}/arkiv/" in page


def test_minutes_package_query_count_is_bounded(personas, council, client_for, django_assert_max_num_queries):
    member, _ = member_and_reader(personas, council)
    with django_assert_max_num_queries(60):
        assert client_for(member).get(minutes_url(council, approved(council))).status_code == 200


# --- the accessibility statement and the privacy page ------------------------------------------------------


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/tilgjengelighet/", "Tilgjengelighetserklæring for Samarbeid"),
        ("/personvern/", "Personvernerklæring for Samarbeid"),
    ],
)
def test_statement_pages_are_public_and_linked_from_every_pages_footer(client, path, heading, settings):
    settings.SERVICE_OWNER = "Eksempel kommune"
    page = client.get(path).content.decode()
    assert heading in page and "Eksempel kommune" in page
    assert 'href="/tilgjengelighet/"' in page and 'href="/personvern/"' in page


@pytest.mark.parametrize(
    "path, heading", [("/tilgjengelighet/", "Tilgjengeerklæring for Samarbeid"), ("/personvern/", "Rettane dine")]
)
def test_statement_pages_in_nynorsk(client, path, heading):
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="nn").content.decode()
    assert heading in page and 'lang="nn"' in page


def test_statement_pages_need_no_query_for_an_anonymous_visitor(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/tilgjengelighet/").status_code == 200
        assert client.get("/personvern/").status_code == 200
