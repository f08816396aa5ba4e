"""Peak and current RSS of a process rendering the first seed agreement's PDF N times: a worker's memory must not
grow from one round of renders to the next.

    uv run python benchmarks/pdf_memory.py [--renders 40] [--rounds 4]

Uses a throwaway SQLite database (unless DATABASE_URL is set), as benchmarks/pdf.py does. Prints, after each
round, the process's peak RSS (getrusage) and current RSS (/proc/self/statm), and the growth of the peak from the
first to the last round; "grows" if the last round raised the peak by more than 5 % of the first round's peak.
"""

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/benchmark.sqlite3")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def current_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=40, help="renders in all")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from agreements.demo_import import import_demo_agreements
    from agreements.signing import agreement_pdf
    from samarbeid.demo import create_demo_people
    from samarbeid.reference_data import load_reference_data

    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data(settings.REFERENCE_DATA_DIR)
    create_demo_people()
    agreement = import_demo_agreements()[0]
    size = len(agreement_pdf(agreement))  # warm up: fonts and stylesheet are loaded once per process
    gc.collect()
    print(
        f"{agreement.title}: {size / 1024:.0f} kB per PDF; after warm-up peak {peak_mb():.1f} MB, "
        f"current {current_mb():.1f} MB"
    )
    per_round = max(1, args.renders // args.rounds)
    print(f"{'round':>5} {'renders':>7} {'s/render':>8} {'peak RSS MB':>11} {'current RSS MB':>14}")
    peaks = []
    for number in range(1, args.rounds + 1):
        started = time.perf_counter()
        for _ in range(per_round):
            agreement_pdf(agreement)
        gc.collect()
        seconds = (time.perf_counter() - started) / per_round
        peaks.append(peak_mb())
        print(f"{number:>5} {number * per_round:>7} {seconds:>8.2f} {peaks[-1]:>11.1f} {current_mb():>14.1f}")
    growth = peaks[-1] - peaks[0]
    verdict = "grows" if growth > 0.05 * peaks[0] else "does not grow"
    print(f"peak RSS from round 1 to round {args.rounds}: {growth:+.1f} MB ({verdict})")


if __name__ == "__main__":
    main()
