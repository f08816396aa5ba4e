"""Confidentiality of closed meetings across every output: one matrix of outputs × personas × forums.

A closed politiråd meeting and an SLT coordination group meeting (always closed) carry unique markers in
their case description, minutes, decision, follow-up action and attachment title. Every output format is
rendered for a member, a non-member reader of the same kommune (a rådmann, who sees the meetings), another
tenant and an anonymous visitor; the markers must appear exactly where a member reads them and nowhere
for the others. The outputs: the meeting page, the innkalling and referat PDFs (text by pdftotext), the
innkalling e-mail (body and attached .ics), the single-meeting .ics, the personal and forum feeds (these four
leave the app, so even members get only the titles there), the follow-up list, the next meeting's
referatsaker (page and innkalling PDF), and the council / group page.
"""

import datetime
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from councils.services import council_create
from samarbeid import meetings
from samarbeid.models import (
    CalendarFeedToken,
    ForumMembership,
    Kommune,
    Person,
    PoliceUnit,
    Role,
    User,
)
from samarbeid.roles import role_assign
from slt.services import group_create, group_member_add, slt_model_create

DESCRIPTION, MINUTES, DECISION, ACTION, ATTACHMENT = "QZDESC", "QZMINUTES", "QZDECISION", "QZACTION", "QZATTACH"
MARKERS = (DESCRIPTION, MINUTES, DECISION, ACTION, ATTACHMENT)
TODAY = timezone.localdate()


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = TODAY + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def login(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def radmann_of_moss() -> User:
    """A Moss role holder who sees the council and the SLT groups but is a member of neither."""
    person = Person.objects.create(name="Rådmann Moss", email="radmann@moss.demo.no")
    User.objects.create_user("radmann@moss.demo.no", "x", person=person)
    role_assign(
        person=person,
        party=Kommune.objects.get(number="3103"),
        role=Role.RADMANN,
        starts_on=TODAY - datetime.timedelta(days=10),
    )
    return User.objects.get(email="radmann@moss.demo.no")


def moss_politirad(personas):
    council = council_create(
        name="Politirådet i Moss",
        host_kommune=Kommune.objects.get(number="3103"),
        police_unit=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        by=personas["moss_slt"],
    )
    page = reverse("councils:detail", kwargs={"pk": council.pk})
    return council.forum, User.objects.get(pk=personas["moss_ordforer"].pk), page  # the ordfører leads it


def moss_slt_group(personas):
    slt_model = slt_model_create(
        name="SLT Moss", kommuner=[Kommune.objects.get(number="3103")], created_by=personas["moss_slt"]
    )
    group = group_create(
        slt_model=slt_model,
        name="SLT-utøvergruppe",
        meetings_per_year=12,
        standard_agenda="Referatsaker\nRunde rundt bordet",
        created_by=personas["moss_slt"],
    )
    person = Person.objects.create(name="Bente Barnevern", email="bv@moss.demo.no")
    User.objects.create_user("bv@moss.demo.no", "x", person=person)
    group_member_add(
        group, person=person, kind=ForumMembership.Kind.MEMBER, organisation="Barnevern", by=personas["moss_slt"]
    )
    return group.forum, User.objects.get(email="bv@moss.demo.no"), reverse("slt:group", kwargs={"pk": group.pk})


FORUMS = {"politirad": moss_politirad, "slt_group": moss_slt_group}


@pytest.fixture(params=list(FORUMS))
def scene(request, personas, settings, tmp_path, mailoutbox, django_capture_on_commit_callbacks):
    """A closed meeting with every marker, the meeting after it, and the innkalling sent."""
    settings.MEDIA_ROOT = tmp_path
    forum, member, forum_page = FORUMS[request.param](personas)
    secretary = personas["moss_slt"]
    closed = meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), is_closed=True, by=secretary)
    item = closed.agenda_items.last()
    item.description = f"Sakspapir {DESCRIPTION} om en enkeltsak"
    item.save(update_fields=["description"])
    meetings.agenda_item_write_minutes(item, text=f"Referat {MINUTES}", by=secretary)
    decision = meetings.decision_add(item, text=f"Vedtak {DECISION}", by=secretary)
    meetings.action_add(decision, description=f"Oppfølging {ACTION}", responsible_person=secretary.person)
    upload = SimpleUploadedFile("notat.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    meetings.meeting_attach(closed, upload=upload, title=f"Notat {ATTACHMENT}", by=secretary)
    following = meetings.meeting_plan(forum, starts_at=at(30), ends_at=at(30, 12), by=secretary)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_send_innkalling(closed, by=secretary)
    people = {
        "member": member,
        "non_member_reader": radmann_of_moss(),
        "other_tenant": personas["randaberg_slt"],
        "anonymous": None,
    }
    return {
        "forum": forum,
        "closed": closed,
        "following": following,
        "people": people,
        "forum_page": forum_page,
        "outbox": list(mailoutbox),
    }


def text_of(response) -> str:
    """What a person gets to read in a response: PDF text, unfolded iCalendar lines, or the page."""
    content = response.getvalue()  # a PDF is streamed from the store
    if content.startswith(b"%PDF"):
        return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return content.replace(b"\r\n ", b"").decode()


def feed_url(user: User | None, name: str, **kwargs) -> str:
    token = CalendarFeedToken.objects.get_or_create(user=user)[0].token if user else "ingen-hemmelighet"
    return reverse(name, kwargs={"token": token, **kwargs})


def email_to(scene, user: User | None) -> str:
    """Every innkalling e-mail the person got: the body and the attached .ics."""
    texts = []
    for message in scene["outbox"]:
        if user is not None and message.to == [user.email]:
            texts.append(message.body)
            texts += [payload.replace("\r\n ", "") for _name, payload, _type in message.attachments]
    return "\n".join(texts)


def render(output: str, scene, user: User | None) -> str:
    closed, following, forum = scene["closed"], scene["following"], scene["forum"]
    client = login(user)
    urls = {
        "page": reverse("meetings:detail", kwargs={"pk": closed.pk}),
        "innkalling_pdf": reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "innkalling"}),
        "referat_pdf": reverse("meetings:pdf", kwargs={"pk": closed.pk, "document": "referat"}),
        "ics": reverse("meetings:ics", kwargs={"pk": closed.pk}),
        "follow_up_list": reverse("meetings:actions", kwargs={"forum_pk": forum.pk}) + "?vis=alle",
        "next_meeting_page": reverse("meetings:detail", kwargs={"pk": following.pk}),
        "next_meeting_innkalling_pdf": reverse("meetings:pdf", kwargs={"pk": following.pk, "document": "innkalling"}),
        "forum_page": scene["forum_page"],
    }
    if output == "email":
        return email_to(scene, user)
    if output == "user_feed":
        return text_of(client.get(feed_url(user, "meetings:user_feed")))
    if output == "forum_feed":
        return text_of(client.get(feed_url(user, "meetings:forum_feed", forum_pk=forum.pk)))
    return text_of(client.get(urls[output]))


# What a member reads of the closed meeting in each output; everyone else reads none of it. What leaves the app
# (e-mail, .ics and calendar feeds, kept by outside calendar services) carries no case papers of a closed
# meeting, not even to members: they get the titles and a link.
MEMBER_READS = {
    "page": {DESCRIPTION, MINUTES, DECISION, ACTION, ATTACHMENT},
    "innkalling_pdf": {DESCRIPTION},
    "referat_pdf": {DESCRIPTION, MINUTES, DECISION, ACTION},
    "email": set(),
    "ics": set(),
    "user_feed": set(),
    "forum_feed": set(),
    "follow_up_list": {DECISION, ACTION},
    "next_meeting_page": {DECISION, ACTION},
    "next_meeting_innkalling_pdf": {DECISION, ACTION},
    "forum_page": set(),
}
PERSONAS = ["member", "non_member_reader", "other_tenant", "anonymous"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("output", list(MEMBER_READS))
def test_closed_meeting_markers_appear_exactly_for_members(scene, output, persona):
    text = render(output, scene, scene["people"][persona])
    found = {marker for marker in MARKERS if marker in text}
    assert found == (MEMBER_READS[output] if persona == "member" else set())


@pytest.mark.parametrize("output", ["page", "innkalling_pdf", "ics", "user_feed", "forum_feed"])
def test_the_non_member_reader_still_gets_the_agenda_titles(scene, output):
    """Titles only is not nothing: the reader sees what the meeting is about, not the case papers."""
    item = scene["closed"].agenda_items.last()
    assert item.title in render(output, scene, scene["people"]["non_member_reader"])


def test_a_member_without_a_login_gets_the_titles_but_not_the_case_papers_by_email(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    forum, _member, _page = moss_politirad(personas)
    meetings.membership_add(
        forum, Person.objects.create(name="Ungdomsrådet", email="ur@moss.demo.no"), ForumMembership.Kind.MEMBER
    )
    meeting = meetings.meeting_plan(forum, starts_at=at(3), ends_at=at(3, 12), is_closed=True)
    item = meeting.agenda_items.last()
    item.description = f"Sakspapir {DESCRIPTION}"
    item.save(update_fields=["description"])
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_send_innkalling(meeting, by=None)
    [message] = [m for m in mailoutbox if m.to == ["ur@moss.demo.no"]]
    assert item.title in message.body and DESCRIPTION not in message.body
    assert DESCRIPTION not in message.attachments[0][1]


def test_the_next_meeting_tells_a_non_member_that_the_referatsaker_are_for_members(scene):
    page = render("next_meeting_page", scene, scene["people"]["non_member_reader"])
    assert "Vedtakene derfra er bare for medlemmene." in page
    assert "Vedtakene derfra" not in render("next_meeting_page", scene, scene["people"]["member"])
