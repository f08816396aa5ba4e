"""Negotiation between the parties to a draft: comments, change proposals settled by the section's owner, template
drift, what the signatories are shown, the case papers for kommunestyret, and that nobody outside the agreement's
parties sees any of it (page, .docx, e-mail, task list)."""

# ruff: noqa: F811 (pytest fixtures imported from tests.test_notifications are used as arguments)

import datetime
import io
import re
import shutil
import subprocess

import docx
import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import mytasks as agreement_tasks
from agreements.models import (
    ChangeProposal,
    CommentThread,
    CouncilDecision,
    NegotiationSetting,
    Owner,
    SectionRevision,
    TemplateSection,
)
from agreements.negotiation import (
    comment_thread_create,
    parse_mentions,
    proposal_create,
    proposal_decide,
)
from agreements.services import agreement_create, section_update, template_create_for_district, template_section_update
from agreements.signing import agreement_send_for_signature
from samarbeid.models import Kommune, NotificationKind, NotificationPreference, PoliceUnit, Politidistrikt, Role
from samarbeid.mytasks import tasks_for
from samarbeid.notifications import preferences_set
from tests.test_notifications import committed, parts, smtp  # noqa: F401 (fixtures)

Action = SectionRevision.Action
Status = ChangeProposal.Status
OUTSIDERS = ["randaberg_slt", "stavanger_politikontakt", "luster_slt", "politidirektoratet", "ks", "vest_malansvarlig"]


def url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


def text_of(response) -> str:
    return " ".join(lxml.html.fromstring(response.content).text_content().split())


@pytest.fixture
def moss(personas):
    agreement = agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )
    kommune_section = agreement.sections.filter(owner=Owner.KOMMUNE).order_by("order").first()
    section_update(kommune_section, local_text="<p>Kommunen holder kontor på rådhuset.</p>", by=personas["moss_slt"])
    return agreement


def kommune_section(agreement):
    return agreement.sections.filter(owner=Owner.KOMMUNE).order_by("order").first()


def police_section(agreement):
    return agreement.sections.filter(owner=Owner.POLICE).order_by("order").first()


def propose(client, agreement, section, text, explanation=""):
    return client.post(url("proposal_create", agreement, section.pk), {"text": text, "explanation": explanation})


def decide(client, proposal, section, decision, *, text="", reason=""):
    data = {"decision": decision, "text": text, "reason": reason, "version": section.version}
    return client.post(url("proposal", proposal.agreement, proposal.pk), data)


# --- comments --------------------------------------------------------------------------------------------------------


def test_politikontakt_comments_on_a_kommune_section_and_the_page_shows_the_thread(client_for, moss):
    section = kommune_section(moss)
    client = client_for("moss_politikontakt")
    response = client.post(
        url("comment_create", moss), {"section": section.pk, "body": "Hvilke dager? @slt-koordinator"}
    )
    thread = CommentThread.objects.get(agreement=moss)
    assert response.status_code == 302 and response["Location"].endswith(f"#{thread.anchor}")
    page = client.get(url("detail", moss))
    html = lxml.html.fromstring(page.content)
    [article] = html.get_element_by_id(thread.anchor).xpath(".")
    assert "Hvilke dager?" in article.text_content()
    assert "Moss politistasjonsdistrikt" in article.text_content()
    assert article.xpath(".//strong[@class='mention']")[0].text == "@slt-koordinator"
    assert thread.section == section and thread.comments.get().mentions == [Role.SLT_KOORDINATOR]


def test_a_reply_joins_the_thread_and_a_comment_on_a_structured_part_shows_under_its_section(client_for, moss):
    client = client_for("moss_slt")
    client.post(url("comment_create", moss), {"part": "fokusomrader", "body": "Rus bør med."})
    thread = CommentThread.objects.get(agreement=moss)
    client_for("moss_politikontakt").post(url("comment_reply", moss, thread.pk), {"body": "Enig, vi foreslår tekst."})
    html = lxml.html.fromstring(client.get(url("detail", moss)).content)
    article = html.get_element_by_id(thread.anchor)
    assert [li.text_content().split("·")[0].strip() for li in article.xpath(".//li[@class='comment']")] == [
        "Vilde Haugen Berg, Moss kommune",
        "Lars Øien, Moss politistasjonsdistrikt",
    ]
    focus = moss.sections.get(kind="fokusomrader")
    block = html.get_element_by_id(focus.anchor).getparent()
    assert thread.anchor in [el.get("id") for el in block.iter()]


@pytest.mark.parametrize(
    "text,roles",
    [
        ("@politikontakt kan du svare?", [Role.POLITIKONTAKT]),
        ("Til @SLT-koordinator og @ordfører.", [Role.SLT_KOORDINATOR, Role.ORDFORER]),
        ("@slt_koordinator @slt-koordinator", [Role.SLT_KOORDINATOR]),
        ("e-post: post@moss.kommune.no og @ukjent", []),
    ],
)
def test_mentions_are_read_from_role_names(text, roles):
    assert parse_mentions(text) == roles


def test_a_mention_mails_the_holders_of_that_role_in_the_agreements_parties_and_nobody_else(
    personas, moss, smtp, committed
):
    with committed():
        comment_thread_create(
            agreement=moss,
            party=moss.police_party,
            by=personas["moss_politikontakt"],
            section=police_section(moss),
            body="@slt-koordinator og @ordfører: se på dette.",
        )
    smtp.wait_for(2)
    recipients = {m["To"] for m in smtp.messages}
    # The police section's owner is the police (its editors: the leader); the mentions reach Moss kommune's roles.
    assert recipients == {"slt@moss.demo.no", "ordforer@moss.demo.no", "tjenesteenhetsleder.moss@politiet.demo.no"}
    message = smtp.to("slt@moss.demo.no")[0]
    assert "Ny kommentar" in message["Subject"] and police_section(moss).heading in message["Subject"]
    assert "se på dette" in parts(message)["text/plain"]


def test_a_negotiation_mail_respects_the_persons_preference(personas, moss, smtp, committed):
    preferences_set(person=personas["moss_slt"].person, choices={NotificationKind.NEGOTIATION: "off"})
    preferences_set(person=personas["moss_ordforer"].person, choices={NotificationKind.NEGOTIATION: "digest"})
    with committed():
        proposal_create(
            section=kommune_section(moss),
            party=moss.police_party,
            by=personas["moss_politikontakt"],
            text="<p>Ny tekst.</p>",
        )
    smtp.wait_for(1)
    assert not smtp.to("slt@moss.demo.no") and not smtp.to("ordforer@moss.demo.no")
    assert personas["moss_ordforer"].person.digest_items.get().kind == NotificationKind.NEGOTIATION
    assert NotificationPreference.objects.filter(kind=NotificationKind.NEGOTIATION).count() == 2


def test_the_owner_or_the_author_resolves_a_thread_and_it_stays_readable_collapsed(client_for, personas, moss):
    section = kommune_section(moss)
    threads = []
    for body in ("Første", "Andre"):
        client_for("moss_politikontakt").post(url("comment_create", moss), {"section": section.pk, "body": body})
        threads.append(CommentThread.objects.get(comments__body=body))
    assert client_for("moss_leder").post(url("thread_resolve", moss, threads[0].pk)).status_code == 403  # neither
    assert client_for("moss_slt").post(url("thread_resolve", moss, threads[0].pk)).status_code == 302  # owner
    assert client_for("moss_politikontakt").post(url("thread_resolve", moss, threads[1].pk)).status_code == 302
    html = lxml.html.fromstring(client_for("moss_leder").get(url("detail", moss)).content)
    [details] = html.xpath("//details[contains(@class, 'comment-threads__resolved')]")
    assert "2 løste tråder" in details.xpath("./summary")[0].text_content()
    assert "Første" in details.text_content() and "Løst av Vilde Haugen Berg" in details.text_content()
    assert not details.xpath(".//textarea")  # no reply to a resolved thread
    response = client_for("moss_politikontakt").post(url("comment_reply", moss, threads[0].pk), {"body": "Nei"})
    assert response.status_code == 302 and threads[0].comments.count() == 1


# --- change proposals ------------------------------------------------------------------------------------------------


def test_politikontakt_proposes_a_change_shown_as_a_word_diff_against_the_current_text(client_for, moss):
    section = kommune_section(moss)
    client = client_for("moss_politikontakt")
    form = client.get(url("proposal_create", moss, section.pk))
    assert "Kommunen holder kontor på rådhuset." in form.text
    response = propose(client, moss, section, "<p>Kommunen holder kontor på rådhuset hver tirsdag.</p>", "Fast dag")
    proposal = ChangeProposal.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#{proposal.anchor}")
    assert (proposal.party.name, proposal.base_version, proposal.status) == ("Moss politistasjonsdistrikt", 2, "apent")
    page = lxml.html.fromstring(client_for("moss_slt").get(url("detail", moss)).content)
    card = page.get_element_by_id(proposal.anchor)
    assert [el.text_content() for el in card.xpath(".//div[contains(@class, 'diff')]//ins")] == [
        "rådhuset hver tirsdag."
    ]
    assert [el.text_content() for el in card.xpath(".//div[contains(@class, 'diff')]//del")] == ["rådhuset."]
    assert "Fast dag" in card.text_content()
    assert card.xpath(".//a[starts-with(normalize-space(.), 'Svar på forslaget')]")


def test_only_the_side_that_does_not_own_a_section_proposes_and_only_the_owner_answers(client_for, moss):
    section = kommune_section(moss)
    assert client_for("moss_slt").get(url("proposal_create", moss, section.pk)).status_code == 403  # the owner edits
    assert client_for("moss_slt").get(url("proposal_create", moss, police_section(moss).pk)).status_code == 200
    felles = moss.sections.filter(owner=Owner.FELLES).first()
    assert client_for("moss_politikontakt").get(url("proposal_create", moss, felles.pk)).status_code == 403
    assert client_for("randaberg_slt").get(url("proposal_create", moss, section.pk)).status_code == 404
    propose(client_for("moss_politikontakt"), moss, section, "<p>Annen tekst.</p>")
    proposal = ChangeProposal.objects.get()
    assert decide(client_for("moss_leder"), proposal, section, "godta").status_code == 403
    assert decide(client_for("randaberg_slt"), proposal, section, "godta").status_code == 404
    proposal.refresh_from_db()
    assert proposal.is_open


def test_accepting_makes_a_new_version_attributed_to_both(client_for, personas, moss):
    section = kommune_section(moss)
    propose(client_for("moss_politikontakt"), moss, section, "<p>Kommunen holder kontor hver tirsdag.</p>")
    proposal = ChangeProposal.objects.get()
    page = client_for("moss_slt").get(url("proposal", moss, proposal.pk))
    assert page.status_code == 200 and 'name="decision"' in page.text
    response = decide(client_for("moss_slt"), proposal, section, "godta")
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.local_text == "<p>Kommunen holder kontor hver tirsdag.</p>" and section.version == 3
    revision = section.revisions.get(version=3)
    assert (revision.action, revision.created_by, revision.proposed_by) == (
        Action.PROPOSAL_ACCEPTED,
        personas["moss_slt"],
        personas["moss_politikontakt"],
    )
    history = text_of(client_for("moss_slt").get(url("section_history", moss, section.pk)))
    assert "Endringsforslag godtatt" in history and "forslag fra Lars Øien" in history
    page = text_of(client_for("moss_politikontakt").get(url("detail", moss)))
    assert "Kommunen holder kontor hver tirsdag." in page and "1 avgjort endringsforslag" in page


def test_accepting_with_edits_saves_the_owners_text(client_for, moss):
    section = kommune_section(moss)
    propose(client_for("moss_politikontakt"), moss, section, "<p>Kontor hver tirsdag og torsdag.</p>")
    proposal = ChangeProposal.objects.get()
    refused = decide(client_for("moss_slt"), proposal, section, "godta_endret", text="")
    assert refused.status_code == 200 and "Skriv teksten som skal stå i avsnittet." in refused.text
    decide(
        client_for("moss_slt"),
        proposal,
        section,
        "godta_endret",
        text="<p>Kontor hver tirsdag.</p>",
        reason="Torsdag har vi ikke rom.",
    )
    proposal.refresh_from_db()
    section.refresh_from_db()
    assert proposal.status == Status.ACCEPTED_EDITED and section.local_text == "<p>Kontor hver tirsdag.</p>"
    assert proposal.accepted_text == section.local_text and proposal.result_version == section.version


def test_declining_needs_a_reason_and_the_proposer_and_the_page_see_it(client_for, moss):
    section = kommune_section(moss)
    propose(client_for("moss_politikontakt"), moss, section, "<p>Kontor hver dag.</p>")
    proposal = ChangeProposal.objects.get()
    refused = decide(client_for("moss_slt"), proposal, section, "avsla")
    assert refused.status_code == 200 and "Skriv hvorfor forslaget avslås." in refused.text
    assert decide(client_for("moss_slt"), proposal, section, "avsla", reason="Vi har ikke rom.").status_code == 302
    section.refresh_from_db()
    assert section.local_text == "<p>Kommunen holder kontor på rådhuset.</p>" and section.version == 2
    page = text_of(client_for("moss_politikontakt").get(url("proposal", moss, proposal.pk)))
    assert "Avslått" in page and "Vi har ikke rom." in page and "Lagre svaret" not in page


def test_a_proposal_made_against_an_older_version_is_flagged_and_shown_against_both(client_for, personas, moss):
    section = kommune_section(moss)
    propose(client_for("moss_politikontakt"), moss, section, "<p>Kommunen holder kontor på rådhuset hver tirsdag.</p>")
    section_update(section, local_text="<p>Kommunen holder kontor på biblioteket.</p>", by=personas["moss_slt"])
    proposal = ChangeProposal.objects.get()
    page = lxml.html.fromstring(client_for("moss_slt").get(url("proposal", moss, proposal.pk)).content)
    card = page.get_element_by_id(proposal.anchor)
    assert "laget mot en eldre versjon" in card.text_content()
    now, base = card.xpath(".//div[contains(@class, 'diff')]")
    assert "biblioteket." in [d.text_content() for d in now.xpath(".//del")]  # against the text as it is now
    assert [i.text_content() for i in base.xpath(".//ins")] == [
        "rådhuset hver tirsdag."
    ]  # against the text it was made on


def test_accepting_never_overwrites_an_edit_saved_meanwhile(client_for, personas, moss):
    section = kommune_section(moss)
    propose(client_for("moss_politikontakt"), moss, section, "<p>Forslaget.</p>")
    proposal = ChangeProposal.objects.get()
    owner = client_for("moss_slt")
    form = lxml.html.fromstring(owner.get(url("proposal", moss, proposal.pk)).content).forms[-1]
    loaded_version = int(form.fields["version"])
    section_update(section, local_text="<p>Ordføreren skrev dette i mellomtiden.</p>", by=personas["moss_ordforer"])
    response = owner.post(url("proposal", moss, proposal.pk), {"decision": "godta", "version": loaded_version})
    assert response.status_code == 200 and "Noen andre lagret mens du skrev" in response.text
    assert "Ordføreren skrev dette i mellomtiden." in response.text
    section.refresh_from_db()
    proposal.refresh_from_db()
    assert section.local_text == "<p>Ordføreren skrev dette i mellomtiden.</p>" and proposal.is_open
    again = lxml.html.fromstring(response.content).forms[-1]
    assert (
        owner.post(
            url("proposal", moss, proposal.pk), {"decision": "godta", "version": again.fields["version"]}
        ).status_code
        == 302
    )
    section.refresh_from_db()
    assert section.local_text == "<p>Forslaget.</p>"


# --- before signing --------------------------------------------------------------------------------------------------


def negotiated(personas, moss):
    """An accepted and a declined proposal (with its reason), one open proposal and one open comment."""
    slt, politi = personas["moss_slt"], personas["moss_politikontakt"]
    section = kommune_section(moss)
    accepted = proposal_create(section=section, party=moss.police_party, by=politi, text="<p>Godtatt tekst.</p>")
    proposal_decide(proposal=accepted, by=slt, decision="godta", expected_version=section.version)
    declined = proposal_create(section=section, party=moss.police_party, by=politi, text="<p>Avslått tekst.</p>")
    proposal_decide(proposal=declined, by=slt, decision="avsla", expected_version=None, reason="For dyrt.")
    open_one = proposal_create(section=police_section(moss), party=moss.kommuner.get(), by=slt, text="<p>Åpen.</p>")
    comment_thread_create(agreement=moss, party=moss.police_party, by=politi, part="fokusomrader", body="Hva med rus?")
    return accepted, declined, open_one


def test_the_signing_page_shows_what_was_negotiated_and_what_is_open(client_for, personas, moss):
    negotiated(personas, moss)
    html = lxml.html.fromstring(client_for("moss_ordforer").get(url("signing", moss)).content)
    summary = html.get_element_by_id("forhandlet").getparent().text_content()
    summary = " ".join(summary.split())
    heading = kommune_section(moss).heading
    assert f"«{heading}», forslag fra Moss politistasjonsdistrikt: godtatt av Vilde Haugen Berg" in summary
    assert (
        f"«{heading}», forslag fra Moss politistasjonsdistrikt: avslått av Vilde Haugen Berg. Begrunnelse: For dyrt."
        in summary
    )
    assert f"Endringsforslag til «{police_section(moss).heading}» fra Moss kommune – venter på svar" in summary
    assert "Kommentar til «Spesielle fokusområder» fra Moss politistasjonsdistrikt" in summary
    send_form = html.xpath("//form[contains(@action, 'signering/send')]")[0].text_content()
    assert "2 kommentarer og endringsforslag er fortsatt åpne" in " ".join(send_form.split())


def test_a_party_that_requires_its_proposals_settled_blocks_sending_until_they_are(client_for, personas, moss):
    _accepted, _declined, open_one = negotiated(personas, moss)
    slt = client_for("moss_slt")
    assert slt.post(url("negotiation_setting", moss), {"require_settled": "on"}).status_code == 302
    assert NegotiationSetting.objects.get(agreement=moss).party.name == "Moss kommune"
    response = slt.post(url("send_for_signature", moss), follow=True)
    assert "Moss kommune krever at alle partens endringsforslag er avgjort" in response.text
    moss.refresh_from_db()
    assert moss.status == "utkast"
    proposal_decide(
        proposal=open_one, by=personas["moss_leder"], decision="avsla", expected_version=None, reason="Ikke nå."
    )
    response = slt.post(url("send_for_signature", moss), follow=True)
    moss.refresh_from_db()
    assert moss.status == "til_signering", text_of(response)


def test_sending_is_not_blocked_by_the_open_proposals_of_a_party_that_did_not_ask(personas, moss):
    negotiated(personas, moss)
    NegotiationSetting.objects.create(
        agreement=moss, party=moss.police_party, updated_by=personas["moss_leder"], require_settled=True
    )
    agreement_send_for_signature(moss, by=personas["moss_slt"])  # the open proposal is Moss kommune's
    moss.refresh_from_db()
    assert moss.status == "til_signering"


# --- template drift --------------------------------------------------------------------------------------------------


@pytest.fixture
def sogn(personas):
    admin = personas["vest_malansvarlig"]
    template = template_create_for_district(Politidistrikt.objects.get(short_name="Vest"), by=admin)
    return agreement_create(
        police_party=PoliceUnit.objects.get(name="Sogn lensmannsdistrikt"),
        kommuner=[Kommune.objects.get(number="4644")],
        created_by=personas["luster_slt"],
        template=template,
        malform="nb",
    )


MALEN_ER_ENDRA = "Malen er endra"  # Luster's SLT-koordinator reads nynorsk, the kommune's målform


def change_template(personas, section, text):
    ts = TemplateSection.objects.get(pk=section.template_section_id)
    template_section_update(ts, expected_version=ts.version, by=personas["vest_malansvarlig"], standard_text_nb=text)


def test_a_changed_template_shows_malen_er_endret_and_the_owner_adopts_it(client_for, personas, sogn):
    section = sogn.sections.filter(owner=Owner.KOMMUNE).exclude(standard_text="").order_by("order").first()
    assert section.template_version == 1
    page = text_of(client_for("luster_slt").get(url("detail", sogn)))
    assert MALEN_ER_ENDRA not in page
    change_template(personas, section, "<p>Ny standardtekst fra distriktet.</p>")
    html = lxml.html.fromstring(client_for("luster_slt").get(url("detail", sogn)).content)
    drift = html.get_element_by_id(f"{section.anchor}-malen")
    assert MALEN_ER_ENDRA in drift.text_content()
    assert "Ny standardtekst fra distriktet." in [i.text_content() for i in drift.xpath(".//ins")]
    assert drift.xpath(".//button[@value='ta_inn']")
    police_view = lxml.html.fromstring(client_for("sogn_politikontakt").get(url("detail", sogn)).content)
    assert not police_view.get_element_by_id(f"{section.anchor}-malen").xpath(".//button")  # not the owner
    response = client_for("luster_slt").post(
        url("section_template", sogn, section.pk), {"choice": "ta_inn", "version": section.version}
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.standard_text == "<p>Ny standardtekst fra distriktet.</p>" and section.template_version == 2
    assert section.revisions.filter(action=Action.TEMPLATE_ADOPTED).exists()
    assert MALEN_ER_ENDRA not in text_of(client_for("luster_slt").get(url("detail", sogn)))


def test_the_owner_keeps_the_old_text_and_a_later_template_change_shows_again(client_for, personas, sogn):
    section = sogn.sections.filter(owner=Owner.KOMMUNE).exclude(standard_text="").order_by("order").first()
    old = section.standard_text
    change_template(personas, section, "<p>Versjon to.</p>")
    assert (
        client_for("sogn_politikontakt")
        .post(url("section_template", sogn, section.pk), {"choice": "behold", "version": section.version})
        .status_code
        == 403
    )
    client_for("luster_slt").post(
        url("section_template", sogn, section.pk), {"choice": "behold", "version": section.version}
    )
    section.refresh_from_db()
    assert section.standard_text == old and section.template_version == 2
    assert MALEN_ER_ENDRA not in text_of(client_for("luster_slt").get(url("detail", sogn)))
    change_template(personas, section, "<p>Versjon tre.</p>")
    assert MALEN_ER_ENDRA in text_of(client_for("luster_slt").get(url("detail", sogn)))


def test_a_stale_template_choice_is_refused(client_for, personas, sogn):
    section = sogn.sections.filter(owner=Owner.KOMMUNE).exclude(standard_text="").order_by("order").first()
    change_template(personas, section, "<p>Ny.</p>")
    loaded = section.version
    section_update(section, local_text="<p>Lagret i mellomtiden.</p>", by=personas["luster_ordforer"])
    response = client_for("luster_slt").post(
        url("section_template", sogn, section.pk), {"choice": "ta_inn", "version": loaded}, follow=True
    )
    assert "Nokon andre lagra avsnittet medan du las" in response.text  # Luster reads nynorsk
    section.refresh_from_db()
    assert section.template_version == 1


# --- case papers and the kommunestyre's decision ---------------------------------------------------------------------


def case_papers(client, agreement):
    response = client.get(url("case_papers", agreement))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return response.content


def test_the_case_papers_open_with_a_cover_headings_lists_and_the_open_proposals_marked(client_for, personas, moss):
    section = kommune_section(moss)
    section_update(
        section,
        local_text="<p>Innledning.</p><ul><li>første punkt</li><li>andre punkt</li></ul>",
        by=personas["moss_slt"],
    )
    proposal_create(
        section=section,
        party=moss.police_party,
        by=personas["moss_politikontakt"],
        text="<p>Innledning.</p><ul><li>første punkt</li><li>tredje punkt</li></ul>",
        explanation="Andre punkt er gjort.",
    )
    document = docx.Document(io.BytesIO(case_papers(client_for("moss_slt"), moss)))
    paragraphs = document.paragraphs
    assert paragraphs[0].text == "Saksdokument til kommunestyret"
    assert paragraphs[1].style.name == "Title" and paragraphs[1].text == moss.title
    assert "Åpne endringsforslag: 1" in [p.text for p in paragraphs]
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert len(headings) == moss.sections.count() and headings[0].startswith("1. ")
    bullets = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert "første punkt" in bullets and "andre punkt" in bullets
    [marked] = [p for p in paragraphs if p.text.startswith("Endringsforslag fra Moss politistasjonsdistrikt")]
    block = paragraphs[paragraphs.index(marked) : paragraphs.index(marked) + 4]
    diff = next(p for p in block if any(r.font.strike for r in p.runs))
    assert [r.text.strip() for r in diff.runs if r.font.strike] == ["andre"]
    assert [r.text.strip() for r in diff.runs if r.font.highlight_color is not None] == ["tredje"]
    assert "w:shd" in marked._p.xml  # shaded as a block
    assert any("Andre punkt er gjort." in p.text for p in block + paragraphs[paragraphs.index(marked) + 4 :][:1])


@pytest.mark.skipif(
    shutil.which("libreoffice") is None, reason="libreoffice is missing (apt-get install libreoffice-writer-nogui)"
)
def test_the_case_papers_convert_to_pdf_in_libreoffice_with_the_proposal_in_it(client_for, personas, moss, tmp_path):
    proposal_create(
        section=kommune_section(moss),
        party=moss.police_party,
        by=personas["moss_politikontakt"],
        text="<p>Kommunen holder kontor hver tirsdag.</p>",
    )
    source = tmp_path / "saksdokument.docx"
    source.write_bytes(case_papers(client_for("moss_slt"), moss))
    subprocess.run(
        [
            "libreoffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "saksdokument.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Saksdokument til kommunestyret" in text
    assert "Endringsforslag fra Moss politistasjonsdistrikt" in text and "tirsdag." in text


def test_the_kommune_records_the_kommunestyres_decision_on_the_agreement(client_for, moss):
    client = client_for("moss_slt")
    form = client.get(url("council_decision", moss))
    assert form.status_code == 200
    response = client.post(
        url("council_decision", moss),
        {
            "kommune": moss.kommuner.get().pk,
            "case_number": "PS 12/26",
            "decided_on": "2026-03-05",
            "version": moss.version,
        },
    )
    assert response.status_code == 302
    moss.refresh_from_db()
    assert (moss.council_case_number, moss.council_decision_date) == ("PS 12/26", datetime.date(2026, 3, 5))
    assert CouncilDecision.objects.get().recorded_by.person.name == "Vilde Haugen Berg"
    page = text_of(client.get(url("negotiation", moss)))
    assert "Moss kommune: sak PS 12/26, vedtatt 05.03.2026" in page
    assert client_for("moss_politikontakt").get(url("council_decision", moss)).status_code == 403  # the kommune's


# --- the change log and the task list --------------------------------------------------------------------------------


def test_every_comment_proposal_and_decision_is_in_the_change_log(client_for, personas, moss):
    negotiated(personas, moss)
    client_for("moss_slt").post(url("thread_resolve", moss, CommentThread.objects.get().pk))
    actions = list(moss.revisions.values_list("action", flat=True))
    for action in (
        Action.COMMENTED,
        Action.RESOLVED,
        Action.PROPOSED,
        Action.PROPOSAL_ACCEPTED,
        Action.PROPOSAL_DECLINED,
    ):
        assert action in actions, action
    assert actions.count(Action.PROPOSED) == 3
    page = text_of(client_for("moss_politikontakt").get(url("changelog", moss)))
    assert "Endringsforslag avslått" in page and "Moss politistasjonsdistrikt: For dyrt." in page
    assert "Moss politistasjonsdistrikt: Hva med rus?" in page


def test_proposals_waiting_for_my_partys_answer_are_a_task_until_answered(personas, moss):
    section = kommune_section(moss)
    proposal = proposal_create(
        section=section, party=moss.police_party, by=personas["moss_politikontakt"], text="<p>Ny.</p>"
    )

    def tasks(key):
        personas[key].__dict__.pop("_tasks", None)
        return [t for t in tasks_for(personas[key]) if t.kind == agreement_tasks.KIND_PROPOSALS]

    [task] = tasks("moss_slt")
    assert task.title == f"Svar på endringsforslag i «{moss.title}»" and task.url == url("negotiation", moss)
    assert f"1 forslag fra Moss politistasjonsdistrikt venter på svar: {section.heading}." == task.reason
    assert not tasks("moss_politikontakt") and not tasks("randaberg_slt")
    proposal_decide(proposal=proposal, by=personas["moss_slt"], decision="godta", expected_version=None)
    assert not tasks("moss_slt")


# --- nobody outside the agreement's parties ----------------------------------------------------------------------


def test_nobody_outside_the_agreements_parties_sees_a_comment_or_proposal_anywhere(
    client_for, personas, moss, smtp, committed
):
    with committed():
        accepted, declined, open_one = negotiated(personas, moss)
        comment_thread_create(
            agreement=moss,
            party=moss.police_party,
            by=personas["moss_politikontakt"],
            section=kommune_section(moss),
            body="@slt-koordinator @ordfører @politikontakt HEMMELIG",
        )
    smtp.wait_for(3)
    party_addresses = {
        "slt@moss.demo.no",
        "ordforer@moss.demo.no",
        "politikontakt.moss@politiet.demo.no",
        "tjenesteenhetsleder.moss@politiet.demo.no",
    }
    assert {m["To"] for m in smtp.messages} <= party_addresses
    thread = CommentThread.objects.filter(agreement=moss).first()
    pages = [
        url("detail", moss),
        url("negotiation", moss),
        url("signing", moss),
        url("case_papers", moss),
        url("proposal", moss, open_one.pk),
        url("changelog", moss),
    ]
    for key in OUTSIDERS:
        client = client_for(key)
        for page in pages:
            assert client.get(page).status_code == 404, (key, page)
        for post, data in [
            (url("comment_create", moss), {"part": "fokusomrader", "body": "x"}),
            (url("comment_reply", moss, thread.pk), {"body": "x"}),
            (url("thread_resolve", moss, thread.pk), {}),
            (url("proposal", moss, open_one.pk), {"decision": "godta"}),
            (url("negotiation_setting", moss), {"require_settled": "on"}),
        ]:
            assert client.post(post, data).status_code == 404, (key, post)
        personas[key].__dict__.pop("_tasks", None)
        assert not [t for t in tasks_for(personas[key]) if "Moss" in t.title and "forslag" in t.title]
    anonymous = Client()
    assert anonymous.get(url("case_papers", moss)).status_code == 302  # to the login
    for key in ("moss_ordforer", "moss_leder"):  # readers of the parties see it all
        page = text_of(client_for(key).get(url("detail", moss)))
        assert "HEMMELIG" in page and "Endringsforslag fra Moss kommune" in page
    assert b"HEMMELIG" not in case_papers(client_for("moss_slt"), moss)  # comments are not case papers


def test_a_proposal_of_another_tenants_agreement_is_not_found_through_this_agreement(client_for, personas, moss, sogn):
    foreign = proposal_create(
        section=sogn.sections.filter(owner=Owner.POLICE).first(),
        party=sogn.kommuner.get(),
        by=personas["luster_slt"],
        text="<p>Luster.</p>",
    )
    assert client_for("moss_slt").get(url("proposal", moss, foreign.pk)).status_code == 404
    assert client_for("luster_slt").get(url("proposal", sogn, foreign.pk)).status_code == 200


@pytest.mark.parametrize("name", ["comment_create", "negotiation_setting"])
def test_post_only_views_answer_405_to_get(client_for, moss, name):
    assert client_for("moss_slt").get(url(name, moss)).status_code == 405


def test_the_negotiation_pages_are_in_nynorsk_for_a_nynorsk_user(personas, sogn):
    proposal_create(
        section=sogn.sections.filter(owner=Owner.POLICE).first(),
        party=sogn.kommuner.get(),
        by=personas["luster_slt"],
        text="<p>Luster.</p>",
    )
    client = Client(headers={"accept-language": "nn"})
    client.force_login(personas["sogn_politikontakt"])
    page = text_of(client.get(url("negotiation", sogn)))
    assert "Forhandling" in page and "ventar på svar" in page


# --- query counts ------------------------------------------------------------------------------------------------


def add_threads(personas, agreement, count):
    section, politi = kommune_section(agreement), personas["moss_politikontakt"]
    for n in range(count):
        thread = comment_thread_create(
            agreement=agreement, party=agreement.police_party, by=politi, section=section, body=f"Kommentar {n}"
        )
        if n % 3 == 0:
            proposal_create(section=section, party=agreement.police_party, by=politi, text=f"<p>Forslag {n}</p>")
        if n % 4 == 0:
            thread.agreement = agreement


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["detail", "negotiation", "signing"])
def test_query_counts_do_not_grow_with_a_hundred_threads(client_for, personas, moss, page):
    client = client_for("moss_slt")
    add_threads(personas, moss, 1)
    client.get(url(page, moss))
    few = queries(client, url(page, moss))
    add_threads(personas, moss, 99)
    many = queries(client, url(page, moss))
    assert CommentThread.objects.filter(agreement=moss).count() == 100
    assert many == few, f"{page}: {few} queries with one thread, {many} with a hundred"


def test_case_papers_query_count_does_not_grow_with_proposals(client_for, personas, moss):
    client = client_for("moss_slt")
    add_threads(personas, moss, 3)
    few = queries(client, url("case_papers", moss))
    add_threads(personas, moss, 60)
    assert queries(client, url("case_papers", moss)) == few


def test_the_demo_has_a_proposal_waiting_for_moss_kommune(personas):
    from agreements.demo import create_demo_agreement_parts
    from agreements.demo_import import import_demo_agreements

    import_demo_agreements()
    create_demo_agreement_parts()
    create_demo_agreement_parts()  # idempotent
    assert ChangeProposal.objects.count() == 1 and CommentThread.objects.count() == 1
    assert re.search(r"@slt-koordinator", CommentThread.objects.get().comments.get().body)
