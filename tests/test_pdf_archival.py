"""The sealed PDF stays an archival document: PDF/A-2b after sealing, timestamped and with long-term validation
data (PAdES B-LT), checked the way a PDF/A validator and a signature validator would."""

import re
from io import BytesIO

import pypdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from samarbeid.pdf import render_pdf, seal_pdf, verify_pdf
from tests.pki import running_pki

TEMPLATE = """{% extends "samarbeid/pdf/base.html" %}
{% block content %}<section class="title-page"><h1>Samarbeidsavtale mellom Kvitsøy og Sør-Vest</h1></section>
<h2 id="a">Politikontakten</h2><div class="tekst-i-ramme">Tekst i ramme</div>
<p>Politikontakten skal være til stede på Kvitsøy én gang i kvartalet; æøå ÆØÅ.</p>
<table><thead><tr><th>Kommune</th><th>Innen</th></tr></thead>
<tbody><tr><td>Kvitsøy</td><td>30 minutter</td></tr></tbody></table>
{% endblock %}"""


@pytest.fixture
def template(settings, tmp_path):
    (tmp_path / "doc.html").write_text(TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    return "doc.html"


@pytest.fixture
def pki(settings, tmp_path):
    """A seal issued by a local test CA, and a local timestamp authority configured as SEAL_TIMESTAMP_URL."""
    with running_pki(tmp_path) as pki:
        settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = pki.key_file, pki.cert_file
        settings.SEAL_CHAIN_FILE = pki.chain_file
        settings.SEAL_TIMESTAMP_URL = pki.tsa_url
        yield pki


@pytest.fixture
def dev_seal(settings, tmp_path):
    """The development seal (self-signed, `make_seal`), no timestamp authority."""
    from django.core.management import call_command

    settings.SEAL_KEY_FILE, settings.SEAL_CERT_FILE = tmp_path / "k.pem", tmp_path / "c.pem"
    settings.SEAL_CHAIN_FILE = None
    settings.SEAL_TIMESTAMP_URL = ""
    call_command("make_seal", verbosity=0)


def pdfa_problems(pdf: bytes) -> list[str]:
    """What a PDF/A-2b validator (veraPDF's checks that can be made on the structure) would object to."""
    problems = []
    reader = pypdf.PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    header = reader.pdf_header
    if header != "%PDF-1.7":
        problems.append(f"header {header}")
    if "/Version" in root and root["/Version"] != "/1.7":
        problems.append(f"catalog version {root['/Version']}")
    xmp = root["/Metadata"].get_object().get_data().decode()
    if not (re.search(r'pdfaid:part(="|>)2', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)):
        problems.append("XMP has no pdfaid part 2, conformance B")
    info = reader.trailer["/Info"]
    producer = re.search(r'pdf:Producer(?:="|>)([^"<]*)', xmp)
    if "/Producer" in info and (not producer or producer.group(1) != info["/Producer"]):
        problems.append(f"Info /Producer {info['/Producer']!r} but XMP {producer and producer.group(1)!r}")
    title = re.search(r"<dc:title><rdf:Alt><rdf:li[^>]*>([^<]*)<", xmp)
    if "/Title" in info and (not title or title.group(1) != info["/Title"]):
        problems.append("Info /Title differs from dc:title")
    author = re.search(r"<dc:creator><rdf:Seq><rdf:li[^>]*>([^<]*)<", xmp)
    if "/Author" in info and (not author or author.group(1) != info["/Author"]):
        problems.append("Info /Author differs from dc:creator")
    if "/ModDate" in info and "xmp:ModifyDate" not in xmp:
        problems.append("Info /ModDate without xmp:ModifyDate")
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        problems.append("no PDF/A output intent with an ICC profile")
    if not root.get("/MarkInfo", {}).get("/Marked") or "/StructTreeRoot" not in root:
        problems.append("not tagged")
    for number, page in enumerate(reader.pages, start=1):
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for part in descendants:
                descriptor = part.get("/FontDescriptor")
                if not descriptor or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    problems.append(f"font {font.get('/BaseFont')} on page {number} not embedded")
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            flags = int(annotation.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32 | 256):  # print set; invisible, hidden, noview, toggle clear
                problems.append(f"annotation {annotation.get('/Subtype')} flags {flags}")
            rect = [float(v) for v in annotation["/Rect"]]
            exempt = annotation.get("/Subtype") in ("/Link", "/Popup")  # PDF/A-2 § 6.3.3
            if "/AP" not in annotation and not exempt and (rect[2] - rect[0] or rect[3] - rect[1]):
                problems.append("visible annotation without appearance")
    if root.get("/AcroForm", {}).get("/NeedAppearances"):
        problems.append("NeedAppearances")
    if "/Encrypt" in reader.trailer:
        problems.append("encrypted")
    return problems


def seal_status(pdf: bytes, roots):
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    dss = DocumentSecurityStore.read_dss(reader)
    context = dss.as_validation_context({"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"})
    return validate_pdf_signature(signature, context), dss


def test_rendered_pdf_passes_the_pdfa_checks(template):
    assert pdfa_problems(render_pdf(template, {}, title="Test")) == []


def test_sealed_pdf_is_still_pdf_a_2b_at_version_1_7_with_unchanged_metadata(template, pki):
    rendered = render_pdf(template, {}, title="Samarbeidsavtale Kvitsøy")
    sealed = seal_pdf(rendered, signer_name="Samarbeid")
    assert pdfa_problems(sealed) == []
    before, after = pypdf.PdfReader(BytesIO(rendered)), pypdf.PdfReader(BytesIO(sealed))
    assert after.trailer["/Root"]["/Metadata"].get_object().get_data() == (
        before.trailer["/Root"]["/Metadata"].get_object().get_data()
    )
    assert dict(after.trailer["/Info"]) == dict(before.trailer["/Info"])
    assert after.trailer["/Info"]["/Title"] == "Samarbeidsavtale Kvitsøy"
    assert after.trailer["/Root"]["/Extensions"]["/ESIC"]["/BaseVersion"] == "/1.7"  # PAdES on PDF 1.7
    assert "/ISO_" not in after.trailer["/Root"]["/Extensions"]


def test_seal_carries_a_trusted_timestamp_and_its_validation_data_in_the_same_revision(template, pki):
    sealed = seal_pdf(render_pdf(template, {}, title="Test"), signer_name="Samarbeid")
    status, dss = seal_status(sealed, [pki.root_asn1])
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"  # the DSS is inside the signed revision: nothing appended
    assert (ts := status.timestamp_validity) is not None and ts.intact and ts.valid and ts.trusted
    assert status.timestamp_validity.signing_cert.subject.native["common_name"] == "Samarbeid tidsstempel (test)"
    subjects = {c.subject.native["common_name"] for c in dss.load_certs()}
    assert {"Samarbeid segl (test)", "Samarbeid test-rot", "Samarbeid tidsstempel (test)"} <= subjects
    assert len(dss.crls) >= 1  # the root's CRL, fetched from the address in the certificates
    assert "/rot.crl" in pki.requests and "/tsa" in pki.requests


def test_validation_data_alone_proves_the_seal_without_the_network(template, pki):
    sealed = seal_pdf(render_pdf(template, {}, title="Test"), signer_name="Samarbeid")
    served = len(pki.requests)
    status, _ = seal_status(sealed, [pki.root_asn1])
    assert status.bottom_line and len(pki.requests) == served  # nothing fetched: the file carries it all
    reader = PdfFileReader(BytesIO(sealed), strict=False)
    (signature,) = reader.embedded_signatures
    bare = ValidationContext(
        trust_roots=[pki.root_asn1], allow_fetching=False, revocation_mode="hard-fail", crls=[], ocsps=[]
    )
    assert not validate_pdf_signature(signature, bare).bottom_line  # without the DSS the CRL would be missing


def test_verify_reports_the_timestamp_and_long_term_data(template, pki):
    result = verify_pdf(seal_pdf(render_pdf(template, {}, title="Test"), signer_name="Samarbeid"))
    assert result.ok and result.our_seal and result.unaltered
    assert result.timestamped_at is not None and result.long_term


def test_development_seal_without_a_timestamp_authority_is_untimestamped_but_archival(template, dev_seal):
    sealed = seal_pdf(render_pdf(template, {}, title="Test"), signer_name="Samarbeid")
    assert pdfa_problems(sealed) == []
    result = verify_pdf(sealed)
    assert result.ok and result.timestamped_at is None
    assert result.long_term  # the self-signed seal is its own anchor; its certificate is in the DSS


def test_a_flipped_byte_in_a_timestamped_seal_fails(template, pki):
    sealed = bytearray(seal_pdf(render_pdf(template, {}, title="Test"), signer_name="Samarbeid"))
    sealed[len(sealed) // 3] ^= 0x01
    result = verify_pdf(bytes(sealed))
    assert not result.ok and not result.long_term


# --- The sealed agreement: verification address and QR code, the verification page -----------------------------

AGREEMENT_AUTH = [{"method": "mfa", "type": "totp", "at": None, "reauthenticated": True}]


@pytest.fixture
def signed_moss(personas, settings, tmp_path, django_capture_on_commit_callbacks, dev_seal):
    """Moss kommune and Moss politistasjonsdistrikt's agreement, signed by both and sealed (the task runs at once)."""
    import time

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from agreements.services import agreement_create
    from agreements.signing import agreement_send_for_signature, agreement_sign
    from samarbeid.models import Kommune, PoliceUnit

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://samarbeid.example.no"
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
    )
    agreement_send_for_signature(agreement, by=personas["moss_slt"])
    with django_capture_on_commit_callbacks(execute=True):
        for key, place in (("moss_ordforer", "Moss"), ("moss_leder", "Moss")):
            TOTP.activate(personas[key], generate_totp_secret())
            agreement.refresh_from_db()
            agreement_sign(
                agreement,
                by=personas[key],
                place=place,
                signed_hash=agreement.signing_rounds.last().content_hash,
                authentication=[{**AGREEMENT_AUTH[0], "at": time.time()}],
            )
    agreement.refresh_from_db()
    return agreement


def qr_matrix_in(pdf: bytes) -> list[list[bool]]:
    """The QR code printed in the PDF, read back from its image: dark modules as True, quiet zone removed."""
    from agreements.verification import QR_BORDER, QR_SCALE

    reader = pypdf.PdfReader(BytesIO(pdf))
    images = {image.data: image.image for page in reader.pages for image in page.images}  # resources are shared
    assert len(images) == 1, "one image in the agreement: the QR code"
    image = next(iter(images.values())).convert("L")
    modules = image.width // QR_SCALE

    def dark(x, y):
        return image.getpixel((x * QR_SCALE + QR_SCALE // 2, y * QR_SCALE + QR_SCALE // 2)) < 128

    inner = range(QR_BORDER, modules - QR_BORDER)
    return [[dark(x, y) for x in inner] for y in inner]


def test_sealed_agreement_prints_its_verification_address_and_a_qr_code_of_it(signed_moss):
    import segno

    from agreements.verification import verification_url
    from tests.pdfs import pdf_text

    pdf = signed_moss.sealed_document.file.read()
    url = verification_url(signed_moss)
    assert url.startswith(f"https://samarbeid.example.no/avtaler/verifiser/{signed_moss.pk}-1-")
    assert url in pdf_text(pdf).replace("\n", "")
    expected = [[bool(module) for module in row] for row in segno.make_qr(url, error="m").matrix]
    assert qr_matrix_in(pdf) == expected
    assert pdfa_problems(pdf) == []  # the real agreement, with its QR image, links and seal, is still PDF/A-2b
    assert verify_pdf(pdf).ok


def test_verification_page_names_the_agreement_version_signatories_and_when(signed_moss, client):
    from agreements.verification import verification_path

    response = client.get(verification_path(signed_moss))
    assert response.status_code == 200
    page = response.content.decode()
    assert signed_moss.title in page and "Versjon 1" in page
    for signature in signed_moss.signatures.all():
        assert signature.name in page and signature.title in page and signature.party.name in page
        assert signature.signed_at.astimezone().strftime("%d.%m.%Y") in page
    assert signed_moss.sealed_document.sha256 in page
    assert f'href="/avtaler/{signed_moss.pk}/"' not in page  # anonymous: no link into the app


def test_verification_address_needs_the_signed_contents_hash_not_just_the_number(signed_moss, client):
    from agreements.verification import verification_code

    number, edition, digest = verification_code(signed_moss).split("-")
    assert client.get(f"/avtaler/verifiser/{number}-{edition}-{'0' * 16}/").status_code == 404
    assert client.get(f"/avtaler/verifiser/{number}-2-{digest}/").status_code == 404  # wrong version
    assert client.get(f"/avtaler/verifiser/{number}-{edition}-{digest}/").status_code == 200


def test_agreement_page_links_to_its_verification_page_once_signed(signed_moss, client_for):
    from agreements.verification import verification_path

    client = client_for("moss_slt")
    path = verification_path(signed_moss)
    assert path in client.get(f"/avtaler/{signed_moss.pk}/").content.decode()
    assert path in client.get(f"/avtaler/{signed_moss.pk}/signering/").content.decode()
    page = client.get(path).content.decode()
    assert f'href="/avtaler/{signed_moss.pk}/"' in page  # a reader of the agreement gets the way back to it


def test_verification_page_query_count_is_bounded(signed_moss, client, django_assert_max_num_queries):
    from agreements.verification import verification_path

    with django_assert_max_num_queries(12):
        assert client.get(verification_path(signed_moss)).status_code == 200


def test_verification_page_in_nynorsk(signed_moss, client):
    from agreements.verification import verification_path

    client.cookies["django_language"] = "nn"
    page = client.get(verification_path(signed_moss), HTTP_ACCEPT_LANGUAGE="nn").content.decode()
    assert "Avtalen er signert av alle partar." in page
