"""The oversight figures counted again from the raw tables, and read back from the rendered pages.

Used by tests/test_generate_national.py and benchmarks/national.py to check the district and national pages:
`recount` knows nothing of oversight/figures.py — it picks each kommune's agreement, council and counts with its
own queries (the per-agreement rules, agreements/rules.py and councils/rules.py, are the definitions it counts
by); `district_rows` and `national_page` read what the page shows; `mismatches` says where they differ.
"""

import datetime
import html
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from agreements.models import Agreement, AgreementKommune, SigningRound
from agreements.rules import AgreementStatus, agreement_status, innkalling_days
from councils.models import Council
from councils.rules import min_meetings_per_year
from samarbeid.models import FollowUpAction, Forum, Kommune, Meeting
from slt.models import Tiltak, TiltakStatus

PREFERRED = [Agreement.Status.SIGNED, Agreement.Status.SENT, Agreement.Status.DRAFT]
CURRENT = {AgreementStatus.SIGNED, AgreementStatus.EXPIRING, AgreementStatus.REVISION_DUE}


@dataclass
class Expected:
    number: str
    name: str
    district_id: int
    status: str  # the label shown
    is_current: bool
    signed_on: str  # dd.mm.yyyy or "–"
    council_id: int | None
    meetings: str  # "held / minimum" or "" without a council
    on_time: str  # "p % (a av b)", "–", or "" without a council
    overdue_follow_ups: int | None
    overdue_tiltak: int
    held: int = 0
    minimum: int = 0


def _date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "–"


def recount(kommuner, today: datetime.date) -> dict[str, Expected]:
    """Each kommune's figures by kommunenummer, counted from the tables."""
    kommuner = list(kommuner)
    ids = [k.pk for k in kommuner]
    links = defaultdict(list)
    for link in AgreementKommune.objects.filter(kommune_id__in=ids).select_related("agreement"):
        links[link.kommune_id].append(link.agreement)
    shown = {}
    for kommune_id, agreements in links.items():
        for status in PREFERRED:
            candidates = [a for a in agreements if a.status == status]
            if candidates:
                shown[kommune_id] = max(candidates, key=lambda a: (a.created_at, a.pk))
                break
    chosen = Agreement.objects.filter(pk__in=[a.pk for a in shown.values()])
    full = {a.pk: a for a in chosen.prefetch_related("sections")}
    completed = {}
    rounds = SigningRound.objects.filter(agreement_id__in=list(full), completed_at__isnull=False)
    for agreement_id, completed_at in rounds.values_list("agreement_id", "completed_at"):
        completed[agreement_id] = max(completed_at, completed.get(agreement_id, completed_at))
    first_forum = {}
    for forum_id, kommune_id in (
        Forum.kommuner.through.objects.filter(kommune_id__in=ids, forum__kind=Forum.Kind.POLITIRAD)
        .order_by("forum_id")
        .values_list("forum_id", "kommune_id")
    ):
        first_forum.setdefault(kommune_id, forum_id)
    councils = {
        c.forum_id: c
        for c in Council.objects.filter(forum_id__in=set(first_forum.values()))
        .select_related("agreement")
        .prefetch_related("agreement__sections")
    }
    start = timezone.make_aware(datetime.datetime(today.year, 1, 1))
    end = timezone.make_aware(datetime.datetime(today.year + 1, 1, 1))
    this_year = defaultdict(list)
    for meeting in Meeting.objects.filter(forum_id__in=list(councils), starts_at__gte=start, starts_at__lt=end):
        this_year[meeting.forum_id].append(meeting)
    overdue = defaultdict(int)
    for forum_id in FollowUpAction.objects.filter(
        status=FollowUpAction.Status.OPEN, due_on__lt=today, decision__agenda_item__meeting__forum_id__in=list(councils)
    ).values_list("decision__agenda_item__meeting__forum_id", flat=True):
        overdue[forum_id] += 1
    tiltak = defaultdict(set)
    open_tiltak = Tiltak.objects.filter(
        Q(status=TiltakStatus.PLANLAGT) | Q(status=TiltakStatus.I_GANG), ends_on__lt=today
    )
    for pk, kommune_id in open_tiltak.filter(plan__slt_model__kommuner__in=ids).values_list(
        "pk", "plan__slt_model__kommuner"
    ):
        tiltak[kommune_id].add(pk)
    result = {}
    for kommune in kommuner:
        agreement = full.get(shown[kommune.pk].pk) if kommune.pk in shown else None
        status = agreement_status(agreement, today)
        council = councils.get(first_forum.get(kommune.pk))
        expected = Expected(
            number=kommune.number,
            name=str(kommune),
            district_id=kommune.district_id,
            status=str(status.label),
            is_current=status in CURRENT,
            signed_on=_date(
                timezone.localdate(completed[agreement.pk]) if agreement and agreement.pk in completed else None
            ),
            council_id=council.pk if council else None,
            meetings="",
            on_time="",
            overdue_follow_ups=None,
            overdue_tiltak=len(tiltak[kommune.pk]),
        )
        if council:
            meetings = this_year[council.forum_id]
            expected.held = sum(m.status in (Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED) for m in meetings)
            expected.minimum = min_meetings_per_year(council)
            expected.meetings = f"{expected.held} / {expected.minimum}"
            days = innkalling_days(council.agreement)
            summoned = [m for m in meetings if m.summoned_at is not None]
            on_time = sum(
                timezone.localdate(m.summoned_at) <= timezone.localdate(m.starts_at) - datetime.timedelta(days=days)
                for m in summoned
            )
            if summoned:
                expected.on_time = f"{round(100 * on_time / len(summoned))} % ({on_time} av {len(summoned)})"
            else:
                expected.on_time = "–"
            expected.overdue_follow_ups = overdue[council.forum_id]
        result[kommune.number] = expected
    return result


# --- reading the pages ------------------------------------------------------------------------------------------

_ROW = re.compile(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def district_rows(page: str) -> dict[str, dict]:
    """The rows of the district page's table by kommunenummer: what each column shows, as text."""
    rows = {}
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in _ROW.finditer(table):
        number = re.search(r'class="oversight-number">(\d{4})<', row.group(1)).group(1)
        cells = [_text(c) for c in _CELL.findall(row.group(1))]
        if len(cells) == 9:  # with a council
            status, signed, _period, meetings, on_time, _evaluation, follow_ups, tiltak, _links = cells[:9]
        else:  # "Ikke noe politiråd" spans four columns
            status, signed, _period, _none, tiltak, _links = cells[:6]
            meetings = on_time = follow_ups = ""
        rows[number] = {
            "status": status,
            "signed_on": signed,
            "meetings": meetings,
            "on_time": on_time,
            "overdue_follow_ups": int(follow_ups) if follow_ups else None,
            "overdue_tiltak": int(tiltak),
        }
    return rows


def national_page(page: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The district table (district name → its cells) and the tiles (district name → "kommune: status" each)."""
    summary_table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    summaries = {}
    for row in _ROW.finditer(summary_table):
        name = _text(row.group(1).split("</th>", 1)[0])
        summaries[name] = [_text(c) for c in _CELL.findall(row.group(1))]
    tiles = {}
    for section in re.finditer(r'<section class="tile-district"[^>]*>(.*?)</section>', page, re.S):
        name = _text(re.search(r"<h3[^>]*>(.*?)</h3>", section.group(1), re.S).group(1))
        tiles[name] = [
            f"{_text(t.group(1))}: {_text(t.group(2)).lstrip('✓ ')}"
            for t in re.finditer(
                r'<span class="tile__name">(.*?)</span>\s*<span class="tile__status">(.*?)</span>\s*</li>',
                section.group(1),
                re.S,
            )
        ]
    return summaries, tiles


def mismatches(expected: dict[str, Expected], shown: dict[str, dict]) -> list[str]:
    """Where the district page differs from the recount (and kommuner missing from or extra on the page)."""
    problems = [f"{number}: missing from the page" for number in sorted(set(expected) - set(shown))]
    problems += [f"{number}: on the page but not in the district" for number in sorted(set(shown) - set(expected))]
    for number in sorted(set(expected) & set(shown)):
        want, got = expected[number], shown[number]
        for key in ("status", "signed_on", "meetings", "on_time", "overdue_follow_ups", "overdue_tiltak"):
            if getattr(want, key) != got[key]:
                problems.append(f"{number} {want.name}: {key} shows {got[key]!r}, recount {getattr(want, key)!r}")
    return problems


def national_mismatches(expected: dict[str, Expected], page: str, districts) -> list[str]:
    """Where the national page differs: every kommune's tile status and each district's summary figures."""
    summaries, tiles = national_page(page)
    problems = []
    for district in districts:
        rows = [e for e in expected.values() if e.district_id == district.pk]
        want_tiles = sorted(f"{e.name}: {e.status}" for e in rows)
        if sorted(tiles.get(district.name, [])) != want_tiles:
            missing = set(want_tiles) - set(tiles.get(district.name, []))
            problems.append(f"{district.name}: tiles differ from the recount, e.g. {sorted(missing)[:3]}")
        councils = {e.council_id: e for e in rows if e.council_id}
        cells = summaries.get(district.name)
        if cells is None:
            problems.append(f"{district.name}: no row in the district table")
            continue
        current = sum(e.is_current for e in rows)
        held = sum(e.held for e in councils.values())
        minimum = sum(e.minimum for e in councils.values())
        follow_ups = sum(e.overdue_follow_ups for e in councils.values())
        tiltak = sum(e.overdue_tiltak for e in rows)
        want = {
            "kommuner": str(len(rows)),
            "current": f"{current} ",
            "meetings": f"{held} / {minimum}",
            "follow_ups": str(follow_ups),
            "tiltak": str(tiltak),
        }
        got = {
            "kommuner": cells[0],
            "current": cells[1].split("(")[0],
            "meetings": cells[-5],
            "follow_ups": cells[-2],
            "tiltak": cells[-1],
        }
        for key in want:
            if want[key].strip() != got[key].strip():
                problems.append(f"{district.name}: {key} shows {got[key]!r}, recount {want[key]!r}")
    return problems


def all_kommuner():
    return Kommune.objects.order_by("number")
