from django.utils.functional import SimpleLazyObject

from samarbeid.models import RoleAssignment
from samarbeid.mytasks import tasks_for


def my_parties(request):
    """The parties the signed-in user holds a role in today (for the header), fetched lazily."""

    def parties():
        if not request.user.is_authenticated or not request.user.person_id:
            return []
        roles = RoleAssignment.objects.active().filter(person_id=request.user.person_id).select_related("party")
        return sorted({role.party for role in roles}, key=lambda party: party.name)

    return {"my_parties": SimpleLazyObject(parties)}


def my_task_count(request):
    """How many open tasks the signed-in user has (for the navigation), computed only when a page shows it.

    The same list Min side shows (tasks_for caches it on the user), so it costs the task sources' fixed
    number of queries once per request, and nothing for anonymous visitors."""
    if not request.user.is_authenticated:
        return {}
    return {"my_task_count": lambda: len(tasks_for(request.user))}  # a callable: templates call it when shown
