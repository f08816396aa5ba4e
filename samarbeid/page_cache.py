"""A rendered page is served again while nothing it read has changed (issue 15: cache what pays, nothing stale).

Every table but the excluded ones (sessions, the cache, this module's own) carries a trigger that counts the
transactions that changed it, in `TableVersion` (`install_table_triggers`, run after every migrate). On
PostgreSQL the trigger is a deferred constraint trigger: it runs once per table at commit, takes the global row
('') first and then the table's, so concurrent commits never wait on each other in different orders; a
rolled-back transaction counts nothing. On SQLite (one writer at a time) plain triggers count every row.

`page_cache_middleware`, the innermost middleware, keeps the response of a GET that answered 200 with HTML, with
the versions of every table its queries read (recorded from their SQL) as they stood before it was rendered. A
later request is given those bytes only if it is the same request from the same browser — the same cookies (so
the same session and CSRF secret), session contents, path and query, host, htmx headers, language and minute —
and every one of those tables still has the version recorded. One query checks that; the view does not run.
So the cache can never carry a page from one session to another, and shows nothing that a fresh render would
not: a write to anything the page read makes the next request render it again, a new minute too (pages that say
"now" or "today" are exact to the minute), and so does a new process or a changed setting.

A restore (samarbeid.backup) puts older counts back, so it moves every version past the highest one before it
(`outdate_every_page`). Not kept: a response that sets a cookie, a request whose session changed or that has
messages to show, and
anything but GET. The CSP nonce of a kept page is replaced by the new request's own.
"""

import hashlib
import json
import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import F, Max
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from samarbeid.models import TableVersion

EXCLUDED = {"django_session", "django_migrations", TableVersion._meta.db_table}
GLOBAL = ""  # the row every change counts in, taken first at commit
TIMEOUT = 120  # seconds an entry is kept; it is keyed by the minute, so a minute or two is all it can serve

_process = {"token": secrets.token_hex(8), "tables": None}


def _new_process_token(**kwargs) -> None:
    """A changed setting (in tests) or a new process renders every page again: the key holds this token."""
    _process["token"] = secrets.token_hex(8)


setting_changed.connect(_new_process_token, dispatch_uid="samarbeid-page-cache")


def tracked_tables() -> set[str]:
    excluded = EXCLUDED | {settings.CACHES["default"].get("LOCATION", "")}
    return {table for table in connection.introspection.table_names() if table not in excluded}


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION samarbeid_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'samarbeid.changed_' || TG_TABLE_NAME;
BEGIN
    IF TG_OP <> 'TRUNCATE' THEN
        IF current_setting(flag, true) = '1' THEN
            RETURN NULL;
        END IF;
        PERFORM set_config(flag, '1', true);
    END IF;
    INSERT INTO {TableVersion._meta.db_table} (name, version) VALUES ('{GLOBAL}', 1), (TG_TABLE_NAME, 1)
        ON CONFLICT (name) DO UPDATE SET version = {TableVersion._meta.db_table}.version + 1;
    RETURN NULL;
END $$;
"""


def _pg_triggers(table: str) -> list[str]:
    return [
        f'CREATE CONSTRAINT TRIGGER samarbeid_table_changed AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION samarbeid_table_changed()",
        f'CREATE TRIGGER samarbeid_table_truncated AFTER TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION samarbeid_table_changed()",
    ]


def _sqlite_triggers(table: str) -> list[str]:
    count = (
        f"INSERT INTO {TableVersion._meta.db_table} (name, version) VALUES ('{GLOBAL}', 1), ('{table}', 1) "
        "ON CONFLICT (name) DO UPDATE SET version = version + 1;"
    )
    return [
        f'CREATE TRIGGER "samarbeid_table_changed_{operation.lower()}_{table}" AFTER {operation} ON "{table}" '
        f"BEGIN {count} END"
        for operation in ("INSERT", "UPDATE", "DELETE")
    ]


def tables_with_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'samarbeid_table_changed'"
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'samarbeid_table_changed_%'"
        )
        return {row[0] for row in cursor.fetchall()}


def install_table_triggers(**kwargs) -> None:
    """Give every tracked table that lacks it the trigger that counts its changes (on `post_migrate`)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    missing = sorted(tracked_tables() - tables_with_triggers())
    if not missing:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
        for table in missing:
            for statement in (_pg_triggers if connection.vendor == "postgresql" else _sqlite_triggers)(table):
                cursor.execute(statement)
    _process["tables"] = None


def remove_table_triggers(apps=None, schema_editor=None) -> None:
    """Undo `install_table_triggers` (migrating back past the table they count in)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS samarbeid_table_changed() CASCADE")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'samarbeid_table_changed_%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
    _process["tables"] = None


def outdate_every_page(floor: int) -> None:
    """After a restore has put older counts back: move every table's version past `floor` (the highest count before
    the restore), so that no page kept before it can match again."""
    names = tracked_tables() | {GLOBAL}
    TableVersion.objects.bulk_create([TableVersion(name=name) for name in names], ignore_conflicts=True)
    TableVersion.objects.update(version=F("version") + floor + 1)


def highest_version() -> int:
    return TableVersion.objects.aggregate(highest=Max("version"))["highest"] or 0


def _versions(names=None) -> dict[str, int]:
    rows = TableVersion.objects.all() if names is None else TableVersion.objects.filter(name__in=names)
    return dict(rows.values_list("name", "version"))


_WORD = re.compile(r"[a-z_][a-z0-9_]*")


class _ReadTables:
    """Records, from their SQL, the tables the queries of one request read."""

    def __init__(self):
        if _process["tables"] is None:
            _process["tables"] = tracked_tables()
        self.known = _process["tables"]
        self.read: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        self.read.update(word for word in _WORD.findall(sql.lower()) if word in self.known)
        return execute(sql, params, many, context)


def _key(request) -> str:
    minute = timezone.now().replace(second=0, microsecond=0).isoformat()
    session = sorted(request.session.items()) if hasattr(request, "session") else []
    parts = [
        _process["token"],
        minute,
        request.get_host(),
        request.scheme,
        request.get_full_path(),
        translation.get_language(),
        sorted(request.COOKIES.items()),
        session,
        sorted((name, value) for name, value in request.headers.items() if name.lower().startswith("hx-")),
        request.headers.get("Accept-Language", ""),
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return f"page:{digest}"


def never_kept(view):
    """A view whose responses the page cache leaves alone, without its cost (a lookup and one query)."""
    view.page_cache_exempt = True
    return view


def _exempt(request) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return True
    return getattr(match.func, "page_cache_exempt", False)


def _servable(request) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method == "GET"
        and connection.vendor in ("postgresql", "sqlite")
        and not _exempt(request)
        and not len(messages.get_messages(request))
    )


def _csrf_secret_unchanged(request) -> bool:
    """False where the page holds a token of a new CSRF secret: its cookie is set after this middleware."""
    new = request.META.get("CSRF_COOKIE")
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or new == request.COOKIES.get(settings.CSRF_COOKIE_NAME)


def _keepable(request, response) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and _csrf_secret_unchanged(request)
        and not (session is not None and session.modified)
        and not len(messages.get_messages(request))
    )


def _nonce(request) -> str | None:
    nonce = getattr(request, "_csp_nonce", None)
    return str(nonce) if nonce else None


def _unchanged(versions: dict[str, int]) -> bool:
    current = _versions(versions)
    return all(current.get(table, 0) == version for table, version in versions.items())


def page_cache_middleware(get_response):
    def middleware(request):
        if not _servable(request):
            return get_response(request)
        key = _key(request)
        kept = cache.get(key)
        if kept is not None and _unchanged(kept["versions"]):
            return _response_from(kept, request)
        versions = _versions()  # before rendering: a change committed meanwhile makes the next request render again
        reading = _ReadTables()
        with connection.execute_wrapper(reading):
            response = get_response(request)
        if _keepable(request, response):
            if request.user.is_authenticated:  # read by the middleware before this one, shown on every page
                reading.read.add(request.user._meta.db_table)
            kept = {
                "versions": {table: versions.get(table, 0) for table in reading.read},
                "content": response.content,
                "headers": list(response.headers.items()),
                "nonce": _nonce(request),
            }
            cache.set(key, kept, TIMEOUT)
        return response

    return middleware


def _response_from(kept: dict, request) -> HttpResponse:
    content = kept["content"]
    if kept["nonce"]:
        content = content.replace(kept["nonce"].encode(), str(request._csp_nonce).encode())
    response = HttpResponse(content)
    for name, value in kept["headers"]:
        response.headers[name] = value
    return response
