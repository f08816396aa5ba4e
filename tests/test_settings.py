"""Production settings come from the environment and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "samarbeid.example.no",
}


def run_manage(*args, env_overrides):
    leave_out = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in leave_out}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def test_check_deploy_reports_nothing_in_production_mode():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_overrides={"DEBUG": "false", "ALLOWED_HOSTS": "x"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_an_openid_connect_provider_is_switched_on_by_settings_alone(db, client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "idporten",
                    "name": "ID-porten",
                    "client_id": "samarbeid",
                    "secret": "hemmelig",
                    "settings": {"server_url": "https://idporten.example.no"},
                }
            ]
        }
    }
    html = client.get("/konto/login/").content.decode()
    assert "ID-porten" in html
    assert "/konto/oidc/idporten/login/" in html


def test_pages_are_served_with_a_strict_content_security_policy(db, client):
    policy = client.get("/konto/login/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_production_keeps_database_connections_and_shares_sessions_through_redis():
    script = (
        "from django.conf import settings; db = settings.DATABASES['default'];"
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], settings.SESSION_ENGINE)"
    )
    env = PRODUCTION_ENV | {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/samarbeid",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = run_manage("shell", "--no-imports", "-c", script, env_overrides=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True", "django.contrib.sessions.backends.cached_db"]
