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
