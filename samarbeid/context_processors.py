from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from samarbeid.mytasks import my_roles, task_count


def _user(request):
    """The request's user; anonymous where a middleware refused the request before authentication ran (a 400)."""
    return getattr(request, "user", None) or AnonymousUser()


def my_parties(request):
    """The parties the signed-in user holds a role in today (for the header), fetched lazily (the roles the task
    sources read: on Min side no query of its own)."""

    def parties():
        roles = my_roles(_user(request), timezone.localdate())
        return sorted({role.party for role in roles}, key=lambda party: party.name)

    return {"my_parties": SimpleLazyObject(parties)}


def my_task_count(request):
    """How many open tasks the signed-in user has (for the navigation), read only when a page shows it.

    Kept in the session by Min side (samarbeid.mytasks.task_count): no query on most pages, the task sources'
    fixed number when it is recounted; nothing for anonymous visitors."""
    if not _user(request).is_authenticated:
        return {}
    return {"my_task_count": lambda: task_count(request)}  # a callable: templates call it when shown
