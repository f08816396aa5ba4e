from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from samarbeid.models import RoleAssignment


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("min_side")
    return render(request, "samarbeid/home.html")


@require_GET
@login_required
def min_side(request: HttpRequest) -> HttpResponse:
    roles = (
        RoleAssignment.objects.filter(person_id=request.user.person_id).select_related("party").order_by("-starts_on")
        if request.user.person_id
        else RoleAssignment.objects.none()
    )
    return render(request, "samarbeid/min_side.html", {"roles": roles})
