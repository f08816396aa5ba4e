from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from samarbeid.models import RoleAssignment
from samarbeid.mytasks import task_count


def _user(request):
    """The request's user; anonymous where a middleware refused the request before authentication ran (a 400)."""
    return getattr(request, "user", None) or AnonymousUser()


def my_parties(request):
    """The parties the signed-in user holds a role in today (for the header), fetched lazily."""

    def parties():
        user = _user(request)
        if not user.is_authenticated or not user.person_id:
            return []
        roles = RoleAssignment.objects.active().filter(person_id=user.person_id).select_related("party")
        roles = roles.order_by()  # sorted here by the party's name: no join on the person for the model's ordering
        return sorted({role.party for role in roles}, key=lambda party: party.name)

    return {"my_parties": SimpleLazyObject(parties)}


def my_task_count(request):
    """How many open tasks the signed-in user has (for the navigation), read only when a page shows it.

    Kept in the session by Min side (samarbeid.mytasks.task_count): no query on most pages, the task sources'
    fixed number when it is recounted; nothing for anonymous visitors."""
    if not _user(request).is_authenticated:
        return {}
    return {"my_task_count": lambda: task_count(request)}  # a callable: templates call it when shown
