"""Median time to render each seed agreement to PDF (WeasyPrint, PDF/A-2b, tagged), and LibreOffice on the same text.

    uv run python benchmarks/pdf.py [--runs 5]

Uses a throwaway SQLite database (unless DATABASE_URL is set): migrates it, loads
the reference data and demo people, and imports the three seeds with the importer's demo step. LibreOffice
(`apt-get install libreoffice-writer-nogui`) converts each seed's plain text with
`libreoffice --headless --convert-to pdf`; without it that column says so and is skipped.
Target: under one second per agreement, and faster than LibreOffice.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/benchmark.sqlite3")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (LibreOffice runs as a child)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def median_seconds(function, runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of `runs` calls (CPU time is steadier on a busy machine)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), _cpu()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def libreoffice_seconds(text_file: Path, runs: int) -> tuple[float, float] | None:
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as out:
        profile = Path(out) / "profile"
        command = [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            out,
            str(text_file),
        ]
        subprocess.run(command, check=True, capture_output=True)  # first run creates the profile
        return median_seconds(lambda: subprocess.run(command, check=True, capture_output=True), runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from agreements.demo_import import SEED_AGREEMENTS, import_demo_agreements
    from agreements.signing import agreement_pdf
    from samarbeid.demo import create_demo_people
    from samarbeid.reference_data import load_reference_data
    from tests.pdfs import pdf_page_count

    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data(settings.REFERENCE_DATA_DIR)
    create_demo_people()
    agreements = import_demo_agreements()
    agreement_pdf(agreements[0])  # warm up: fonts and stylesheet are loaded once per process

    has_libreoffice = bool(shutil.which("libreoffice") or shutil.which("soffice"))
    print(f"Median of {args.runs} runs per agreement, wall-clock (CPU) seconds; draft PDF/A-2b, tagged:")
    print(f"{'seed':30} {'sections':>8} {'pages':>5} {'WeasyPrint':>16} {'LibreOffice':>16}")
    for (filename, _, _), agreement in zip(SEED_AGREEMENTS, agreements, strict=True):
        pages = pdf_page_count(agreement_pdf(agreement))
        ours = median_seconds(lambda a=agreement: agreement_pdf(a), args.runs)
        theirs = libreoffice_seconds(settings.REFERENCE_DATA_DIR / "seeds" / filename, args.runs)
        print(
            f"{filename:30} {agreement.sections.count():>8} {pages:>5} {_pair(ours):>16} "
            f"{_pair(theirs) if theirs else '–':>16}"
        )
    if not has_libreoffice:
        print("LibreOffice is not installed (apt-get install libreoffice-writer-nogui): its column is skipped.")


def _pair(seconds: tuple[float, float]) -> str:
    return f"{seconds[0]:.2f} ({seconds[1]:.2f})"


if __name__ == "__main__":
    main()
