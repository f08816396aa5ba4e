"""The query count of every main page at two scales of generated data (issue 15: constant in data size).

For each size in --kommuner (default 6 and 24), the database is EMPTIED and filled by `manage.py generate_national
--kommuner N --replace`; then every main page of benchmarks/main_pages.py (the list load.py drives) is requested as
the persona who uses it after one warm-up request, and the number of queries of the second request is printed per
size, with a mark where they differ.

Usage: DATABASE_URL=postgres://…/scratch uv run python benchmarks/queries.py [--kommuner 6 24]
(a scratch database: it is emptied).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from benchmarks.main_pages import client_for, pages  # noqa: E402


def count(client: Client, url: str) -> int | str:
    client.get(url)  # warm-up: the day's role re-sync and task count
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured) if response.status_code == 200 else f"HTTP {response.status_code}"


def main(sizes: list[int]) -> None:
    setup_test_environment()
    results: dict[int, dict[str, int | str]] = {}
    for size in sizes:
        call_command("generate_national", kommuner=size, replace=True, verbosity=0)
        cookies, listed = pages()
        results[size] = {label: count(client_for(cookies[persona]), url) for label, persona, url in listed}
    print(f"{'page':48} " + " ".join(f"{f'{n} kommuner':>12}" for n in sizes))
    for label in results[sizes[0]]:
        counts = [results[n][label] for n in sizes]
        mark = "" if len(set(counts)) == 1 else "   <- differs"
        print(f"{label:48} " + " ".join(f"{c!s:>12}" for c in counts) + mark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommuner", type=int, nargs="+", default=[6, 24])
    main(parser.parse_args().kommuner)
