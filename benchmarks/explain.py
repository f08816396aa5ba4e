"""The slowest queries of every main page, timed by PostgreSQL's EXPLAIN ANALYZE (issue 15: indexes from EXPLAIN).

Every page of benchmarks/load.py's list (pages(): the same pages, personas and URLs that load.py drives) is
requested as the persona who uses it, by that persona's session cookie (after one warm-up request: the day's role
re-sync), its queries are captured, and every SELECT among them is run again under
`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` (inside a transaction that is rolled back). Printed per page: the number
of queries, their summed execution time, and the slowest ones with their time, the tables read by a sequential
scan (rows read) and the indexes used; with --plan, the whole plan of each page's slowest query.

Run it against a database made by `manage.py generate_national` (national scale: all kommuner) — it reads only,
apart from the personas' sessions and the day's role re-sync (as load.py):
    DATABASE_URL=postgres://…/national uv run python benchmarks/explain.py [--top 3] [--plan] [--page council]
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

# load.py points DJANGO_SETTINGS_MODULE at its gunicorn settings when imported; the settings are configured above
# already (the app's own, DEBUG on: the test client's host and unbuilt static files are accepted), so they stay.
from benchmarks.main_pages import client_for, pages  # noqa: E402


class _Rollback(Exception):
    pass


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(sql: str) -> tuple[float, dict]:
    """Execution time (ms) and plan of one SELECT, run under EXPLAIN ANALYZE and rolled back."""
    result = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
            result["plan"] = cursor.fetchone()[0]
            raise _Rollback
    except _Rollback:
        pass
    plan = result["plan"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Execution Time"], plan[0]["Plan"]


def summary(plan: dict) -> str:
    """The tables read by sequential scan (with the rows read) and the indexes used."""
    seq, indexes = [], []
    for node in _walk(plan):
        kind = node["Node Type"]
        if kind == "Seq Scan":
            read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
            seq.append(f"{node['Relation Name']}({read * node.get('Actual Loops', 1)})")
        elif "Index Name" in node:
            indexes.append(node["Index Name"])
    parts = []
    if seq:
        parts.append("seq scan " + ", ".join(seq))
    if indexes:
        parts.append("index " + ", ".join(dict.fromkeys(indexes)))
    return "; ".join(parts)


def text_plan(sql: str) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return "\n".join(lines)


def main(top: int, show_plan: bool, only: str | None) -> None:
    if connection.vendor != "postgresql":
        sys.exit("EXPLAIN ANALYZE needs PostgreSQL: set DATABASE_URL to a database made by generate_national.")
    setup_test_environment()
    cookies, listed = pages()
    for label, persona, url in listed:
        if only and only.lower() not in label.lower():
            continue
        client = client_for(cookies[persona])
        client.get(url)  # warm-up: the day's role re-sync and task count
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        timed = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                ms, plan = explain(sql)
                timed.append((ms, sql, plan))
        timed.sort(key=lambda t: -t[0])
        total = sum(ms for ms, _, _ in timed)
        print(f"\n== {label} ({url}): HTTP {response.status_code}, {len(captured)} queries, {total:.1f} ms in SELECTs")
        for ms, sql, plan in timed[:top]:
            print(f"  {ms:8.2f} ms  {sql[:150]}")
            notes = summary(plan)
            if notes:
                print(f"              {notes}")
        if show_plan and timed:
            print("\n".join("      " + line for line in text_plan(timed[0][1]).splitlines()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=3, help="The slowest N queries of each page (default 3).")
    parser.add_argument("--plan", action="store_true", help="Print the whole plan of each page's slowest query.")
    parser.add_argument("--page", help="Only the pages whose name contains this.")
    args = parser.parse_args()
    main(args.top, args.plan, args.page)
