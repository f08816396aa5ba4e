import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from samarbeid.http import AuthenticatedRequest, show_errors
from samarbeid.invitations import invitation_accept, invitation_decline, invitation_for, invitations_for_user
from samarbeid.middleware import remember_malform
from samarbeid.models import Malform, RoleAssignment
from samarbeid.mytasks import remember_task_count, tasks_grouped


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("min_side")
    return render(request, "samarbeid/home.html")


@require_GET
@login_required
def min_side(request: AuthenticatedRequest) -> HttpResponse:
    roles = (
        RoleAssignment.objects.filter(person_id=request.user.person_id).select_related("party").order_by("-starts_on")
        if request.user.person_id
        else RoleAssignment.objects.none()
    )
    invitations = [i for i in invitations_for_user(request.user) if i.target is not None]
    today = timezone.localdate()
    tasks = tasks_grouped(request.user, today)
    remember_task_count(request, len(tasks))  # the navigation's count is exact here
    return render(
        request,
        "samarbeid/min_side.html",
        {
            "roles": roles,
            "invitations": invitations,
            "tasks": tasks,
            "today": today,
        },
    )


@require_POST
@login_required
def invitation_answer(request: AuthenticatedRequest, pk: int, accept: bool) -> HttpResponse:
    """Accept or decline an invitation to a kommune the user acts for."""
    invitation = invitation_for(request.user, pk)
    try:
        if accept:
            invitation_accept(invitation, by=request.user)
            messages.success(
                request,
                _("%(kommune)s er nå med i «%(target)s».")
                % {"kommune": invitation.kommune.name, "target": invitation.target},
            )
        else:
            invitation_decline(invitation, by=request.user)
            messages.success(request, _("Invitasjonen er avslått."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect("min_side")


# The accessibility statement and the privacy page: public, written out in both målformer (long legal text reads
# better whole than cut into messages), the owner and addresses from settings.
STATEMENT_UPDATED = "2026-12-01"


def _page(request: HttpRequest, name: str) -> HttpResponse:
    language = "nn" if get_language() == "nn" else "nb"
    context = {
        "owner": settings.SERVICE_OWNER,
        "contact_email": settings.SERVICE_CONTACT_EMAIL,
        "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "site_url": settings.SITE_URL,
        "updated": datetime.date.fromisoformat(STATEMENT_UPDATED),
    }
    return render(request, f"samarbeid/pages/{name}.{language}.html", context)


@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """Tilgjengelighetserklæring in the format of uustatus.no."""
    return _page(request, "tilgjengelighet")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """Personvernerklæring: what personal data is processed, why, on what basis, for how long, and one's rights."""
    return _page(request, "personvern")


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language switch: for everyone Django's cookie; for a signed-in person also their own choice, kept
    (`Person.language`), so that pages and e-mail speak their målform from the next login on too."""
    response = set_language(request)
    language = request.POST.get("language")
    person = request.user.person if request.user.is_authenticated else None
    if person is not None and language in Malform.values:
        person.language = language
        person.save(update_fields=["language"])
        remember_malform(request, language)
    return response


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon the pages link (its static
    address is looked up per request, so that a manifest made by collectstatic is read only when it exists)."""
    return redirect(static("img/favicon.svg"), permanent=True)
