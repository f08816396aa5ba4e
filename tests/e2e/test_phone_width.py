"""Every main page works on a phone: at 390 px nothing is wider than the screen, and axe finds nothing.

Each persona walks the pages of their day (the politikontakt's log is written in the field), in the demo world of
three tenants; the public, the login page and an error page are walked without logging in."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from agreements.models import Agreement
from councils.models import Council
from slt.models import Handlingsplan, SltModel
from tests.walking import build_demo_world, keep_files, world_settings

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
# The outermost elements that reach past the screen's right edge, to say what to fix.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                && !(el.parentElement && el.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""))"""


@pytest.fixture
def world(transactional_db, reference_data, tmp_path):
    with world_settings(tmp_path), keep_files():
        yield build_demo_world(tmp_path)


def journeys() -> dict[str | None, list[str]]:
    """The main pages of each persona's day (None: not logged in)."""
    agreement = Agreement.objects.filter(kommuner__number="3103").order_by("-created_at").first()
    council = Council.objects.get(host_kommune__number="3103")
    meeting = council.forum.meetings.order_by("-starts_at").first()
    slt_model = SltModel.objects.filter(kommuner__number="3103").first()
    plan = Handlingsplan.objects.filter(slt_model=slt_model).first()
    luster = Agreement.objects.filter(kommuner__number="4644").get()
    return {
        "moss_slt": [
            reverse("min_side"),
            reverse("agreements:list"),
            reverse("agreements:detail", args=[agreement.pk]),
            reverse("councils:list"),
            reverse("councils:detail", args=[council.pk]),
            reverse("meetings:detail", args=[meeting.pk]),
            reverse("meetings:actions", args=[council.forum_id]),
            reverse("slt:index"),
            reverse("slt:detail", args=[slt_model.pk]),
            reverse("slt:plan", args=[plan.pk]),
            reverse("meetings:calendar"),
            reverse("notification_settings"),
        ],
        "moss_politikontakt": [reverse("min_side"), reverse("councils:log", args=[council.pk])],
        "luster_ordforer": [reverse("agreements:signing", args=[luster.pk])],
        "sorvest_politimester": [reverse("oversight:index")],
        None: [reverse("account_login"), "/kommune/3103-moss/", reverse("public:kommuner"), "/finnes-ikke/"],
    }


def test_every_main_page_fits_a_phone_and_is_accessible(world, browser, live_server, login):
    too_wide, inaccessible = [], []
    axe = Axe()
    for persona, urls in journeys().items():
        context = browser.new_context(base_url=live_server.url, locale="nb-NO", viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(30_000)
        if persona:
            login(persona, target=page)
        for url in urls:
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{persona or 'anonym'} {url}: {width} px ({', '.join(page.evaluate(WIDEST))})")
            results = axe.run(page)
            if results.violations_count:
                inaccessible.append(f"{persona or 'anonym'} {url}:\n{results.generate_report()}")
        context.close()
    assert not too_wide, "wider than a phone at 390 px:\n" + "\n".join(too_wide)
    assert not inaccessible, "\n".join(inaccessible)
