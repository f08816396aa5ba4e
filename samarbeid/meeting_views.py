"""Views for one meeting of any forum (politiråd or SLT group): plan, agenda, innkalling, attendance,
minutes, decisions, follow-up, calendar feeds and PDF. Access only through samarbeid.meetings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samarbeid import meetings as svc
from samarbeid.concurrency import StaleEdit, edits_versioned
from samarbeid.http import AuthenticatedRequest, apply_errors, safe_next, show_errors
from samarbeid.meeting_forms import (
    ActionEditForm,
    ActionForm,
    AgendaItemForm,
    AttachmentForm,
    AttendanceForm,
    CloseActionForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    ReopenActionForm,
)
from samarbeid.models import (
    AgendaItem,
    CalendarFeedToken,
    Decision,
    FollowUpAction,
    Meeting,
    MeetingAttachment,
    MeetingRead,
    User,
)
from samarbeid.pdf import render_pdf_html
from samarbeid.pdf_store import pdf_response

# --- pages -------------------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, meeting: Meeting) -> dict:
    """The page renders the reading (what this person may see) and the abilities (what they may do)."""
    reading = svc.meeting_reading(request.user, meeting).with_referatsaker()
    can = svc.meeting_abilities(request.user, meeting)
    forum = meeting.forum
    return {
        "meeting": meeting,
        "forum": forum,
        "forum_url": svc.forum_page_url(forum),
        "reading": reading,
        "items": reading.items,
        "can": can,
        "agenda_form": AgendaItemForm(forum=forum, user=request.user),
        "minutes_forms": MinutesForm.per_item(reading.items) if can["write_minutes"] else {},
        "decision_forms": DecisionForm.per_item(reading.items) if can["write_decisions"] else {},
        "action_forms": (
            ActionForm.per_decision([d for item in reading.items for d in item.decisions], forum, user=request.user)
            if can["write_decisions"]
            else {}
        ),
        "attachment_form": AttachmentForm() if can["edit"] else None,
        "attendance_rows": (
            AttendanceForm.per_member(meeting, reading.attendance)
            if can["edit"]
            else [(membership, record, None) for membership, record in reading.attendance]
        ),
    }


@require_http_methods(["GET", "POST"])
@login_required
def meeting_create(request: AuthenticatedRequest, forum_pk: int) -> HttpResponse:
    forum = svc.forum_for(request.user, forum_pk, manage=True)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = svc.meeting_plan(forum, by=request.user, **form.meeting_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Møtet er planlagt med de faste punktene på sakslisten."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "forum": forum, "meeting": None, "forum_url": svc.forum_page_url(forum)},
    )


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Open approved minutes are public; anyone else who is not logged in is asked to log in first."""
    try:
        meeting = svc.meeting_for(request.user, pk)
    except Http404:
        if request.user.is_authenticated:
            raise
        return redirect_to_login(request.get_full_path())
    context = _detail_context(request, meeting)
    svc.meeting_read_record(context["reading"], what=MeetingRead.What.PAGE)
    return render(request, "meetings/meeting_detail.html", context)


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def meeting_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    can_open = svc.meeting_abilities(request.user, meeting)["open_closed"]
    form = MeetingForm.for_meeting(meeting, request.POST or None, can_open=can_open)
    if request.method == "POST" and form.is_valid():
        try:
            reason = form.cleaned_data.get("reason", "")
            svc.meeting_update(
                meeting, by=request.user, reason=reason, expected_version=form.expected_version, **form.meeting_fields()
            )
        except ValidationError as error:
            apply_errors(form, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Møtet er endret."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "forum": meeting.forum, "meeting": meeting, "forum_url": svc.forum_page_url(meeting.forum)},
    )


TRANSITIONS = {
    "held": (svc.meeting_mark_held, gettext_lazy("Møtet er markert som avholdt.")),
    "approve": (svc.meeting_approve_minutes, gettext_lazy("Referatet er godkjent.")),
    "cancel": (svc.meeting_cancel, gettext_lazy("Møtet er avlyst.")),
}


@require_POST
@login_required
def meeting_transition(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    try:
        if action == "summon":
            recipients, late = svc.meeting_send_innkalling(meeting, by=request.user)
            messages.success(request, _("Innkallingen er sendt til %(count)s medlemmer.") % {"count": len(recipients)})
            if late:
                messages.warning(
                    request,
                    _("Innkallingen ble sendt etter fristen: den skal sendes senest %(days)d dager før møtet.")
                    % {"days": meeting.notice_days},
                )
        elif action in TRANSITIONS:
            service, done = TRANSITIONS[action]
            service(meeting, by=request.user)
            messages.success(request, done)
        else:
            raise Http404
    except ValidationError as error:
        show_errors(request, error)
    return redirect("meetings:detail", pk=meeting.pk)


@require_POST
@login_required
def agenda_item_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    form = AgendaItemForm(request.POST, forum=meeting.forum, user=request.user)
    if form.is_valid():
        try:
            svc.agenda_item_add(meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Saken mangler tittel."))
    return redirect("meetings:detail", pk=meeting.pk)


def _item(request: AuthenticatedRequest, pk: int, item_pk: int) -> tuple[Meeting, AgendaItem]:
    """An item to write minutes or decisions on: only for organisers who may also read them."""
    meeting = svc.meeting_for(request.user, pk, manage=True, minutes=True)
    return meeting, get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)


def _item_response(
    request: AuthenticatedRequest,
    meeting: Meeting,
    item_pk: int,
    refused: MinutesForm | DecisionForm | ActionForm | None = None,
):
    """The agenda item again (htmx) or the meeting page; a refused form comes back as the user filled it in, with
    its errors (or, for minutes someone else saved meanwhile, beside what they saved)."""
    if request.htmx or refused:
        context = _detail_context(request, meeting)
        if isinstance(refused, MinutesForm):
            context["minutes_forms"][item_pk] = refused
        elif isinstance(refused, DecisionForm):
            context["decision_forms"][item_pk] = refused
        elif refused is not None:
            context["action_forms"][refused.decision_pk] = refused
        context["item"] = next(item for item in context["items"] if item.pk == item_pk)
        template = "meetings/meeting_detail.html#agenda-item" if request.htmx else "meetings/meeting_detail.html"
        return render(request, template, context)
    return redirect(reverse("meetings:detail", kwargs={"pk": meeting.pk}) + f"#sak-{item_pk}")


@edits_versioned
@require_POST
@login_required
def agenda_item_minutes(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, item = _item(request, pk, item_pk)
    form = MinutesForm(request.POST, item=item)
    if form.is_valid():
        try:
            svc.agenda_item_write_minutes(
                item, text=form.cleaned_data["minutes"], by=request.user, expected_version=form.expected_version
            )
        except ValidationError as error:
            show_errors(request, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
            return _item_response(request, meeting, item.pk, refused=form)
    return _item_response(request, meeting, item.pk)


@require_POST
@login_required
def decision_create(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, item = _item(request, pk, item_pk)
    form = DecisionForm(request.POST, item_pk=item.pk)
    if form.is_valid():
        try:
            svc.decision_add(item, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        return _item_response(request, meeting, item.pk, refused=form)
    return _item_response(request, meeting, item.pk)


@require_POST
@login_required
def action_create(request: AuthenticatedRequest, pk: int, decision_pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True, minutes=True)
    decision = get_object_or_404(
        Decision.objects.select_related("agenda_item"), pk=decision_pk, agenda_item__meeting=meeting
    )
    form = ActionForm(request.POST, forum=meeting.forum, user=request.user, decision_pk=decision.pk)
    if form.is_valid():
        try:
            svc.action_add(decision, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        return _item_response(request, meeting, decision.agenda_item_id, refused=form)
    return _item_response(request, meeting, decision.agenda_item_id)


@require_POST
@login_required
def attendance_set(request: AuthenticatedRequest, pk: int, membership_pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    membership = get_object_or_404(meeting.forum.memberships.select_related("person"), pk=membership_pk)
    form = AttendanceForm(request.POST, meeting=meeting, membership=membership)
    if form.is_valid():
        try:
            svc.attendance_record(meeting, membership, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    if not form.errors and not request.htmx:
        return redirect(reverse("meetings:detail", kwargs={"pk": meeting.pk}) + "#oppmote")
    context = _detail_context(request, meeting)
    if form.errors:  # the member's row again with the choice made and what is wrong with it
        context["attendance_rows"] = [
            (row, record, form if row.pk == membership.pk else row_form)
            for row, record, row_form in context["attendance_rows"]
        ]
    return render(
        request, "meetings/meeting_detail.html#attendance" if request.htmx else "meetings/meeting_detail.html", context
    )


@require_POST
@login_required
def attachment_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            svc.meeting_attach(
                meeting, upload=form.cleaned_data["file"], title=form.cleaned_data["title"], by=request.user
            )
            messages.success(request, _("Vedlegget er lastet opp."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Velg en fil."))
    return redirect(reverse("meetings:detail", kwargs={"pk": meeting.pk}) + "#vedlegg")


@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """Attachments follow the minutes: a closed meeting's attachments only for its members (and logged)."""
    meeting = svc.meeting_for(request.user, pk)
    reading = svc.meeting_reading(request.user, meeting)
    attachment = next((a for a in reading.attachment_list if a.pk == attachment_pk), None)
    if attachment is None:
        raise Http404
    svc.meeting_read_record(reading, what=MeetingRead.What.ATTACHMENT, attachment=attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def attachment_remove(request: AuthenticatedRequest, pk: int, attachment_pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    attachment = get_object_or_404(
        MeetingAttachment.objects.select_related("meeting"), meeting=meeting, pk=attachment_pk
    )
    try:
        svc.attachment_delete(attachment)
        messages.success(request, _("Vedlegget er slettet."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect(reverse("meetings:detail", kwargs={"pk": meeting.pk}) + "#vedlegg")


# --- follow-up across meetings -----------------------------------------------------------------------------------


@require_GET
@login_required
def forum_actions(request: AuthenticatedRequest, forum_pk: int) -> HttpResponse:
    forum = svc.forum_for(request.user, forum_pk)
    show = request.GET.get("vis", "open")
    actions = svc.actions_for_forums(request.user, [forum]).order_by("status", "due_on", "pk")
    if show == "open":
        actions = actions.filter(status=FollowUpAction.Status.OPEN)
    page = Paginator(actions, 25).get_page(request.GET.get("side"))
    return render(
        request,
        "meetings/actions.html",
        {
            "forum": forum,
            "page": page,
            "show": show,
            "forum_url": svc.forum_page_url(forum),
            "can": svc.forum_abilities(request.user, forum),
            "close_forms": CloseActionForm.per_action(page.object_list),
        },
    )


@require_POST
@login_required
def action_close(request: AuthenticatedRequest, action_pk: int) -> HttpResponse:
    action = svc.action_for(request.user, action_pk)  # the one rule for changing a follow-up
    form = CloseActionForm(request.POST, action_pk=action.pk)
    if form.is_valid():
        try:
            svc.action_close(action, comment=form.cleaned_data["closing_comment"], by=request.user)
            messages.success(request, _("Oppfølgingspunktet er lukket."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        show_errors(request, ValidationError(list(form.errors["closing_comment"])))
    forum_pk = action.decision.agenda_item.meeting.forum_id
    return redirect(safe_next(request, reverse("meetings:actions", kwargs={"forum_pk": forum_pk})))


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def action_edit(request: AuthenticatedRequest, action_pk: int) -> HttpResponse:
    """Edit or reassign a follow-up, reopen a done one; with its history."""
    action = svc.action_for(request.user, action_pk)
    form = ActionEditForm(request.POST or None, action=action, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            svc.action_update(action, by=request.user, expected_version=form.expected_version, **form.edited_data)
        except ValidationError as error:
            apply_errors(form, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
        else:
            messages.success(request, _("Oppfølgingspunktet er endret."))
            return redirect("meetings:action_edit", action_pk=action.pk)
    return render(
        request,
        "meetings/action_edit.html",
        {
            "action": action,
            "form": form,
            "reopen_form": ReopenActionForm(),
            "changes": action.changes.select_related("changed_by__person"),
            "actions_url": reverse(
                "meetings:actions", kwargs={"forum_pk": action.decision.agenda_item.meeting.forum_id}
            ),
        },
    )


@require_POST
@login_required
def action_reopen(request: AuthenticatedRequest, action_pk: int) -> HttpResponse:
    action = svc.action_for(request.user, action_pk)
    form = ReopenActionForm(request.POST)
    if form.is_valid():
        try:
            svc.action_reopen(action, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Oppfølgingspunktet er åpnet igjen."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Skriv hvorfor oppfølgingspunktet åpnes igjen."))
    return redirect("meetings:action_edit", action_pk=action.pk)


# --- calendar ----------------------------------------------------------------------------------------------------


def _ics_response(payload: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk)
    return _ics_response(
        svc.meeting_ical([svc.meeting_reading(request.user, meeting, outbound=True, outline=True)], meeting.forum.name),
        "mote.ics",
    )


@require_http_methods(["GET", "POST"])
@login_required
def calendar(request: AuthenticatedRequest) -> HttpResponse:
    """The user's secret calendar-feed address; POST makes a new secret (the old address stops working)."""
    if request.method == "POST":
        CalendarFeedToken.objects.filter(user=request.user).delete()
        messages.success(request, _("Du har fått en ny kalenderadresse. Den gamle virker ikke lenger."))
        return redirect("meetings:calendar")
    token, _created = CalendarFeedToken.objects.get_or_create(user=request.user)
    forums = svc.forums_visible_to(request.user).order_by("name")
    feed = request.build_absolute_uri(reverse("meetings:user_feed", kwargs={"token": token.token}))
    forum_feeds = [
        (
            forum,
            request.build_absolute_uri(
                reverse("meetings:forum_feed", kwargs={"token": token.token, "forum_pk": forum.pk})
            ),
        )
        for forum in forums
    ]
    return render(request, "meetings/calendar.html", {"feed": feed, "forum_feeds": forum_feeds})


def _feed_user(token: str) -> User:
    link = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if link is None:
        raise Http404
    return link.user


FEED_CACHE_SECONDS = 24 * 60 * 60


def _feed_response(request: HttpRequest, user: User, forums, name: str, **filters) -> HttpResponse:
    """A calendar feed of the past year's and all planned meetings of `forums` the user may see. Calendar apps
    ask often: a matching If-None-Match / If-Modified-Since gets 304 from the feed's version alone (a few
    aggregate queries), and a feed already built for this version is served from the cache."""
    meetings = svc.meetings_visible_to(user).filter(starts_at__gte=svc.feed_window_start(), **filters)
    version = svc.meeting_feed_version(forums, meetings, calendar_name=name)
    last_modified = int(version.last_modified.timestamp()) if version.last_modified else None
    response = get_conditional_response(request, etag=version.etag, last_modified=last_modified)
    if response is None:
        key = f"meetings:feed:{user.pk}:{version.etag.strip(chr(34))}"
        payload = cache.get(key)
        if payload is None:
            readings = svc.meeting_readings(
                user, meetings.select_related("forum").order_by("starts_at", "pk"), outbound=True, outline=True
            )
            payload = svc.meeting_ical(readings, name)
            cache.set(key, payload, FEED_CACHE_SECONDS)
        response = _ics_response(payload, "moter.ics")
    response["ETag"] = version.etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def user_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Every meeting of the forums the token's user may see (a calendar app cannot log in)."""
    user = _feed_user(token)
    return _feed_response(request, user, svc.forums_visible_to(user), _("Mine møter"))


@require_GET
def forum_feed(request: HttpRequest, token: str, forum_pk: int) -> HttpResponse:
    user = _feed_user(token)
    forum = svc.forum_for(user, forum_pk)
    return _feed_response(request, user, [forum], forum.name, forum=forum)


# --- PDF ---------------------------------------------------------------------------------------------------------


@require_GET
@login_required
def meeting_pdf(request: AuthenticatedRequest, pk: int, document: str) -> HttpResponseBase:
    """Innkalling (agenda) or referat (minutes, only for those who may read them) as PDF."""
    if document not in svc.MeetingDocument.values:
        raise Http404
    kind = svc.MeetingDocument(document)
    referat = kind == svc.MeetingDocument.REFERAT
    meeting = svc.meeting_for(request.user, pk, minutes=referat)
    reading = svc.meeting_reading(request.user, meeting)
    title = f"{kind.label} – {meeting}"
    context = svc.meeting_document_context(reading, kind)
    draft = referat and meeting.status != Meeting.Status.MINUTES_APPROVED
    html = render_pdf_html("meetings/pdf/meeting.html", context, request=request, title=title, draft=draft)

    def record_read():
        svc.meeting_read_record(reading, what=MeetingRead.What.REFERAT_PDF)

    return pdf_response(
        request,
        html,
        filename=f"{document}-{meeting.starts_at:%Y-%m-%d}.pdf",
        title=title,
        on_serve=record_read if referat else None,
    )
