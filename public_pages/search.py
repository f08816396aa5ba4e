"""Full-text search over what a visitor may read: one function, two backends (PostgreSQL's full-text search with
the Norwegian configuration; SQLite's FTS5 on the embedded default).

The documents are built from the access functions and nothing else: signed agreements (agreements_public) and, for
a logged-in user, the agreements they see (agreements_visible_to); meetings through `meeting_readings` (what an
anonymous reader, or this user, may read of each: an exempt item by its title only, a closed meeting not at all
for the public); published handlingsplaner (plans_public) and the plans the user sees (plans_visible_to). The
database then ranks and cuts snippets from those texts only, so a search cannot find what the reading withholds.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from agreements.access import agreements_public, agreements_visible_to
from agreements.models import Agreement
from public_pages.pages import kommune_url
from samarbeid.meetings import ANONYMOUS, VIEW, forums_visible_to, meeting_readings
from samarbeid.models import Forum, Meeting
from samarbeid.permissions import has_perm
from slt.access import plans_public, plans_visible_to
from slt.models import Handlingsplan, Tiltak

START, STOP = "\u27e6", "\u27e7"  # marks around a hit in a snippet, replaced by <mark> after escaping
KINDS = {"agreement": _("Samarbeidsavtale"), "meeting": _("Møte"), "plan": _("SLT-handlingsplan")}


@dataclass(frozen=True)
class Document:
    key: str
    title: str
    body: str
    url: str


@dataclass(frozen=True)
class Result:
    title: str
    url: str
    kind_label: str
    snippet: SafeString


def _clean(text: str) -> str:
    return " ".join(strip_tags(text or "").replace(START, "").replace(STOP, "").split())


def _agreement_documents(user) -> list[Document]:
    signed = agreements_public()
    agreements = (
        signed
        if not user.is_authenticated
        else Agreement.objects.filter(
            Q(pk__in=signed.values("pk")) | Q(pk__in=agreements_visible_to(user).values("pk"))
        )
    )
    public_ids = set(signed.values_list("pk", flat=True))
    documents = []
    for agreement in agreements.select_related("police_party").prefetch_related("kommuner", "sections"):
        body = " ".join(
            f"{section.heading}. {_clean(section.standard_text)} {_clean(section.local_text)}"
            for section in agreement.sections.all()
        )
        url = (
            reverse("public:agreement", args=[agreement.pk])
            if agreement.pk in public_ids
            else reverse("agreements:detail", args=[agreement.pk])
        )
        documents.append(Document(f"agreement:{agreement.pk}", agreement.title, _clean(body), url))
    return documents


def _meeting_documents(user) -> list[Document]:
    reader = user if user.is_authenticated else ANONYMOUS
    meetings = Q(forum__kind=Forum.Kind.POLITIRAD, is_closed=False)
    if user.is_authenticated:
        meetings |= Q(forum__in=forums_visible_to(user))
    queryset = Meeting.objects.filter(meetings).exclude(status=Meeting.Status.CANCELLED).select_related("forum")
    documents = []
    for reading in meeting_readings(reader, queryset.order_by("-starts_at")):
        if not reading.titles:
            continue
        parts = [reading.meeting.theme]
        for item in reading.items:
            parts += [f"{item.case_number} {item.title}", item.description, item.minutes]
            parts += [decision.text for decision in item.decisions]
        meeting = reading.meeting
        own = has_perm(user, VIEW, meeting.forum)  # a reader of the forum goes to its page in the app
        url = reverse("meetings:detail" if own else "public:meeting", args=[meeting.pk])
        title = f"{meeting.forum.name} {meeting.starts_at:%d.%m.%Y}"
        documents.append(Document(f"meeting:{meeting.pk}", title, _clean(" ".join(filter(None, parts))), url))
    return documents


def _plan_documents(user) -> list[Document]:
    published = plans_public()
    plans = (
        published
        if not user.is_authenticated
        else Handlingsplan.objects.filter(
            Q(pk__in=published.values("pk")) | Q(pk__in=plans_visible_to(user).values("pk"))
        )
    )
    public_ids = set(published.values_list("pk", flat=True))
    documents = []
    tiltak = Tiltak.objects.select_related("focus_area")
    for plan in plans.select_related("slt_model").prefetch_related("slt_model__kommuner", Prefetch("tiltak", tiltak)):
        body = " ".join(f"{t.focus_area.name}: {t.title}." for t in plan.tiltak.all())
        kommune = next(iter(plan.slt_model.kommuner.all()), None)
        if plan.pk in public_ids and kommune is not None:
            url = kommune_url(kommune) + "#slt-tittel"
        else:
            url = reverse("slt:plan", args=[plan.pk])
        documents.append(Document(f"plan:{plan.pk}", f"{plan.title} {plan.period}", _clean(body), url))
    return documents


def documents_for(user) -> list[Document]:
    """Everything `user` (or an anonymous visitor) may read, as plain text documents."""
    return [*_agreement_documents(user), *_meeting_documents(user), *_plan_documents(user)]


# --- the two backends ----------------------------------------------------------------------------------------------

PG_SEARCH = """
    SELECT d.key, ts_headline('norwegian', d.body, q, %s)
    FROM unnest(%s::text[], %s::text[], %s::text[]) AS d(key, title, body),
         websearch_to_tsquery('norwegian', %s) AS q
    WHERE (setweight(to_tsvector('norwegian', d.title), 'A') || to_tsvector('norwegian', d.body)) @@ q
    ORDER BY ts_rank(setweight(to_tsvector('norwegian', d.title), 'A') || to_tsvector('norwegian', d.body), q) DESC,
             d.key
"""
PG_HEADLINE = f'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "'


def _search_postgresql(documents: list[Document], query: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            PG_SEARCH,
            [PG_HEADLINE, [d.key for d in documents], [d.title for d in documents], [d.body for d in documents], query],
        )
        return cursor.fetchall()


def fts5_query(query: str) -> str:
    """The query as an FTS5 expression, as PostgreSQL's websearch reads it: every word (as a prefix: "referat"
    finds "referatet"), alternatives separated by "or"."""
    alternatives = []
    for part in re.split(r"\s+or\s+", query, flags=re.IGNORECASE):
        words = re.findall(r"\w+", part)
        if words:
            alternatives.append("(" + " ".join(f'"{word}"*' for word in words) + ")")
    return " OR ".join(alternatives)


def _search_sqlite(documents: list[Document], query: str) -> list[tuple[str, str]]:
    match = fts5_query(query)
    if not match:
        return []
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.public_search USING fts5(key UNINDEXED, title, body)")
        cursor.execute("DELETE FROM temp.public_search")
        cursor.executemany(
            "INSERT INTO temp.public_search (key, title, body) VALUES (%s, %s, %s)",
            [(d.key, d.title, d.body) for d in documents],
        )
        cursor.execute(
            f"SELECT key, snippet(public_search, 2, '{START}', '{STOP}', ' … ', 24) FROM temp.public_search"
            " WHERE public_search MATCH %s ORDER BY bm25(public_search, 0, 5.0, 1.0), key",
            [match],
        )
        rows = cursor.fetchall()
        cursor.execute("DELETE FROM temp.public_search")
        return rows


def _snippet(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 — escaped first


def search(query: str, *, user=ANONYMOUS) -> list[Result]:
    """The documents `user` may read that match `query`, best first, each with a snippet around the hits."""
    documents = {d.key: d for d in documents_for(user)}
    if not documents or not query.strip():
        return []
    backend = _search_postgresql if connection.vendor == "postgresql" else _search_sqlite
    results = []
    for key, snippet in backend(list(documents.values()), query):
        document = documents[key]
        results.append(Result(document.title, document.url, KINDS[key.split(":")[0]], _snippet(snippet)))
    return results
