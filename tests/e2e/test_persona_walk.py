"""Everyday use, walked in a real browser: every demo persona's main journeys — actions as well as pages — at
desktop width and on a phone (390 px), in the demo world of three tenants.

At every page state the walk checks that nothing reaches past the screen's edge, that axe finds nothing and that
the page speaks the persona's målform. Every response of the server (pages, htmx swaps, static files, the
favicon) is recorded: none may be a 4xx or 5xx but the deliberate refusals each journey names, and each of those
must be the page that explains the refusal, in the persona's language and with the way on. The nynorsk persona
(Luster's ordførar) logs in from a browser that asks for bokmål and sees nynorsk from the first page on.
"""

import datetime
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from agreements.models import Agreement, AgreementTemplate, Owner
from councils.models import Council
from samarbeid.demo import DEMO_PASSWORD
from samarbeid.models import Meeting
from slt.models import Handlingsplan, SltModel
from tests.e2e.test_agreements_editing import write_in_editor
from tests.public_scene import signed_moss_agreement
from tests.walking import build_demo_world, keep_files, world_settings

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# The outermost elements that reach past the screen's right edge, to say what to fix.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                && !(el.parentElement && el.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""))"""
# The words of the page's own frame (navigation, headings, labels, buttons, table heads), not what users wrote.
FRAME_TEXT = """() => [...document.querySelectorAll(
  "header, nav, footer, h1, h2, h3, label, legend, button, th, summary, .ds-alert, [data-testid=error-page]")]
  .map(el => el.innerText).join("\\n")"""
# Bokmål forms that nynorsk writes otherwise (ikkje, kva, kven, kvar, viss, nokon, berre, mykje, veke, frå ...).
BOKMAL_ONLY = re.compile(r"\b(ikke|hva|hvem|hvor|hvis|noen|bare|mye|uke|fra|ble|sammen|hvordan|deres|logget)\b", re.I)


@dataclass
class Refusal:
    status: int
    path: str
    heading: str  # the bokmål source of the error page's heading


NOT_ALLOWED = "Du har ikke tilgang til dette"
NOT_FOUND = "Vi fant ikke siden"
BAD_REQUEST = "Forespørselen kunne ikke leses"


@dataclass
class Walk:
    """One persona at one width: a browser context, what the server answered, and what the checks found."""

    page: object
    persona: str
    width: str
    language: str
    axe: Axe
    responses: list[tuple[int, str, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    states: int = 0

    def check(self, state: str) -> None:
        """The page as it is now: fits the screen, axe-clean, in the persona's målform."""
        page, where = self.page, f"{self.persona} {self.width} {state} ({urlsplit(self.page.url).path})"
        page.wait_for_load_state()
        self.states += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS[self.width]["width"]:
            self.problems.append(f"too wide: {where}: {width} px ({', '.join(page.evaluate(WIDEST))})")
        results = self.axe.run(page)
        if results.violations_count:
            self.problems.append(f"axe: {where}:\n{results.generate_report()}")
        lang = page.evaluate("document.documentElement.lang")
        if lang != self.language:
            self.problems.append(f'language: {where}: <html lang="{lang}">, not {self.language}')
        if self.language == "nn":
            bokmal = sorted({m.lower() for m in BOKMAL_ONLY.findall(page.evaluate(FRAME_TEXT))})
            if bokmal:
                self.problems.append(f"bokmål for a nynorsk user: {where}: {', '.join(bokmal)}")

    def goto(self, path: str) -> None:
        self.page.goto(path)  # a 4xx/5xx is in the server log
        self.check(path)

    def refused(self, path: str, status: int, heading: str) -> None:
        """A deliberate refusal: this status, and the page that explains it (in the persona's language, with the
        way back), not a bare 'Forbidden'."""
        self.refusals.append(Refusal(status, path, heading))
        response = self.page.goto(path)
        where = f"{self.persona} {self.width} {path}"
        if response.status != status:
            self.problems.append(f"refusal: {where} answered {response.status}, not {status}")
        error = self.page.locator(f"[data-testid=error-page][data-status='{status}']")
        expected, home = gettext_in(self.language, heading), gettext_in(self.language, "Til forsiden")
        if not error.count():
            self.problems.append(f"refusal: {where} is not the explaining error page: {self.page.content()[:300]}")
        elif (
            error.get_by_role("heading", level=1).inner_text() != expected
            or not error.get_by_role("link", name=home).count()
        ):
            self.problems.append(f"refusal: {where} does not say «{expected}» with a link «{home}»")
        if not self.page.locator("header nav").count():
            self.problems.append(f"refusal: {where} has no navigation")
        self.check(f"refused {status}")

    def server_log_problems(self) -> list[str]:
        """Every 4xx/5xx but the refusals the journey named (each exactly where it named it)."""
        expected = [(r.status, r.path) for r in self.refusals]
        problems = []
        for status, method, url in self.responses:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if status >= 400 and (status, path) not in expected:
                problems.append(f"server log: {self.persona} {self.width}: {method} {path} → {status}")
        return problems + [f"request failed: {self.persona} {self.width}: {f}" for f in self.failed]


def moss_draft() -> Agreement:
    return Agreement.objects.get(kommuner__number="3103", status=Agreement.Status.DRAFT)


# --- what the personas do ------------------------------------------------------------------------------------------


def log_in(walk: Walk, email: str, *, totp: "Codes | None" = None) -> None:
    page = walk.page
    page.goto(reverse("account_login"))
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    if totp:
        page.wait_for_url("**/2fa/authenticate/")
        walk.check("second factor")
        page.locator("input[name=code]").fill("000000")
        page.locator("input[name=code]").press("Enter")
        page.locator(".ds-validation-message, .errorlist, [data-color=danger]").first.wait_for()
        walk.check("second factor, wrong code")
        page.locator("input[name=code]").fill(totp.next())
        page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/min-side/")
    walk.check("first page after login")


class Codes:
    """TOTP codes, each step's at most once (allauth refuses a code used before)."""

    def __init__(self, secret: str):
        self.secret, self.used = secret, set()

    def next(self) -> str:
        step = int(time.time()) // 30
        while step in self.used:  # a step either way is accepted
            step += 1
        self.used.add(step)
        return format_hotp_value(hotp_value(self.secret, step))


def slt_koordinator(walk: Walk, world: dict) -> None:
    """Moss's SLT-koordinator drafts her section of the agreement, plans a politiråd meeting, sends the innkalling,
    writes and approves the referat with a decision and a follow-up, and looks over the SLT pages; she is refused
    the police's section and Randaberg's draft."""
    page = walk.page
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions
    log_in(walk, world["personas"]["moss_slt"].email)
    agreement = moss_draft()
    walk.goto(reverse("agreements:list"))
    detail = reverse("agreements:detail", args=[agreement.pk])
    walk.goto(detail)
    own = agreement.sections.get(owner=Owner.KOMMUNE, kind="slt")
    section = write_in_editor(page, own.heading, f"Handlingsplanen gjelder ({walk.width}).")
    section.get_by_text(f"Handlingsplanen gjelder ({walk.width}).").wait_for()
    walk.check("own section saved")
    own.refresh_from_db()
    for name, args in [
        ("agreements:section_history", [agreement.pk, own.pk]),
        ("agreements:edit", [agreement.pk]),
        ("agreements:changelog", [agreement.pk]),
        ("agreements:part_edit", [agreement.pk, "fokusomrader"]),
        ("agreements:attachment_add", [agreement.pk]),
        ("agreements:create", []),
    ]:
        walk.goto(reverse(name, args=args))
    walk.goto(
        f"{reverse('agreements:section_diff', args=[agreement.pk, own.pk])}?fra={own.version - 1}&til={own.version}"
    )
    police = agreement.sections.filter(owner=Owner.POLICE).first()
    walk.refused(reverse("agreements:section_edit", args=[agreement.pk, police.pk]), 403, NOT_ALLOWED)
    randaberg = Agreement.objects.filter(kommuner__number="1127").get()
    walk.refused(reverse("agreements:detail", args=[randaberg.pk]), 404, NOT_FOUND)

    council = Council.objects.get(host_kommune__number="3103")
    walk.goto(reverse("councils:list"))
    year = timezone.localdate().year
    for name, args in [
        ("councils:members", [council.pk]),
        ("councils:year_plan", [council.pk, year]),
        ("councils:evaluation", [council.pk, year]),
        ("councils:edit", [council.pk]),
        ("councils:detail", [council.pk]),
    ]:
        walk.goto(reverse(name, args=args))
    page.get_by_role("link", name="Planlegg møte").click()
    walk.check("plan a meeting")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.get_by_label("Dato").fill(yesterday.isoformat())
    page.get_by_label("Fra kl.").fill("09:00")
    page.get_by_label("Til kl.").fill("11:00")
    page.get_by_label("Sted").fill("Moss rådhus")
    page.get_by_label("Tema").fill(f"Rus blant unge ({walk.width})")
    page.get_by_role("button", name="Planlegg møtet").click()
    page.get_by_text("Møtet er planlagt").wait_for()
    walk.check("meeting planned")
    agenda = page.locator("form[action$='/saker/']")
    agenda.get_by_label("Sak", exact=True).fill(f"Trygg skoleveg ({walk.width})")
    agenda.get_by_label("Beskrivelse").fill("Foreldre melder om fart forbi skolen.")
    agenda.get_by_role("button", name="Legg til sak").click()
    page.locator("li.agenda__item", has_text=f"Trygg skoleveg ({walk.width})").wait_for()
    walk.check("agenda item added")
    page.get_by_role("button", name="Send innkalling").click()
    page.get_by_text("Innkallingen er sendt").wait_for()
    walk.check("innkalling sent")
    item = page.locator("li.agenda__item", has_text="Nytt fra politiet")
    item.get_by_label("Referat").fill("Politiet orienterte om russetiden.")
    item.get_by_role("button", name="Lagre referat").click()
    item.get_by_text("Sist lagret").wait_for()
    item.get_by_label("Nytt vedtak").fill("Felles tiltak mot rus i russetiden.")
    item.get_by_role("button", name="Legg til vedtak").click()
    item.get_by_text("Felles tiltak mot rus i russetiden.").wait_for()
    walk.check("referat and decision written")
    item.get_by_text("Legg til oppfølging").first.click()
    item.get_by_label("Oppfølging", exact=True).fill("Plan for russetiden")
    item.get_by_label("Ansvarlig part").select_option(label="Moss kommune")
    item.get_by_label("Frist").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    item.get_by_role("button", name="Legg til oppfølging").click()
    item.get_by_text("Plan for russetiden").wait_for()
    walk.check("follow-up added")
    page.get_by_role("button", name="Marker som avholdt").click()
    page.get_by_text("Møtet er markert som avholdt.").wait_for()
    page.get_by_role("button", name="Godkjenn referatet").click()
    page.get_by_text("Referatet er godkjent.").wait_for()
    walk.check("referat approved")
    walk.goto(reverse("meetings:actions", args=[council.forum_id]))

    slt_model = SltModel.objects.filter(kommuner__number="3103").first()
    walk.goto(reverse("slt:index"))
    walk.goto(reverse("slt:detail", args=[slt_model.pk]))
    walk.goto(reverse("slt:plan", args=[Handlingsplan.objects.filter(slt_model=slt_model).first().pk]))
    walk.goto(reverse("meetings:calendar"))
    walk.goto(reverse("notification_settings"))
    walk.refused("/finnes-ikke/", 404, NOT_FOUND)


def politikontakt(walk: Walk, world: dict) -> None:
    """Moss's politikontakt logs a stint of office hours (in the field, on the phone) and writes the police's
    section of the agreement; the kommune's section is refused him."""
    page = walk.page
    log_in(walk, world["personas"]["moss_politikontakt"].email)
    council = Council.objects.get(host_kommune__number="3103")
    walk.goto(reverse("councils:log", args=[council.pk]))
    assert page.get_by_text("Ingen personopplysninger i loggen").is_visible()
    page.get_by_label("Kommune", exact=True).last.select_option(label="Moss kommune")
    page.get_by_label("Type").select_option(label="Kontortid")
    page.get_by_label("Varighet (minutter)").fill("240")
    page.get_by_label("Kort notat").fill(f"Kontortid på rådhuset ({walk.width})")
    page.get_by_role("button", name="Lagre føringen").click()
    page.get_by_text("Føringen er lagret.").wait_for()
    assert page.get_by_role("cell", name=f"Kontortid på rådhuset ({walk.width})").is_visible()
    walk.check("log entry saved")
    agreement = moss_draft()
    walk.goto(reverse("agreements:detail", args=[agreement.pk]))
    police = agreement.sections.get(owner=Owner.POLICE, kind="politikontakt")
    section = write_in_editor(page, police.heading, f"Til stede minst én gang per uke ({walk.width}).")
    section.get_by_text(f"Til stede minst én gang per uke ({walk.width}).").wait_for()
    walk.check("police section saved")
    own = agreement.sections.get(owner=Owner.KOMMUNE, kind="slt")
    walk.refused(reverse("agreements:section_edit", args=[agreement.pk, own.pk]), 403, NOT_ALLOWED)


def ordforer(walk: Walk, world: dict) -> None:
    """Luster's ordførar (nynorsk) opens the agreement sent for signing and the politiråd's minutes."""
    log_in(walk, world["personas"]["luster_ordforer"].email)
    assert walk.page.get_by_role("heading", name="Mi side", level=1).is_visible()  # not "Min side"
    assert walk.page.get_by_text("Du er logga inn som Ola Nes.").is_visible()
    luster = Agreement.objects.filter(kommuner__number="4644").get()
    walk.goto(reverse("agreements:detail", args=[luster.pk]))
    walk.goto(reverse("agreements:signing", args=[luster.pk]))
    council = Council.objects.get(host_kommune__number="4644")
    walk.goto(reverse("councils:detail", args=[council.pk]))
    approved = council.forum.meetings.filter(status=Meeting.Status.MINUTES_APPROVED).first()
    walk.goto(reverse("meetings:detail", args=[approved.pk]))
    walk.refused("/finnes-ikkje/", 404, NOT_FOUND)


def slt_koordinator_nynorsk(walk: Walk, world: dict) -> None:
    """Luster's SLT-koordinator (nynorsk) goes over her agreement, politiråd and SLT pages, plans a meeting, and
    is refused the police's section."""
    page = walk.page
    log_in(walk, world["personas"]["luster_slt"].email)
    luster = Agreement.objects.filter(kommuner__number="4644").get()
    walk.goto(reverse("agreements:list"))
    walk.goto(reverse("agreements:detail", args=[luster.pk]))
    police = luster.sections.filter(owner=Owner.POLICE).first()
    walk.refused(reverse("agreements:section_edit", args=[luster.pk, police.pk]), 403, NOT_ALLOWED)
    council = Council.objects.get(host_kommune__number="4644")
    walk.goto(reverse("councils:detail", args=[council.pk]))
    page.get_by_role("link", name=gettext_in("nn", "Planlegg møte")).click()
    walk.check("plan a meeting")
    walk.goto(reverse("councils:log", args=[council.pk]))
    walk.goto(reverse("meetings:actions", args=[council.forum_id]))
    slt_model = SltModel.objects.filter(kommuner__number="4644").first()
    walk.goto(reverse("slt:index"))
    walk.goto(reverse("slt:detail", args=[slt_model.pk]))
    walk.goto(reverse("meetings:calendar"))
    walk.goto(reverse("notification_settings"))


def gettext_in(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def template_admin(walk: Walk, world: dict) -> None:
    """Vest's template administrator opens the district's template and a section of it."""
    log_in(walk, world["personas"]["vest_malansvarlig"].email)
    template = AgreementTemplate.objects.get(district__short_name="Vest")
    walk.goto(reverse("agreements:template_list"))
    walk.goto(reverse("agreements:template_detail", args=[template.pk]))
    section = template.sections.order_by("order").first()
    walk.goto(reverse("agreements:template_section_edit", args=[template.pk, section.pk]))


def police_leader(walk: Walk, world: dict) -> None:
    """Moss's tjenesteenhetsleder reads the draft, the politiråd's minutes and its follow-ups."""
    log_in(walk, world["personas"]["moss_leder"].email)
    agreement = moss_draft()
    walk.goto(reverse("agreements:detail", args=[agreement.pk]))
    council = Council.objects.get(host_kommune__number="3103")
    walk.goto(reverse("councils:detail", args=[council.pk]))
    approved = council.forum.meetings.filter(status=Meeting.Status.MINUTES_APPROVED).first()
    walk.goto(reverse("meetings:detail", args=[approved.pk]))
    walk.goto(reverse("meetings:actions", args=[council.forum_id]))


def district_leader(walk: Walk, world: dict) -> None:
    """Sør-Vest's politimester sorts and filters the district oversight."""
    page = walk.page
    log_in(walk, world["personas"]["sorvest_politimester"].email)
    page.get_by_role("link", name="Oversikt", exact=True).click()
    page.get_by_role("heading", name="Oversikt over Sør-Vest politidistrikt").wait_for()
    walk.check("district oversight")
    page.get_by_role("link", name="Avtalestatus").click()
    page.wait_for_url("**sort=status**")
    page.get_by_label("Avtalestatus", exact=True).select_option(label="Utkast")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**status=utkast**")
    walk.check("district oversight, sorted and filtered")


def national_leader(walk: Walk, world: dict) -> None:
    """Politidirektoratet's adviser opens the national overview."""
    log_in(walk, world["personas"]["politidirektoratet"].email)
    walk.page.get_by_role("link", name="Oversikt", exact=True).click()
    walk.page.get_by_role("heading", name="Nasjonal oversikt").wait_for()
    walk.check("national overview")


def council_member(walk: Walk, world: dict) -> None:
    """Moss's ordfører, a member of the politiråd with the second factor: she logs in with a code, reads the
    minutes and follow-ups, and goes through the security pages."""
    page = walk.page
    member = world["personas"]["moss_ordforer"]
    if "codes" not in world:
        secret = generate_totp_secret()
        TOTP.activate(member, secret)
        RecoveryCodes.activate(member)
        world["codes"] = Codes(secret)
    log_in(walk, member.email, totp=world["codes"])
    council = Council.objects.get(host_kommune__number="3103")
    walk.goto(reverse("councils:detail", args=[council.pk]))
    approved = council.forum.meetings.filter(status=Meeting.Status.MINUTES_APPROVED).first()
    walk.goto(reverse("meetings:detail", args=[approved.pk]))
    walk.goto(reverse("meetings:actions", args=[council.forum_id]))
    walk.goto("/konto/2fa/")
    walk.goto("/konto/2fa/recovery-codes/")
    walk.goto("/konto/reauthenticate/")
    walk.goto("/konto/2fa/reauthenticate/")
    page.locator("input[name=code]").fill("000000")
    page.locator("input[name=code]").press("Enter")
    page.locator("input[name=code]").wait_for()
    walk.check("reauthenticate, wrong code")
    walk.goto("/konto/password/change/")
    page.get_by_label("Nåværende passord").fill("feil-passord")
    page.get_by_label("Nytt passord", exact=True).fill("a")
    page.get_by_label("Nytt passord (igjen)").fill("b")
    page.get_by_role("button", name="Endre passord").click()
    page.get_by_label("Nåværende passord").wait_for()
    walk.check("password change, refused")
    walk.goto("/konto/logout/")


def public(walk: Walk, world: dict) -> None:
    """Anyone: the front page, the login page (and a wrong password), a kommune, a signed agreement, open minutes,
    a missing page and an unreadable request."""
    page = walk.page
    if "signed" not in world:
        world["signed"] = signed_moss_agreement(world["personas"], world["on_commit"])
    walk.goto("/")
    walk.goto(reverse("account_login"))
    page.get_by_label("E-post").fill("ingen@example.no")
    page.get_by_label("Passord").fill("feil")
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_text("E-postadressen og/eller passordet du oppgav er feil.").wait_for()
    walk.check("login, wrong password")
    walk.goto(reverse("public:kommuner"))
    walk.goto("/kommune/3103-moss/")
    walk.goto(reverse("public:agreement", args=[world["signed"].pk]))
    minutes = Meeting.objects.filter(forum__council__host_kommune__number="3103", status="minutes_approved").first()
    walk.goto(reverse("public:meeting", args=[minutes.pk]))
    walk.refused("/finnes-ikke/", 404, NOT_FOUND)
    walk.refused("/sok/?q=%00", 400, BAD_REQUEST)


# persona: (the journey, the demo person whose målform the pages speak, or None for the public)
JOURNEYS: dict[str, tuple[Callable[[Walk, dict], None], str | None]] = {
    "slt_koordinator": (slt_koordinator, "moss_slt"),
    "politikontakt": (politikontakt, "moss_politikontakt"),
    "ordforer_nynorsk": (ordforer, "luster_ordforer"),
    "slt_koordinator_nynorsk": (slt_koordinator_nynorsk, "luster_slt"),
    "police_leader": (police_leader, "moss_leder"),
    "template_admin": (template_admin, "vest_malansvarlig"),
    "district_leader": (district_leader, "sorvest_politimester"),
    "national_leader": (national_leader, "politidirektoratet"),
    "council_member": (council_member, "moss_ordforer"),
    "public": (public, None),
}


@pytest.fixture
def world(transactional_db, reference_data, tmp_path, django_capture_on_commit_callbacks):
    with world_settings(tmp_path), keep_files():
        personas = build_demo_world(tmp_path)
        yield {"personas": personas, "on_commit": django_capture_on_commit_callbacks}


@pytest.mark.parametrize("persona", JOURNEYS)
def test_the_persona_walks_their_day_on_desktop_and_phone(persona, world, browser, live_server):
    journey, key = JOURNEYS[persona]
    user = world["personas"].get(key)
    language = (user.person.own_malform() if user else None) or "nb"
    axe, problems, states = Axe(), [], 0
    for width, viewport in VIEWPORTS.items():
        context = browser.new_context(base_url=live_server.url, locale="nb-NO", viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(30_000)
        walk = Walk(page=page, persona=persona, width=width, language=language, axe=axe)
        context.on(
            "response",
            lambda response, log=walk.responses: log.append((response.status, response.request.method, response.url)),
        )
        context.on(
            "requestfailed",
            lambda request, log=walk.failed: log.append(f"{request.method} {request.url}: {request.failure}"),
        )
        journey(walk, world)
        context.close()
        assert any("/static/" in url for _status, _method, url in walk.responses), "the server log is recorded"
        problems += walk.problems + walk.server_log_problems()
        states += walk.states
    assert not problems, f"{len(problems)} problems in {states} page states:\n" + "\n".join(problems)
