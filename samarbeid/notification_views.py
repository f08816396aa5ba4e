"""The person's choice, per kind of notification: at once, in the weekly digest, or off."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from samarbeid.http import AuthenticatedRequest
from samarbeid.models import NotificationKind, NotificationPreference
from samarbeid.notifications import ALWAYS_AT_ONCE, preferences_for, preferences_set

Delivery = NotificationPreference.Delivery


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            always = kind in ALWAYS_AT_ONCE
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=[(Delivery.NOW, Delivery.NOW.label)] if always else Delivery.choices,
                disabled=always,
                help_text=gettext_lazy("Signeringsoppdrag kommer alltid med en gang.") if always else "",
            )


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    person = request.user.person
    if person is None:
        raise Http404
    form = NotificationPreferencesForm(request.POST or None, initial=preferences_for(person))
    if request.method == "POST" and form.is_valid():
        preferences_set(person=person, choices=form.cleaned_data)
        messages.success(request, _("Varselinnstillingene er lagret."))
        return redirect("notification_settings")
    return render(request, "notifications/settings.html", {"form": form})
