"""Two app processes behind one load balancer share a login session, a rate limit and the rendered PDFs.

Two gunicorn servers run on loopback ports against one database (a file SQLite database of this run), one
cache (Redis with a key prefix of this run when it is up, else the database cache) and one file store (a
directory standing in for the object store, settings.STORAGES). A person logs in on one and is logged in on the
other; wrong passwords on both count against one limit; a PDF asked for on one is ordered from the worker (the
database task queue: `manage.py db_worker --batch`, a third process), and then served from the store by the
other server without being rendered again."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings

from tests.test_auth_shared_limits import (
    REDIS,
    SCHEMA_PRELUDE,
    TOO_MANY,
    WRONG,
    Browser,
    configured_key_limit,
    free_port,
    redis_is_up,
)

PASSWORD = "Samarbeid-to-maskiner-2026"
READER = "politikontakt.moss@politiet.demo.no"

# The schema without migrations, the reference data, the demo people (a light scrypt password for the reader, so
# that a wrong password costs milliseconds) and a draft agreement the reader may see; prints its id.
SETUP = f"""
import datetime
{SCHEMA_PRELUDE}from agreements.services import agreement_create
from samarbeid.demo import create_demo_people
from samarbeid.models import Kommune, PoliceUnit, User
from samarbeid.reference_data import load_reference_data
load_reference_data(settings.REFERENCE_DATA_DIR)
people = create_demo_people()
reader = User.objects.get(email={READER!r})
reader.password = ScryptPasswordHasher().encode({PASSWORD!r}, "saltsaltsalt", n=2**10)
reader.save()
agreement = agreement_create(
    police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
    kommuner=Kommune.objects.filter(number="3103"), created_by=people["moss_slt"],
    period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2027, 12, 31),
)
print(agreement.pk)
"""


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """One database, one file store and one cache for every process of the test."""
    root = tmp_path_factory.mktemp("two-machines")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX")}
    env.update(
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        MEDIA_ROOT=str(root / "store"),
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="samarbeid.settings",
    )
    redis_prefix = None
    if redis_is_up():
        redis_prefix = f"samarbeid-test-{uuid.uuid4().hex}"
        env.update(REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0", CACHE_KEY_PREFIX=redis_prefix)
    done = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    return {"root": root, "env": env, "agreement": int(done.stdout.split()[-1]), "redis_prefix": redis_prefix}


@pytest.fixture(scope="module")
def servers(installation):
    env, log = installation["env"], installation["root"] / "servers.log"
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
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until_serving(url, process, log)
        yield urls
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if installation["redis_prefix"]:
            import redis

            connection = redis.Redis(*REDIS)
            for key in connection.scan_iter(f"{installation['redis_prefix']}:*"):
                connection.delete(key)
            connection.close()


def wait_until_serving(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 180  # a loaded 2-core machine takes a while to start Django
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server at {url} stopped: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/konto/login/", timeout=5).close()
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the server at {url} did not answer in 180 s: {log.read_text()[-2000:]}")


def query(installation, sql: str) -> list[tuple]:
    connection = sqlite3.connect(installation["root"] / "db.sqlite3")
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def download(browser: Browser, url: str) -> tuple[int, str, bytes, str]:
    """Status, Content-Type, body and ETag (the Browser helper reads text; a PDF is bytes)."""
    try:
        with browser.opener.open(url, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read(), response.headers["ETag"]
    except urllib.error.HTTPError as response:
        return response.code, response.headers["Content-Type"], response.read(), response.headers.get("ETag")


def test_a_session_made_on_one_process_is_valid_on_the_other(servers):
    browser = Browser()
    assert browser.log_in(servers[0], READER, PASSWORD)[:2] == (302, "/min-side/")
    status, _, page = browser.request(f"{servers[1]}/min-side/")
    assert status == 200 and "Lars Øien" in page


def test_wrong_passwords_on_both_processes_count_against_one_limit(servers):
    limit, browser, outcomes = configured_key_limit(), Browser(), []
    for attempt in range(limit + 1):
        _status, _, page = browser.log_in(servers[attempt % 2], "slt@moss.demo.no", "feil-passord")
        outcomes.append("refused" if TOO_MANY in page else "wrong" if WRONG in page else "?")
    assert outcomes == ["wrong"] * limit + ["refused"]


def test_a_pdf_rendered_by_the_worker_for_one_process_is_served_by_the_other_without_rendering_again(
    installation, servers
):
    browser = Browser()
    browser.log_in(servers[0], READER, PASSWORD)
    path = f"/avtaler/{installation['agreement']}/pdf/"
    status, content_type, body, _ = download(browser, servers[0] + path)
    assert status == 200 and content_type.startswith("text/html") and "PDF-en lages nå" in body.decode()

    worker = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    subprocess.run(worker, cwd=settings.BASE_DIR, env=installation["env"], check=True, timeout=300, capture_output=True)

    status, content_type, pdf, etag = download(browser, servers[1] + path)
    assert status == 200 and content_type == "application/pdf" and pdf.startswith(b"%PDF")
    [(renders, name)] = query(installation, "SELECT renders, file FROM samarbeid_renderedpdf")
    assert renders == 1 and (installation["root"] / "store" / "private" / name).read_bytes() == pdf
    status, _, again, _ = download(browser, servers[0] + path)
    assert again == pdf and query(installation, "SELECT renders FROM samarbeid_renderedpdf") == [(1,)]
    assert etag.strip('"') == query(installation, "SELECT content_hash FROM samarbeid_renderedpdf")[0][0]
