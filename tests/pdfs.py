"""Reading a PDF in tests and benchmarks: its text as a reader's tool sees it, and its page count."""

import subprocess
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader


def pdf_text(pdf_bytes: bytes, *, raw: bool = False, layout: bool = False) -> str:
    """The text of a PDF as poppler's pdftotext sees it (Debian package poppler-utils): in reading order, or
    in content-stream order (`raw`), or keeping the physical layout of each line (`layout`)."""
    options = (["-raw"] if raw else []) + (["-layout"] if layout else [])
    command = ["pdftotext", "-enc", "UTF-8", *options, "-", "-"]
    return subprocess.run(command, input=pdf_bytes, capture_output=True, check=True).stdout.decode()


def pdf_page_count(pdf_bytes: bytes) -> int:
    return int(PdfFileReader(BytesIO(pdf_bytes), strict=False).root["/Pages"]["/Count"])
