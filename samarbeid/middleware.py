from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samarbeid.permissions import sync_user_roles


def current_roles_middleware(get_response):
    """Once a day per user, bring group membership in line with the roles held today.

    Roles have date periods, so a daily re-sync makes an ended role grant nothing from the day after
    it ends, without a scheduler.
    """

    def middleware(request):
        user = request.user
        if user.is_authenticated and user.roles_synced_on != timezone.localdate():
            sync_user_roles(user)
        return get_response(request)

    return middleware


MALFORM_SESSION_KEY = "samarbeid_malform"
# Where allauth keeps a login that waits for its second factor (allauth.account.internal.stagekit.LOGIN_SESSION_KEY).
PENDING_LOGIN_SESSION_KEY = "account_login"


def remember_malform(request, malform: str | None) -> None:
    """Keep the signed-in person's own målform in their session (read on every request, worked out once)."""
    request.session[MALFORM_SESSION_KEY] = [request.user.pk, malform]


def speak_malform_of(request, user) -> None:
    """Work out the person's own målform, keep it in the session and speak it from this request on."""
    if request is None or not hasattr(request, "session") or not user.person_id:
        return
    malform = user.person.own_malform()
    request.session[MALFORM_SESSION_KEY] = [user.pk, malform]
    if malform:
        translation.activate(malform)
        request.LANGUAGE_CODE = malform


def remember_malform_at_login(sender, request, user, **kwargs) -> None:
    """On `user_logged_in` (connected in SamarbeidConfig.ready): work out the målform as the session starts, so
    that no page pays for it, and speak it from the login request on (its "logged in as" message is shown on the
    first page)."""
    speak_malform_of(request, user)


def person_malform_middleware(get_response):
    """Speak to a signed-in person in their own målform (`Person.own_malform`): their choice, else their kommune's.

    Runs after LocaleMiddleware, which has chosen from the language cookie or the browser; that choice holds for
    everyone without a målform of their own. Worked out when the password is right (before the second factor's
    page) and kept in the session (here only for a session that began before this was kept)."""

    def middleware(request):
        user = request.user
        if not user.is_authenticated and PENDING_LOGIN_SESSION_KEY in request.session:
            # Between the password and the second factor (AccountAdapter.pre_login remembered whose login it is).
            remembered = request.session.get(MALFORM_SESSION_KEY)
            if remembered and remembered[1]:
                translation.activate(remembered[1])
                request.LANGUAGE_CODE = remembered[1]
        elif user.is_authenticated and user.person_id:
            remembered = request.session.get(MALFORM_SESSION_KEY)
            if not remembered or remembered[0] != user.pk:
                remember_malform(request, user.person.own_malform())
                remembered = request.session[MALFORM_SESSION_KEY]
            if remembered[1]:
                translation.activate(remembered[1])
                request.LANGUAGE_CODE = remembered[1]
        return get_response(request)

    return middleware


# Room for the other fields and the multipart framing around the largest file a form accepts.
MULTIPART_OVERHEAD_BYTES = 256 * 1024


def request_size_limit(request) -> int:
    """The largest body a request of this kind may declare: a file upload (multipart) up to MAX_UPLOAD_SIZE,
    anything else up to DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return settings.MAX_UPLOAD_SIZE + MULTIPART_OVERHEAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def request_size_cap_middleware(get_response):
    """Refuse with 413 a request whose Content-Length is over its limit, before anything reads the body.

    Without it Django streams a large upload to a temporary file and only then does the form refuse it. A body
    sent without Content-Length is not read by Django at all."""

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = request_size_limit(request)
        if length > limit:
            message = _("Forespørselen er for stor (%(size)s MB). Største tillatte størrelse er %(max)s MB.") % {
                "size": round(length / 1024 / 1024, 1),
                "max": round(limit / 1024 / 1024),
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware


def refuse_nul_bytes_middleware(get_response):
    """400 for a NUL byte in the path or a query parameter: PostgreSQL refuses it in any text, so it must not
    reach a lookup (/slt/kommune/%00/ was a 500). Forms refuse it in posted text themselves."""

    def middleware(request):
        values = [request.path, *(text for key, vals in request.GET.lists() for text in [key, *vals])]
        if any("\x00" in text for text in values):
            raise BadRequest("NUL byte in the URL")
        return get_response(request)

    return middleware
