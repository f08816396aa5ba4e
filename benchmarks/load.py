"""Throughput of every main page under gunicorn, beside a bare view in the same server (issue 15).

Starts gunicorn (2 sync workers, loopback, a free port) with benchmarks/load_settings.py — the production settings
(DEBUG off, persistent connections, cache and sessions in Redis when one answers) plus /__bare__/, a view returning
a tiny response behind the same middleware stack. Drives the pages of benchmarks/main_pages.py (the one list of
every benchmark) as their personas, by session cookies. Each page is fetched once per worker (must be 200; this
also runs the day's role re-sync), then, for each round, every page is driven by `wrk` at the given concurrency
for --seconds, each run right after a run of the bare view (interleaved).

Prints, per page: its queries, rendered and kept (one request in this process with the server's settings: with
sessions in Redis, one fewer than queries.py counts; kept: served again by samarbeid.page_cache, on with Redis;
--no-page-cache turns it off, so that every request renders), requests/s, p50 and p99 latency (ms), the ratio to
the bare view's requests/s in the run just before it (min–max over the rounds), and errors (any response other
than 200, and socket errors), plus the peak RSS of each gunicorn worker after every round (VmHWM from /proc),
which must not grow from round to round. A page over 15 queries, under 0.5 of the bare view, or with p99 over
4×p50 is marked.

Usage: DATABASE_URL=postgres://…/national uv run python benchmarks/load.py [--rounds 3] [--seconds 4]
(a database made by `manage.py generate_national`; it reads only, apart from sessions and the role re-sync).
Needs `wrk` (apt-get install wrk).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.load_settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from benchmarks.main_pages import client_for, pages  # noqa: E402

BARE = "/__bare__/"
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) errors = 0; first = 0 end
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1; if first == 0 then first = status end end
end
function done(summary, latency, requests)
  local e, f = 0, 0
  for _, t in ipairs(threads) do e = e + t:get("errors"); if f == 0 then f = t:get("first") end end
  local s = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "errors": %d, "first_status": %d, '
    .. '"socket_errors": %d, "p50_us": %d, "p99_us": %d}\\n', summary.requests, summary.duration, e, f,
    s.connect + s.read + s.write + s.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def query_counts(cookie: str, url: str, page_cache: bool) -> tuple[int, int | str]:
    """The queries of the page in this process, with the server's settings (after the warm-up): rendered, and
    served again from the page cache (samarbeid.page_cache) to the same browser while nothing it read changed."""
    client = client_for(cookie, headers={"X-Forwarded-Proto": "https"}, HTTP_HOST="127.0.0.1")

    def counted() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    with override_settings(PAGE_CACHE=False):
        rendered = counted()
    if not page_cache:
        return rendered, "–"
    counted()  # kept
    return rendered, counted()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def headers(cookie: str) -> dict[str, str]:
    # Behind the TLS proxy of production: the app sees https (no redirect, secure cookies are fine).
    return {"X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {})}


def get(base: str, url: str, cookie: str) -> tuple[int, int]:
    request = urllib.request.Request(base + url, headers=headers(cookie))
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, 0


def wrk(base: str, url: str, cookie: str, seconds: int, concurrency: int, script: str) -> dict:
    args = ["wrk", f"-c{concurrency}", "-t2", f"-d{seconds}s", "--timeout", "120s", "-s", script]
    for name, value in headers(cookie).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, base + url], capture_output=True, text=True, check=True).stdout
    # wrk stops with requests still queued in gunicorn's backlog: wait for them, so the next run starts on an idle
    # server (a request made now is answered once those before it are).
    for _ in range(2):
        get(base, BARE, cookie)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6) if result["duration_us"] else 0.0
    return result


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kb / 1024


def main(
    rounds: int, seconds: int, concurrency: int, workers: int, only: str | None, skip: str | None, page_cache: bool
) -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    cookies, listed = pages()
    if only:
        listed = [row for row in listed if only.lower() in row[0].lower()]
    if skip:
        listed = [row for row in listed if skip.lower() not in row[0].lower()]
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest DEBUG-off templates need
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page_cache = page_cache and settings.PAGE_CACHE
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings", "PYTHONPATH": str(ROOT)}
    env["PAGE_CACHE"] = str(page_cache).lower()
    gunicorn = [sys.executable, "-m", "gunicorn", "samarbeid.wsgi", "--bind", f"127.0.0.1:{port}"]
    gunicorn += ["--workers", str(workers), "--timeout", "300", "--log-level", "warning"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    failures = 0
    try:
        for _ in range(200):
            try:
                if get(base, BARE, cookies["SLT-koordinator"])[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not answer")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        print(f"gunicorn: {workers} workers on {base}, concurrency {concurrency}, {seconds} s per run, {rounds} rounds")
        database = settings.DATABASES["default"]
        print(
            f"database: {database['NAME']}, CONN_MAX_AGE {database['CONN_MAX_AGE']}, cache "
            f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, sessions {settings.SESSION_ENGINE}, "
            f"page cache {'on' if page_cache else 'off'}"
        )
        for label, persona, url in listed:  # warm-up, and each page must answer 200
            started = time.perf_counter()
            for _ in range(workers * 2):  # reach every worker (a first request of the day re-syncs roles)
                status, size = get(base, url, cookies[persona])
            took = (time.perf_counter() - started) / (workers * 2) * 1000
            print(f"  warm-up {label:48} HTTP {status}, {size / 1024:7.1f} kB, {took:7.0f} ms")
            failures += status != 200
        queries = {label: query_counts(cookies[persona], url, page_cache) for label, persona, url in listed}
        queries["bare view"] = query_counts(cookies["SLT-koordinator"], BARE, False)
        results: dict[str, list[dict]] = {label: [] for label, _, _ in listed}
        bares: list[dict] = []
        rss: list[list[float]] = []
        for round_number in range(1, rounds + 1):
            for label, persona, url in listed:
                bare = wrk(base, BARE, cookies["SLT-koordinator"], seconds, concurrency, script.name)
                page = wrk(base, url, cookies[persona], seconds, concurrency, script.name)
                page["ratio"] = page["rps"] / bare["rps"] if bare["rps"] else 0.0
                bares.append(bare)
                results[label].append(page)
            rss.append([peak_rss_mb(pid) for pid in worker_pids(server.pid)])
            print(f"round {round_number}: peak RSS of the workers " + ", ".join(f"{mb:.0f} MB" for mb in rss[-1]))
        print()
        print(
            f"{'page':48} {'queries':>7} {'kept':>4} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'p99/p50':>7} "
            f"{'vs bare':>11} {'errors':>6}"
        )
        bare_rps = [b["rps"] for b in bares]
        bare_p50 = statistics.median(b["p50_us"] for b in bares) / 1000
        bare_p99 = statistics.median(b["p99_us"] for b in bares) / 1000
        bare_errors = sum(b["errors"] + b["socket_errors"] for b in bares)
        print(
            f"{'bare view':48} {queries['bare view'][0]:7} {'–':>4} {statistics.median(bare_rps):7.0f} {bare_p50:7.1f} "
            f"{bare_p99:7.1f} {bare_p99 / max(bare_p50, 0.001):7.1f} {'1.00':>11} {bare_errors:6}"
        )
        for label, runs in results.items():
            rps = statistics.median(r["rps"] for r in runs)
            p50 = statistics.median(r["p50_us"] for r in runs) / 1000
            p99 = statistics.median(r["p99_us"] for r in runs) / 1000
            ratios = [r["ratio"] for r in runs]
            errors = sum(r["errors"] + r["socket_errors"] + (r["requests"] == 0) for r in runs)  # none answered
            first = next((r["first_status"] for r in runs if r["first_status"]), None)
            marks = []
            if queries[label][0] > 15:
                marks.append("> 15 queries")
            if min(ratios) < 0.5:
                marks.append("< 0.5")
            if p99 > 4 * p50:
                marks.append("p99 > 4×p50")
            if errors:
                marks.append(f"first non-200: {first}" if first else "socket errors")
            print(
                f"{label:48} {queries[label][0]:7} {queries[label][1]!s:>4} {rps:7.0f} {p50:7.1f} {p99:7.1f} "
                f"{p99 / max(p50, 0.001):7.1f} "
                f"{min(ratios):5.2f}–{max(ratios):4.2f} {errors:6}" + ("   <- " + ", ".join(marks) if marks else "")
            )
            failures += errors > 0
        growth = [b - a for a, b in zip(map(max, rss), map(max, rss[1:]), strict=False)]
        print("peak RSS per round (largest worker): " + " → ".join(f"{max(r):.0f} MB" for r in rss))
        if any(g > 5 for g in growth):
            print("peak RSS grew from one round to the next")
            failures += 1
        return 1 if failures else 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="only the pages whose name contains this")
    parser.add_argument("--skip", help="not the pages whose name contains this")
    parser.add_argument(
        "--no-page-cache",
        dest="page_cache",
        action="store_false",
        help="every request renders its page (PAGE_CACHE off)",
    )
    args = parser.parse_args()
    sys.exit(main(args.rounds, args.seconds, args.concurrency, args.workers, args.only, args.skip, args.page_cache))
