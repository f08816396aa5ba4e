"""Property-based fuzzing (hypothesis) of every form, every query parameter and every path segment: no input gives
a 5xx, and no `next` sends the browser to another site.

The forms are found generically: every page of every URL pattern (tests/walking.py) is fetched as the first demo
persona with a part in its objects, and each <form method="post"> on it is parsed (field names, types, the
options of selects). Each POST-able pattern is then posted hypothesis-generated values for those fields (empty,
huge, unicode, NUL bytes, newlines, negative and huge numbers, years 0 and 10000, bad dates, other tenants' ids,
absolute and non-URL `next`) as that persona, following its redirect (the page showing what was saved must
render too), every request rolled back. Deterministic (derandomized) and bounded.
"""

import inspect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from samarbeid.models import Party
from tests.walking import (
    ANONYMOUS,
    PDF_BYTES,
    Pattern,
    demo_world,
    failure_text,
    fillings,
    has_part,
    not_walked_reason,
    request_rolled_back,
    url_patterns,
)

OWN_APPS = ("samarbeid.", "agreements.", "councils.", "slt.", "public_pages.")
PATTERNS = [p for p in url_patterns() if not_walked_reason(p) is None]
POSTED = [p for p in PATTERNS if "post" in p.methods and p.callback.__module__.startswith(OWN_APPS)]
POSTED_NAMES = {p.name for p in POSTED}
WITH_SEGMENTS = [p for p in PATTERNS if p.kwargs and p.callback.__module__.startswith(OWN_APPS)]


def _reads_query(pattern: Pattern) -> bool:
    view = inspect.unwrap(getattr(pattern.callback, "view_class", pattern.callback))
    try:
        return "request.GET" in inspect.getsource(view)
    except (OSError, TypeError):
        return False


WITH_QUERY = [p for p in PATTERNS if "get" in p.methods and _reads_query(p)]
QUERY_KEYS = ["side", "vis", "kommune", "fra", "til", "next", "year", "ar"]
FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ_URL = settings(FUZZ, max_examples=8)  # most answers are a quick 404

# --- values ---------------------------------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "line\nbreak",
    "\r\n",
    "ø" * 5000,
    "x" * 100_000,
    "🙂",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999",
    "1e309",
    "NaN",
    "0000",
    "10000",
    "0000-00-00",
    "2026-02-30",
    "10000-01-01",
    "0001-01-01",
    "9999-12-31",
    "31.12.9999",
    "25:61",
    "24:00",
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "http:///",
    "\\\\x",
    "None",
    "null",
    "[]",
    "{}",
    "%00",
    "../../etc/passwd",
]
NEXT_VALUES = [
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil.example",
    "javascript:alert(1)",
    "ikke en url",
    "http://[::1",
    "\x00",
    "",
    "/min-side/",
    "https://testserver/min-side/",
]


def other_ids():
    return st.integers(1, Party.objects.order_by("-pk").values_list("pk", flat=True).first() or 1).map(str)


def text_values():
    return st.one_of(st.sampled_from(NASTY), st.text(max_size=300), other_ids())


def value_for(kind: str, options: list[str]):
    if kind == "checkbox":
        return st.sampled_from(["on", "", "\x00", *options])
    if kind in ("select", "radio"):
        return st.one_of(st.sampled_from(options or [""]), other_ids(), st.sampled_from(NASTY))
    if kind == "number":
        return st.one_of(st.integers(-(10**20), 10**20).map(str), st.sampled_from(NASTY))
    if kind == "date":
        return st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(NASTY))
    if kind == "time":
        return st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), st.sampled_from(NASTY))
    return text_values()


def file_values():
    """Uploads are the records branch's (size cap, long names): short names, small bodies, NUL and all."""
    names = st.one_of(
        st.sampled_from(["vedlegg.pdf", "a.docx", "b.odt", "x.exe", "ingen-endelse"]),
        st.text(min_size=1, max_size=40).map(lambda name: name + ".pdf"),
    )
    bodies = st.sampled_from([PDF_BYTES, b"", b"PK\x03\x04not a zip", b"\x00" * 100])
    return st.builds(lambda name, body: SimpleUploadedFile(name, body), names, bodies)


# --- forms on the pages ---------------------------------------------------------------------------------------------


@dataclass
class Form:
    page: str
    action: str
    method: str
    persona: str
    fields: dict[str, tuple[str, list[str], bool]] = field(default_factory=dict)  # name → (kind, options, multiple)
    initial: dict[str, list[str]] = field(default_factory=dict)  # name → the values the page fills in


class FormParser(HTMLParser):
    """The forms of a page: each field's kind, options and the value the page fills in."""

    def __init__(self, page: str, persona: str):
        super().__init__()
        self.page, self.persona, self.forms, self.links = page, persona, [], []
        self._form, self._select, self._textarea = None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            self.links.append(attrs["href"])
        if tag == "form":
            action = urlsplit(attrs.get("action") or self.page).path or self.page
            self._form = Form(self.page, action, (attrs.get("method") or "get").lower(), self.persona)
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "option" and self._select:
            value = attrs.get("value") or ""
            self._form.fields[self._select][1].append(value)
            if "selected" in attrs:
                self._form.initial[self._select].append(value)
        name = attrs.get("name")
        if not name:
            return
        self._form.initial.setdefault(name, [])
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            known = self._form.fields.get(name, (kind, [], False))
            choosable = kind in ("radio", "checkbox")
            options = known[1] + ([attrs.get("value") or "on"] if choosable else [])
            self._form.fields[name] = (kind, options, kind == "checkbox" and name in self._form.fields)
            if (not choosable or "checked" in attrs) and kind != "file" and attrs.get("value") is not None:
                self._form.initial[name].append(attrs.get("value") or "on")
        elif tag == "textarea":
            self._form.fields[name] = ("textarea", [], False)
            self._textarea = name
        elif tag == "select":
            self._select = name
            self._form.fields[name] = ("select", [], "multiple" in attrs)

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.initial[self._textarea].append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea" and self._form is not None and self._textarea:
            self._form.initial[self._textarea] = ["".join(self._form.initial[self._textarea])]
            self._textarea = None
        if tag == "form":
            self._form = None


def _pattern_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_world(django_db_blocker, tmp_path_factory.mktemp("fuzz")) as built:
        yield built


def _reachable_by(world, pattern: Pattern):
    for case in fillings(pattern):
        for key, user in world["personas"].items():
            if all(has_part(user, world["parties"][key], obj) for obj in case.objects):
                yield case, key


@pytest.fixture(scope="module")
def pages(world):
    """Every page of every object sampled, fetched by the personas with a part in its objects until one sees a form
    to post: its forms, and where each pattern can be reached (persona, kwargs). A PDF or .ics is fetched once."""
    forms, reachable, query_keys = {}, {}, set()
    for pattern in PATTERNS:
        done = set()
        for case, key in _reachable_by(world, pattern):
            reachable.setdefault(pattern.key, (key, case.kwargs))
            url = pattern.url(case.kwargs)
            if "get" not in pattern.methods or url in done:
                continue
            response = request_rolled_back(world["clients"][key], "get", url)
            if response.status_code != 200:
                continue
            if "html" not in response.get("Content-Type", ""):
                break
            parser = FormParser(url, key)
            parser.feed(response.content.decode())
            for form in parser.forms:
                if form.method == "post":
                    forms.setdefault(_pattern_of(form.action), []).append(form)
                    done |= {url} if _pattern_of(form.action) in POSTED_NAMES else set()
                else:
                    query_keys.update(form.fields)
            query_keys.update(re.findall(r"[?&]([\w-]+)=", " ".join(parser.links)))
    return {"forms": forms, "reachable": reachable, "query_keys": sorted(query_keys | set(QUERY_KEYS))}


def _no_5xx_nor_open_redirect(response, what: str):
    assert response.status_code < 500, f"{what}: {response.status_code} {failure_text(response)}"
    hops = [url for url, _status in getattr(response, "redirect_chain", [])] + [response.headers.get("Location", "")]
    for hop in hops:
        netloc = urlsplit(hop).netloc
        assert not netloc or netloc == "testserver", f"{what}: redirects off-site to {hop}"


def form_data(form: Form):
    """Either every field fuzzed, or the form as the page fills it in with one field fuzzed (so that the rest is
    valid and the fuzzed value gets as far as being saved and shown); sometimes with a `next`."""
    fuzzed = {}
    for name, (kind, options, multiple) in form.fields.items():
        if kind in ("submit", "button", "reset", "image"):
            continue
        strategy = file_values() if kind == "file" else value_for(kind, options)
        fuzzed[name] = st.lists(strategy, max_size=3) if multiple else strategy
    fuzzed["next"] = st.one_of(st.sampled_from(NEXT_VALUES), text_values())
    as_filled = {name: st.just(values) for name, values in form.initial.items() if values and name in fuzzed}
    one_field = st.sampled_from(sorted(fuzzed)).flatmap(
        lambda name: st.fixed_dictionaries({**as_filled, name: fuzzed[name]})
    )
    return st.one_of(
        one_field,
        st.fixed_dictionaries(
            {name: s for name, s in fuzzed.items() if name != "next"}, optional={"next": fuzzed["next"]}
        ),
    )


# --- the tests ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db  # run with the module's other tests: pytest-django moves tests without a database to the end
def test_the_fuzzed_forms_cover_the_post_views(pages):
    """Most POST views were found as a form on some page; the rest are posted generic fields below."""
    found = [p.key for p in POSTED if p.name in pages["forms"]]
    assert len(found) >= len(POSTED) * 3 // 4, sorted(set(p.key for p in POSTED) - set(found))


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", POSTED, ids=lambda pattern: pattern.key)
def test_no_posted_value_gives_a_server_error(world, pages, pattern):
    forms = pages["forms"].get(pattern.name) or []
    if pattern.key not in pages["reachable"] and not forms:
        pytest.skip("no persona has a part in any object of this pattern")
    if not forms:
        persona, kwargs = pages["reachable"][pattern.key]
        url = pattern.url(kwargs)
        forms = [Form(url, url, "post", persona, {key: ("text", [], False) for key in QUERY_KEYS})]

    @FUZZ
    @given(st.data())
    def post(data):
        form = data.draw(st.sampled_from(forms))  # each page (and persona) that shows a form for this view
        values = data.draw(form_data(form))
        response = request_rolled_back(world["clients"][form.persona], "post", form.action, values, follow=True)
        _no_5xx_nor_open_redirect(response, f"POST {form.action} as {form.persona} with {values!r:.300}")

    post()


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", WITH_QUERY, ids=lambda pattern: pattern.key)
def test_no_query_parameter_gives_a_server_error(world, pages, pattern):
    persona, kwargs = pages["reachable"].get(pattern.key, (ANONYMOUS, {}))
    url, client = pattern.url(kwargs), world["clients"][persona]

    @FUZZ_URL
    @given(params=st.dictionaries(st.sampled_from(pages["query_keys"]), text_values(), min_size=1, max_size=4))
    def get(params):
        response = request_rolled_back(client, "get", url, params)
        _no_5xx_nor_open_redirect(response, f"GET {url} as {persona} with {params!r:.300}")

    get()


def segment_values(converter: str):
    """Years 0 and ≥ 10000, huge ids, and any text (NUL bytes too) where a str segment is taken."""
    if converter in ("int", "year"):
        return st.one_of(st.sampled_from([0, 1, 9999, 10000, 99999, 10**19, 10**30]), st.integers(0, 10**40))
    if converter == "slug":
        return st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True)
    characters = st.characters(exclude_categories=["Cs"], exclude_characters="/?#")
    return st.one_of(
        st.sampled_from(["\x00", "31\x0003", "0000", "🙂", "%00", "x" * 5000]),
        st.text(characters, min_size=1, max_size=50),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", WITH_SEGMENTS, ids=lambda pattern: pattern.key)
def test_no_path_segment_gives_a_server_error(world, pages, pattern):
    """Each segment in turn is fuzzed; the others are those of a real object the persona has a part in."""
    persona, kwargs = pages["reachable"].get(pattern.key, (ANONYMOUS, {}))
    client = world["clients"][persona]
    converters = dict((name, conv or "str") for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", pattern.route))

    @FUZZ_URL
    @given(data=st.data())
    def get(data):
        name = data.draw(st.sampled_from(pattern.kwargs))
        value = data.draw(segment_values(converters.get(name, "str")))
        path = pattern.route
        for kwarg in pattern.kwargs:
            segment = str(value) if kwarg == name else str(kwargs.get(kwarg, 1))
            path = re.sub(rf"<(?:\w+:)?{kwarg}>", lambda _m, s=segment: s, path)
        for method in pattern.methods:
            response = request_rolled_back(client, method, "/" + path)
            _no_5xx_nor_open_redirect(response, f"{method.upper()} /{path!r} as {persona}")

    get()
