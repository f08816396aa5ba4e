"""Views for one meeting of any forum (politiråd or SLT group): plan, agenda, innkalling, attendance,
minutes, decisions, follow-up, calendar feeds and PDF. Access only through samarbeid.meetings."""

import dataclasses
import datetime

from django import forms
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
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samarbeid import meetings as svc
from samarbeid.concurrency import StaleEdit, VersionedForm, edits_versioned
from samarbeid.forms import DateInput, TimeInput
from samarbeid.http import AuthenticatedRequest, apply_errors, safe_next, show_errors
from samarbeid.models import (
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    Decision,
    FollowUpAction,
    ForumMembership,
    Meeting,
    MeetingAttachment,
    MeetingRead,
    Party,
    Person,
    User,
)
from samarbeid.pdf import render_pdf_html
from samarbeid.pdf_store import pdf_response

# --- forms -------------------------------------------------------------------------------------------------------


class MeetingForm(VersionedForm, forms.Form):
    date = forms.DateField(label=gettext_lazy("Dato"), widget=DateInput)
    starts = forms.TimeField(label=gettext_lazy("Fra kl."), widget=TimeInput)
    ends = forms.TimeField(label=gettext_lazy("Til kl."), widget=TimeInput)
    place = forms.CharField(label=gettext_lazy("Sted"), max_length=200, required=False)
    theme = forms.CharField(label=gettext_lazy("Tema"), max_length=200, required=False)
    is_closed = forms.BooleanField(label=gettext_lazy("Lukket møte (unntatt offentlighet)"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Hjemmel eller grunn for å åpne møtet"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Kreves når et lukket møte åpnes. Blir stående i historikken."),
    )

    def __init__(self, *args, meeting: Meeting | None = None, can_open: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting is None or not meeting.is_closed:
            del self.fields["reason"]
        elif not can_open:
            # Only the leader or a member may open a closed meeting; the others are not offered it.
            self.fields["is_closed"].disabled = True
            self.fields["is_closed"].help_text = (
                _("Møter i koordineringsgrupper er alltid lukket.")
                if meeting.forum.kind in svc.ALWAYS_CLOSED_KINDS
                else _("Bare lederen eller et medlem av forumet kan åpne møtet.")
            )
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            raise ValidationError(_("Møtet må slutte etter at det begynner."))
        return data

    def meeting_fields(self) -> dict:
        data = self.cleaned_data
        aware = timezone.get_current_timezone()
        return {
            "starts_at": datetime.datetime.combine(data["date"], data["starts"], tzinfo=aware),
            "ends_at": datetime.datetime.combine(data["date"], data["ends"], tzinfo=aware),
            "place": data["place"],
            "theme": data["theme"],
            "is_closed": data["is_closed"],
        }

    @classmethod
    def for_meeting(cls, meeting: Meeting, data=None, *, can_open: bool) -> "MeetingForm":
        return cls(
            data, meeting=meeting, can_open=can_open, initial=cls.stored_values(meeting), version=meeting.version
        )

    @staticmethod
    def stored_values(meeting: Meeting) -> dict:
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        return {
            "date": starts.date(),
            "starts": starts.time(),
            "ends": ends.time(),
            "place": meeting.place,
            "theme": meeting.theme,
            "is_closed": meeting.is_closed,
        }


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Sak"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Beskrivelse"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    proposed_by = forms.ModelChoiceField(
        label=gettext_lazy("Meldt inn av"), queryset=Party.objects.none(), required=False
    )

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed_by"].queryset = Party.objects.filter(pk__in=[p.pk for p in forum.parties()])


class MinutesForm(VersionedForm, forms.Form):
    minutes = forms.CharField(label=gettext_lazy("Referat"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    @staticmethod
    def stored_values(item: AgendaItem) -> dict:
        return {"minutes": item.minutes}


class DecisionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Vedtak"), widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Oppfølging"), max_length=500)
    responsible_person = forms.ModelChoiceField(
        label=gettext_lazy("Ansvarlig"), queryset=Person.objects.none(), required=False
    )
    responsible_party = forms.ModelChoiceField(
        label=gettext_lazy("Ansvarlig part"), queryset=Party.objects.none(), required=False
    )
    due_on = forms.DateField(label=gettext_lazy("Frist"), required=False, widget=DateInput)

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = svc.forum_action_people(forum)
        self.fields["responsible_party"].queryset = Party.objects.filter(pk__in=[p.pk for p in forum.parties()])


class ActionEditForm(VersionedForm, ActionForm):
    """An existing follow-up: its text, who answers for it and by when (its version as read)."""

    def __init__(self, *args, action: FollowUpAction, **kwargs):
        initial = {
            "description": action.description,
            "responsible_person": action.responsible_person_id,
            "responsible_party": action.responsible_party_id,
            "due_on": action.due_on,
        }
        forum = action.decision.agenda_item.meeting.forum
        super().__init__(*args, initial=initial, version=action.version, forum=forum, **kwargs)

    def stored_values(self, obj) -> dict:
        return {
            "description": obj.description,
            "responsible_person": obj.responsible_person,
            "responsible_party": obj.responsible_party,
            "due_on": obj.due_on,
        }


class ReopenActionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor åpnes det igjen?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tittel"), max_length=200, required=False)
    file = forms.FileField(label=gettext_lazy("Fil (PDF, DOCX eller ODT)"))


class CloseActionForm(forms.Form):
    closing_comment = forms.CharField(label=gettext_lazy("Kommentar"), widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    membership = forms.ModelChoiceField(queryset=ForumMembership.objects.none(), widget=forms.HiddenInput)
    status = forms.ChoiceField(label=gettext_lazy("Oppmøte"), choices=Attendance.Status.choices)
    represented_by = forms.ModelChoiceField(
        label=gettext_lazy("Representert ved"), queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = meeting.forum.memberships.all()
        self.fields["represented_by"].queryset = Person.objects.filter(forum_memberships__forum=meeting.forum)


# --- pages -------------------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, meeting: Meeting) -> dict:
    """The page renders the reading (what this person may see) and the abilities (what they may do)."""
    reading = svc.meeting_reading(request.user, meeting)
    can = svc.meeting_abilities(request.user, meeting)
    forum = meeting.forum
    return {
        "meeting": meeting,
        "forum": forum,
        "forum_url": svc.forum_page_url(forum),
        "reading": reading,
        "items": reading.items,
        "can": can,
        "agenda_form": AgendaItemForm(forum=forum),
        "action_people": list(svc.forum_action_people(forum)) if can["write_decisions"] else [],
        "action_parties": forum.parties() if can["write_decisions"] else [],
        "attachment_form": AttachmentForm() if can["edit"] else None,
        "attendance_statuses": Attendance.Status.choices,
        "deputies": Person.objects.filter(forum_memberships__forum=forum).distinct() if can["edit"] else [],
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
    form = AgendaItemForm(request.POST, forum=meeting.forum)
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


def _item_response(request: AuthenticatedRequest, meeting: Meeting, item_pk: int, stale: MinutesForm | None = None):
    """The agenda item again (htmx) or the meeting page; after a conflict with the user's minutes in the form."""
    if request.htmx or stale:
        context = _detail_context(request, meeting)
        if stale:  # the user's own text stays in the form, beside what the other person saved
            context["items"] = tuple(
                dataclasses.replace(item, minutes=stale.cleaned_data["minutes"], conflict=stale.conflict)
                if item.pk == item_pk
                else item
                for item in context["items"]
            )
        context["item"] = next(item for item in context["items"] if item.pk == item_pk)
        template = "meetings/meeting_detail.html#agenda-item" if request.htmx else "meetings/meeting_detail.html"
        return render(request, template, context)
    return redirect(reverse("meetings:detail", kwargs={"pk": meeting.pk}) + f"#sak-{item_pk}")


@edits_versioned
@require_POST
@login_required
def agenda_item_minutes(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, item = _item(request, pk, item_pk)
    form = MinutesForm(request.POST, version=item.version)
    if form.is_valid():
        try:
            svc.agenda_item_write_minutes(
                item, text=form.cleaned_data["minutes"], by=request.user, expected_version=form.expected_version
            )
        except ValidationError as error:
            show_errors(request, error)
        except StaleEdit as stale:
            form.show_conflict(stale)
            return _item_response(request, meeting, item.pk, stale=form)
    return _item_response(request, meeting, item.pk)


@require_POST
@login_required
def decision_create(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, item = _item(request, pk, item_pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            svc.decision_add(item, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Skriv vedtaket."))
    return _item_response(request, meeting, item.pk)


@require_POST
@login_required
def action_create(request: AuthenticatedRequest, pk: int, decision_pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True, minutes=True)
    decision = get_object_or_404(
        Decision.objects.select_related("agenda_item"), pk=decision_pk, agenda_item__meeting=meeting
    )
    form = ActionForm(request.POST, forum=meeting.forum)
    if form.is_valid():
        try:
            svc.action_add(decision, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Oppfølgingspunktet mangler beskrivelse."))
    return _item_response(request, meeting, decision.agenda_item_id)


@require_POST
@login_required
def attendance_set(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = svc.meeting_for(request.user, pk, manage=True)
    form = AttendanceForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            svc.attendance_record(meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Velg oppmøte."))
    if request.htmx:
        return render(request, "meetings/meeting_detail.html#attendance", _detail_context(request, meeting))
    return redirect(reverse("meetings:detail", kwargs={"pk": meeting.pk}) + "#oppmote")


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
            "close_form": CloseActionForm(),
        },
    )


@require_POST
@login_required
def action_close(request: AuthenticatedRequest, action_pk: int) -> HttpResponse:
    action = svc.action_for(request.user, action_pk)  # the one rule for changing a follow-up
    form = CloseActionForm(request.POST)
    if form.is_valid():
        try:
            svc.action_close(action, comment=form.cleaned_data["closing_comment"], by=request.user)
            messages.success(request, _("Oppfølgingspunktet er lukket."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Skriv en kort kommentar om hva som ble gjort."))
    forum_pk = action.decision.agenda_item.meeting.forum_id
    return redirect(safe_next(request, reverse("meetings:actions", kwargs={"forum_pk": forum_pk})))


@edits_versioned
@require_http_methods(["GET", "POST"])
@login_required
def action_edit(request: AuthenticatedRequest, action_pk: int) -> HttpResponse:
    """Edit or reassign a follow-up, reopen a done one; with its history."""
    action = svc.action_for(request.user, action_pk)
    form = ActionEditForm(request.POST or None, action=action)
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
        svc.meeting_ical([svc.meeting_reading(request.user, meeting, outbound=True)], meeting.forum.name), "mote.ics"
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
                user, meetings.select_related("forum").order_by("starts_at", "pk"), outbound=True
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
    if document not in ("innkalling", "referat"):
        raise Http404
    meeting = svc.meeting_for(request.user, pk, minutes=document == "referat")
    reading = svc.meeting_reading(request.user, meeting)
    title = (_("Innkalling") if document == "innkalling" else _("Referat")) + f" – {meeting}"
    context = {"meeting": meeting, "reading": reading, "document": document}
    draft = document == "referat" and meeting.status != Meeting.Status.MINUTES_APPROVED
    html = render_pdf_html("meetings/pdf/meeting.html", context, request=request, title=title, draft=draft)

    def record_read():
        svc.meeting_read_record(reading, what=MeetingRead.What.REFERAT_PDF)

    return pdf_response(
        request,
        html,
        filename=f"{document}-{meeting.starts_at:%Y-%m-%d}.pdf",
        title=title,
        on_serve=record_read if document == "referat" else None,
    )
