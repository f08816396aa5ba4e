from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People get their login from their party's administrator; there is no open sign-up."""

    def is_open_for_signup(self, request):
        return False
