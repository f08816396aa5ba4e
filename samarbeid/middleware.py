from django.core.exceptions import BadRequest
from django.utils import timezone

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


def refuse_nul_bytes_middleware(get_response):
    """400 for a NUL byte in the path or a query parameter: PostgreSQL refuses it in any text, so it must not
    reach a lookup (/slt/kommune/%00/ was a 500). Forms refuse it in posted text themselves."""

    def middleware(request):
        values = [request.path, *(text for key, vals in request.GET.lists() for text in [key, *vals])]
        if any("\x00" in text for text in values):
            raise BadRequest("NUL byte in the URL")
        return get_response(request)

    return middleware
