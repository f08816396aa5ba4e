"""allauth's TOTP enrolment, returning to the page that sent the user there.

The signing page sends someone without a second factor here with ?next=<the signing page>; once the
authenticator app is activated they land back on that page instead of allauth's MFA overview. A `next` that
points to another host (or scheme) is ignored, as allauth does for its own login redirects.
"""

from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request) -> str | None:
    """The request's `next` (query string or form), if it stays on this site."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


class ActivateTOTPThenReturnView(ActivateTOTPView):
    template_name = "mfa/totp/activate_form.html"

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(**kwargs) | {"next": safe_next(self.request)}

    def get_success_url(self) -> str:
        return safe_next(self.request) or super().get_success_url()


activate_totp = ActivateTOTPThenReturnView.as_view()
