"""Where a request may send the browser next, and the request types views are annotated with."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from samarbeid.models import User


class HtmxRequest(HttpRequest):
    """A request through django-htmx's middleware (every request here): `request.htmx` is set."""

    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    """The request a `@login_required` view receives: `request.user` is a signed-in `User`."""

    user: User  # narrows HttpRequest's `User | AnonymousUser`: login_required let only signed-in users in


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` the request names (POST, then GET) if it is a path on this site; otherwise `default`.

    Anything else — another site, `//host`, a scheme, a word that is no URL, a control character — is ignored:
    no open redirect, and no 500 from `redirect()` trying to reverse a word as a URL name.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    own = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if own and target.startswith("/") and target.isprintable() else default


def error_text(error: ValidationError) -> str:
    """A service's ValidationError as one line for the user."""
    return " ".join(error.messages)


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    """A service's ValidationError as an error message on the next page (the one way views report them)."""
    messages.error(request, error_text(error))


def show_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A form's errors as an error message on the next page (a POST-only action that redirects back)."""
    messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors on their fields, the rest on top)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
