"""Both locales are complete for every string, and the compiled catalogues match their sources."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

CATALOGUES = sorted(
    p for p in Path(settings.BASE_DIR).glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def test_there_is_a_bokmal_and_a_nynorsk_catalogue_for_the_core_and_every_app():
    found = {str(p.relative_to(settings.BASE_DIR)) for p in CATALOGUES}
    for place in ("locale", "agreements/locale", "councils/locale", "slt/locale"):
        for language in ("nb", "nn"):
            assert f"{place}/{language}/LC_MESSAGES/django.po" in found


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_is_complete_and_compiled(path):
    po = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == [], f"untranslated: {untranslated}, fuzzy: {fuzzy}"
    mo = polib.mofile(str(path.with_suffix(".mo")))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo}
    sources = {
        (entry.msgctxt, entry.msgid): entry.msgstr for entry in po.translated_entries() if not entry.msgid_plural
    }
    stale = [key[1] for key, text in sources.items() if compiled.get(key) != text]
    assert stale == [], f"{path.with_suffix('.mo')} is out of date; run compilemessages (stale: {stale[:5]})"


def test_nynorsk_visitor_gets_nynorsk_pages(db):
    client = Client(headers={"accept-language": "nn"})
    response = client.get("/konto/login/")
    assert "Hopp til hovudinnhaldet" in response.content.decode()
