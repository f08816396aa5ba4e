from django.utils.functional import SimpleLazyObject

from samarbeid.models import RoleAssignment


def my_parties(request):
    """The parties the signed-in user holds a role in today (for the header), fetched lazily."""

    def parties():
        if not request.user.is_authenticated or not request.user.person_id:
            return []
        roles = RoleAssignment.objects.active().filter(person_id=request.user.person_id).select_related("party")
        return sorted({role.party for role in roles}, key=lambda party: party.name)

    return {"my_parties": SimpleLazyObject(parties)}
