"""Two real server processes share the failed-login limit and the TOTP replay guard.

Production runs several gunicorn workers; a limit kept in one process's memory is a limit per worker (with
4 workers, 14 wrong passwords got through and one TOTP code was accepted 4 times). Here two gunicorn
servers, each its own process, run on loopback ports against one file SQLite database, sharing the
database cache (the default) or Redis (REDIS_URL, with a key prefix of this run only, removed afterwards).
The client alternates between them as a load balancer would.
"""

import http.cookiejar
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings

PASSWORD = "Samarbeid-to-prosesser-2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
GUESSED = "slt@to-prosesser.test"
WITH_TOTP = "ordforer@to-prosesser.test"
REDIS = ("127.0.0.1", 6379)
CACHE_TABLE = "samarbeid_cache"  # the database cache's table (samarbeid/settings.py)
WRONG = "E-postadressen og/eller passordet du oppgav er feil"
TOO_MANY = "For mange innloggingsforsøk"

# The start of a setup script for a process of its own: Django, the tables without migrations (the schema is all a
# login needs) and the cache table. Used here and by tests/test_two_processes.py.
SCHEMA_PRELUDE = """import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import ScryptPasswordHasher
from django.core.management import call_command
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
call_command("createcachetable", verbosity=0)
"""

# Tables without migrations, the cache table (SCHEMA_PRELUDE), and two users whose
# password hash is a light scrypt one, so that a wrong password costs milliseconds, not a second of PBKDF2
# (Django "hardens" the runtime of a wrong password to the default hasher's cost, unless the hasher differs).
SETUP = f"""
{SCHEMA_PRELUDE}from allauth.mfa.totp.internal.auth import TOTP
from samarbeid.models import User
for email in [{GUESSED!r}, {WITH_TOTP!r}]:
    user = User.objects.create_user(email)
    user.password = ScryptPasswordHasher().encode({PASSWORD!r}, "saltsaltsalt", n=2**10)
    user.save()
TOTP.activate(User.objects.get(email={WITH_TOTP!r}), {SECRET!r})
"""


def server_env(database: str, redis_prefix: str | None) -> dict:
    leave_out = ("DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in leave_out}
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="true", DJANGO_SETTINGS_MODULE="samarbeid.settings")
    if redis_prefix:
        env.update(REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0", CACHE_KEY_PREFIX=redis_prefix)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_is_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("two-processes") / "db.sqlite3"
    subprocess.run(
        [sys.executable, "-c", SETUP], cwd=settings.BASE_DIR, env=server_env(path, None), check=True, timeout=120
    )
    return path


@dataclass
class Servers:
    urls: list[str]
    redis_prefix: str | None
    database: Path

    def forget_limits(self) -> None:
        """Empty the shared cache, as if the limits' windows had passed."""
        if self.redis_prefix:
            connection = redis.Redis(*REDIS)
            for key in connection.scan_iter(f"{self.redis_prefix}:*"):
                connection.delete(key)
            connection.close()
        else:
            connection = sqlite3.connect(self.database)
            with connection:
                connection.execute(f"DELETE FROM {CACHE_TABLE}")
            connection.close()


@pytest.fixture(scope="module", params=["database-cache", "redis"])
def two_servers(request, database):
    """Two gunicorn servers (one worker each) on their own ports; stopped, and their Redis keys removed, after."""
    redis_prefix = None
    if request.param == "redis":
        if not redis_is_up():
            if os.environ.get("CI"):
                pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        redis_prefix = f"samarbeid-test-{uuid.uuid4().hex}"
    env, log = server_env(database, redis_prefix), database.parent / f"{request.param}.log"
    ports, processes = [free_port(), free_port()], []
    with open(log, "ab") as output:
        for port in ports:
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "samarbeid.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ]
            processes.append(
                subprocess.Popen(
                    command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=output, start_new_session=True
                )
            )
    started = Servers([f"http://127.0.0.1:{port}" for port in ports], redis_prefix, database)
    try:
        for url, process in zip(started.urls, processes, strict=True):
            wait_until_serving(url, process, log)
        yield started
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        started.forget_limits()


@pytest.fixture
def servers(two_servers):
    """The two servers' URLs, with no limit used yet."""
    two_servers.forget_limits()
    return two_servers.urls


def wait_until_serving(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server at {url} stopped: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/konto/login/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server at {url} did not answer in 30 s: {log.read_text()[-2000:]}")


class Browser:
    """One person's browser: keeps cookies (shared by both servers, as behind a load balancer), follows
    no redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect)

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        if data is not None:
            csrf = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
            data = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}).encode()
        try:
            with self.opener.open(url, data=data, timeout=20) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as response:  # 3xx (not followed) and 4xx
            return response.code, response.headers.get("Location", ""), response.read().decode()

    def log_in(self, server: str, email: str, password: str) -> tuple[int, str, str]:
        if not any(c.name == "csrftoken" for c in self.cookies):
            self.request(f"{server}/konto/login/")  # the login page, as a person would see it first
        return self.request(f"{server}/konto/login/", {"login": email, "password": password})


def configured_key_limit() -> int:
    rate = next(r for r in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",") if r.endswith("/key"))
    return int(rate.split("/")[0])


def test_wrong_passwords_alternating_between_two_processes_are_refused_at_the_limit_in_total(servers):
    limit, browser, outcomes = configured_key_limit(), Browser(), []
    for attempt in range(limit + 1):
        status, _, page = browser.log_in(servers[attempt % 2], GUESSED, "feil-passord")
        outcomes.append("refused" if TOO_MANY in page else "wrong" if WRONG in page else f"{status}?")
    assert outcomes == ["wrong"] * limit + ["refused"]  # per process, 2 × limit would have got through
    status, _, page = browser.log_in(servers[0], GUESSED, PASSWORD)  # and the guesser's address stays stopped
    assert TOO_MANY in page and status == 200


def test_a_totp_code_accepted_by_one_process_is_refused_by_the_other(servers):
    first, second = Browser(), Browser()
    assert first.log_in(servers[0], WITH_TOTP, PASSWORD)[:2] == (302, "/konto/2fa/authenticate/")
    assert second.log_in(servers[1], WITH_TOTP, PASSWORD)[:2] == (302, "/konto/2fa/authenticate/")
    if time.time() % 30 > 26:  # both codes typed within one 30-second TOTP period
        time.sleep(30 - time.time() % 30)
    period = int(time.time()) // 30
    code = format_hotp_value(hotp_value(SECRET, period))
    assert first.request(f"{servers[0]}/konto/2fa/authenticate/", {"code": code})[:2] == (302, "/min-side/")
    status, _, page = second.request(f"{servers[1]}/konto/2fa/authenticate/", {"code": code})
    assert int(time.time()) // 30 == period, "the code was still valid: refused as used, not as expired"
    assert status == 200 and "Feil kode." in page
    assert first.request(f"{servers[1]}/min-side/")[0] == 200  # the accepted login holds on either process
    status, location, _ = second.request(f"{servers[1]}/min-side/")
    assert status == 302 and location.startswith("/konto/login/")
