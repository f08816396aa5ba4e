from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People get their login from their party's administrator; there is no open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def pre_login(self, request, user, **kwargs):
        """The password is right: speak the person's målform from here on, the second factor's page included."""
        from samarbeid.middleware import speak_malform_of

        speak_malform_of(request, user)
        return super().pre_login(request, user, **kwargs)

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The failed-login limit per account counts failures from one client address only.

        allauth counts the `login_failed` "key" limit *before* it checks the password, so once a stranger
        has used up an account's allowance the owner's right password is refused too: anyone who knows an
        e-mail address could keep its owner locked out. Keyed by account and address together, a stranger's
        failures lock out only the stranger's own address, while brute force from one address stays limited
        twice (5 per account per 5 minutes, and 10 a minute in all with an IPv6 /64 counted as one address;
        ACCOUNT_RATE_LIMITS). A guesser spread over many addresses is not stopped by this limit; the password
        rules (10 characters, no common passwords) and, for signing, the second factor stand
        against that. A password reset clears this same key, so the two stay in step.

        allauth's own key starts with the request's host *with its port* (there is no sites framework
        here), and Django accepts any port on an allowed host: "Host: samarbeid.example.no:1", ":2", ...
        would each get a fresh allowance. One installation is one site, so the host is left out.
        """
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{login}:{self.get_client_ip(request)}"
