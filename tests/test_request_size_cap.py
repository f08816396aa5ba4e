"""A request-size cap stands in front of every upload: an oversized request is refused (413) before its body is
read, so nothing of it reaches memory or the temporary upload directory."""

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

MB = 1024 * 1024
received: list[int] = []  # bytes of uploaded files that reached the upload handler


class RecordingUploadHandler(TemporaryFileUploadHandler):
    """Django's handler that streams every file to FILE_UPLOAD_TEMP_DIR, noting what it receives."""

    def receive_data_chunk(self, raw_data, start):
        received.append(len(raw_data))
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture
def upload_dir(settings, tmp_path):
    received.clear()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingUploadHandler"]
    return tmp_path


def pdf_of(size: int) -> bytes:
    return b"%PDF-1.7\n" + b"0" * (size - 15) + b"\n%%EOF\n"


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "samarbeid-grense"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_an_anonymous_150_mb_upload_to_the_verify_page_is_refused_before_any_of_it_is_read(db, upload_dir):
    body, content_type = multipart("stor.pdf", pdf_of(150 * MB))
    response = Client().generic("POST", reverse("agreements:verify"), body, content_type=content_type)
    assert response.status_code == 413
    assert "Forespørselen er for stor (150.0 MB). Største tillatte størrelse er 20 MB." in response.content.decode()
    assert received == [] and list(upload_dir.iterdir()) == []


def test_an_upload_within_the_cap_reaches_the_form_which_answers_in_norwegian(db, upload_dir):
    body, content_type = multipart("liten.pdf", pdf_of(6 * MB))  # over FILE_UPLOAD_MAX_MEMORY_SIZE: a temp file
    response = Client().generic("POST", reverse("agreements:verify"), body, content_type=content_type)
    assert response.status_code == 200 and sum(received) == len(pdf_of(6 * MB))


def test_a_large_body_that_is_not_an_upload_is_refused_at_the_smaller_limit(db, personas, client_for, upload_dir):
    response = client_for("moss_slt").generic(
        "POST", reverse("agreements:verify"), b"a=" + b"x" * 6 * MB, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413 and "Største tillatte størrelse er 5 MB" in response.content.decode()
