"""The personal calendar feed of a district-wide persona: bytes, events, time and queries, built as before (every
request builds the calendar) and now (304 from the feed's version; a built feed cached by that version).

    DATABASE_URL=postgres://... uv run python benchmarks/feed.py [--runs 5]

Needs a database made by `manage.py generate_national` (e.g. `--kommuner 40`). The persona is the politimester
of the district with the most forums, reading every forum of it. Prints the median of `--runs` requests per row.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samarbeid.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="print the queries of one request and their times")
    parser.add_argument(
        "--all-forums",
        action="store_true",
        help="the persona reads every forum (a national-size district on a small generated database)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from guardian.shortcuts import assign_perm

    from samarbeid import meetings as svc
    from samarbeid.models import CalendarFeedToken, Forum, Politidistrikt, Role, RoleAssignment, User
    from samarbeid.permissions import sync_user_roles

    settings.ALLOWED_HOSTS = ["*"]

    # The district-wide persona: the politimester of the district with the most forums. Today a politimester's
    # roles give no forum (they see the district page, not the meetings), so, like the persona of issue 15,
    # this one is given view_forum on every forum of the district (recorded in this database; rerun-safe).
    district = (
        Politidistrikt.objects.annotate(n=Count("kommuner__forums", distinct=True), k=Count("kommuner", distinct=True))
        .order_by("-n")
        .first()
    )
    holder = RoleAssignment.objects.filter(party=district, role=Role.POLITIMESTER).select_related("person").first()
    user = User.objects.get(person=holder.person)
    sync_user_roles(user)  # what the first request of the day does (a feed request has no session)
    forums = Forum.objects.all() if args.all_forums else Forum.objects.filter(kommuner__district=district).distinct()
    for forum in forums:
        assign_perm("samarbeid.view_forum", user, forum)
    token = CalendarFeedToken.objects.get_or_create(user=user)[0].token
    url = reverse("meetings:user_feed", kwargs={"token": token})
    client = Client()

    def before() -> bytes:  # the view as it was: the year's meetings, read and built on every request
        since = svc.feed_window_start()
        meetings = svc.meetings_visible_to(user).filter(starts_at__gte=since).select_related("forum")
        return svc.meeting_ical(svc.meeting_readings(user, meetings, outbound=True), "Mine møter")

    if args.sql:
        with CaptureQueriesContext(connection) as captured:
            client.get(url, HTTP_IF_NONE_MATCH='"x"')
        for query in captured.captured_queries:
            print(query["time"], query["sql"][:300])

    def measure(function) -> tuple[float, int, int]:
        times, size, queries = [], 0, 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                size = function()
                times.append(time.perf_counter() - started)
            queries = len(captured)
        return statistics.median(times), size, queries

    def cold() -> int:
        cache.clear()
        return len(client.get(url).content)

    first = client.get(url)
    etag = first["ETag"]
    rows = [
        ("before: built on every request", measure(lambda: len(before()))),
        ("now: first request of a version (built)", measure(cold)),
        ("now: again, no conditional headers (cache)", measure(lambda: len(client.get(url).content))),
        ("now: If-None-Match (304)", measure(lambda: len(client.get(url, HTTP_IF_NONE_MATCH=etag).content))),
    ]
    events = first.content.count(b"BEGIN:VEVENT")
    reads = "every forum in the database" if args.all_forums else "every forum of the district"
    print(
        f"{district.name}: {district.k} kommuner, {district.n} forums; {user.person.name} (politimester) reads "
        f"{reads} ({forums.count()}); {events} events in the feed"
    )
    print(f"{'':45} {'median s':>9} {'bytes':>9} {'queries':>8}")
    for name, (seconds, size, queries) in rows:
        print(f"{name:45} {seconds:>9.3f} {size:>9} {queries:>8}")


if __name__ == "__main__":
    main()
