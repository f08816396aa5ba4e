"""Where one page's time goes: its queries (each, with time) and a cProfile of the request, as a persona of load.py.

Uses the pages of benchmarks/main_pages.py (the personas and URLs load.py drives) in-process through Django's test
client with load.py's settings (DEBUG off, Redis when one answers; the static files are collected first).
The first request of the persona warms up (the day's role re-sync); then the page
is requested --repeat times under cProfile and once with its queries captured.

Usage: DATABASE_URL=postgres://…/national uv run python benchmarks/profile_page.py "council detail" [--top 40]
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.load_settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.main_pages import client_for, pages  # noqa: E402


def main(name: str, repeat: int, top: int, sort: str) -> None:
    cookies, listed = pages()
    label, persona, url = next(row for row in listed if name.lower() in row[0].lower())
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest DEBUG-off templates need
    client = client_for(cookies[persona], headers={"X-Forwarded-Proto": "https"}, HTTP_HOST="127.0.0.1")
    first = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    print(f"{label}: {url} as {persona}: HTTP {first.status_code}/{response.status_code}, {len(response.content)} B")
    print(f"{len(captured)} queries:")
    for query in captured:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:300]}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(repeat):
        client.get(url)
    profiler.disable()
    print(f"{(time.perf_counter() - started) / repeat * 1000:.1f} ms per request (under the profiler)")
    pstats.Stats(profiler).sort_stats(sort).print_stats(top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="a part of the page's name in main_pages.py")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()
    main(args.page, args.repeat, args.top, args.sort)
