"""My tasks: what the logged-in person should do next, from all their roles, each with a link, a due date, a reason.

Apps register their task sources in ``AppConfig.ready()`` with ``register_task_source(fn)``, the way they
register forum pages; the core imports no app. A source is ``fn(user, today) -> Iterable[Task]``: it returns
only what the user may see (scoped through its app's access module) and costs a fixed number of queries,
whatever the number of tasks. ``tasks_for(user, today)`` gathers them once per request (cached on the user);
``tasks_grouped`` sorts them into overdue, this week and later.

What several sources read is read once per gathering: ``shared(user, name, read)`` keeps what ``read()`` returns
for the rest of the gathering (an app's sources share their app's reading, e.g. the agreements the access functions
give for signing, reviewing and renewing), and ``my_roles`` / ``my_party_ids`` are kept on the user for the day.
The visibility decisions stay in the apps' access functions: a reading only keeps their results.

The navigation shows how many tasks are open (``task_count``). Counting runs every source, so the number is kept
in the session: counted whenever Min side is shown (the start page after login), and on other pages recounted
at most every ``COUNT_MAX_AGE`` seconds; otherwise they cost no query for it.

``Task.key`` names the task stably ("meeting:12:innkalling"), so reminders made from tasks can be sent once:
the same task has the same key on every day it is open.
"""

import datetime
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from samarbeid.models import Party, RoleAssignment, User


@dataclass(frozen=True)
class Task:
    kind: str  # what to do: "sign", "innkalling", "follow_up", … (each source's KIND_* constants)
    key: str  # stable across days: the same open task always has the same key
    title: str
    url: str
    due_on: datetime.date | None
    reason: str
    party: Party | None = None  # the party the task is done for, where it is one
    confidential: bool = False  # the title is a closed meeting's content: shown in the app, never sent out

    def is_overdue(self, today: datetime.date) -> bool:
        return self.due_on is not None and self.due_on < today


@dataclass
class TaskGroups:
    overdue: list[Task] = field(default_factory=list)
    this_week: list[Task] = field(default_factory=list)
    later: list[Task] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.later)


TaskSource = Callable[[User, datetime.date], Iterable[Task]]
_sources: list[TaskSource] = []


def register_task_source(source: TaskSource) -> TaskSource:
    if source not in _sources:
        _sources.append(source)
    return source


def _sort_key(task: Task):
    return (task.due_on or datetime.date.max, task.title, task.key)


def tasks_for(user, today: datetime.date | None = None) -> list[Task]:
    """Every open task of the user, soonest first (no due date last); computed once per user object and day."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    cached = user.__dict__.get("_tasks")
    if cached is None or cached[0] != today:
        user.__dict__[_READING] = {}
        try:
            tasks = {task.key: task for source in _sources for task in source(user, today)}
        finally:
            del user.__dict__[_READING]
        cached = user.__dict__["_tasks"] = (today, sorted(tasks.values(), key=_sort_key))
    return cached[1]


_READING = "_task_reading"


def shared[T](user, name: str, read: Callable[[], T]) -> T:
    """What `read()` returns, read once while tasks_for gathers the user's tasks and shared by the sources that
    ask for the same `name` (outside a gathering, as when a source is called alone, it is read each time)."""
    reading = user.__dict__.get(_READING)
    if reading is None:
        return read()
    if name not in reading:
        reading[name] = read()
    return reading[name]


def tasks_grouped(user, today: datetime.date | None = None) -> TaskGroups:
    """The tasks by urgency: overdue, due this week (to Sunday), later (or without a due date)."""
    today = today or timezone.localdate()
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    groups = TaskGroups()
    for task in tasks_for(user, today):
        if task.is_overdue(today):
            groups.overdue.append(task)
        elif task.due_on is not None and task.due_on <= sunday:
            groups.this_week.append(task)
        else:
            groups.later.append(task)
    return groups


def my_roles(user, today: datetime.date) -> list[RoleAssignment]:
    """The roles the user holds on `today`, with their parties (one query, kept on the user for the request)."""
    cached = user.__dict__.get("_my_roles")
    if cached is None or cached[0] != today:
        roles = []
        if user.is_authenticated and user.person_id:
            roles = RoleAssignment.objects.active(today).filter(person_id=user.person_id).select_related("party")
            roles = list(roles.order_by())  # callers sort: no join on the person for the model's ordering
        cached = user.__dict__["_my_roles"] = (today, roles)
    return cached[1]


def my_party_ids(user, today: datetime.date) -> set[int]:
    """The parties the user holds a role in on `today` (from my_roles: no query of its own)."""
    return {role.party_id for role in my_roles(user, today)}


COUNT_MAX_AGE = 300  # seconds the navigation's count is kept before it is recounted
COUNT_SESSION_KEY = "my_task_count"


def remember_task_count(request, count: int) -> int:
    """Keep the count in the session; unchanged and counted less than half COUNT_MAX_AGE ago, the session is left
    as it is (saving it is three queries on every Min side)."""
    today = timezone.localdate().isoformat()
    kept = request.session.get(COUNT_SESSION_KEY)
    if kept and kept["count"] == count and kept["on"] == today and 0 <= time.time() - kept["at"] < COUNT_MAX_AGE / 2:
        return count
    request.session[COUNT_SESSION_KEY] = {"on": today, "at": time.time(), "count": count}
    return count


def task_count(request) -> int | None:
    """The number of open tasks for the navigation, as Min side last counted it in this session (login lands
    there), recounted once it is stale; None before Min side has been shown in the session."""
    kept = request.session.get(COUNT_SESSION_KEY)
    if kept is None:
        return None
    if kept["on"] == timezone.localdate().isoformat() and 0 <= time.time() - kept["at"] < COUNT_MAX_AGE:
        return kept["count"]
    return remember_task_count(request, len(tasks_for(request.user)))
