"""Ready for more than one machine: the object store and PgBouncer are a setting away, and docker-compose wires
them (checked by parsing the file: no Docker here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from samarbeid.models import RenderedPdf

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
private = storages["private"]
try:
    private.url("x.pdf")
    url = "an address"
except ValueError:
    url = None
print(json.dumps({
    "default": type(storages["default"]).__name__, "private": type(private).__name__,
    "private_location": getattr(private, "location", ""), "bucket": getattr(private, "bucket_name", ""),
    "endpoint": getattr(private, "endpoint_url", ""), "private_url": url,
    "prepare_threshold": settings.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold", "unset"),
}))
"""


def probe(**env) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "DISABLE_SERVER_SIDE_CURSORS"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def test_without_a_bucket_files_are_on_the_file_system_and_private_ones_have_no_url():
    found = probe()
    assert found["default"] == "FileSystemStorage" and found["private"] == "PrivateStorage"
    assert found["private_url"] is None


def test_with_a_bucket_every_file_goes_to_the_object_store_and_private_ones_still_have_no_url():
    found = probe(
        AWS_STORAGE_BUCKET_NAME="samarbeid",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="samarbeid",
        AWS_SECRET_ACCESS_KEY="hemmelig",
    )
    assert found["default"] == "S3Storage" and found["private"] == "PrivateS3Storage"
    assert found["bucket"] == "samarbeid" and found["endpoint"] == "http://minio:9000"
    assert found["private_location"] == "private" and found["private_url"] is None


def test_behind_pgbouncer_no_server_side_cursors_and_no_prepared_statements():
    found = probe(DATABASE_URL="postgres://u:p@pgbouncer:5432/samarbeid", DISABLE_SERVER_SIDE_CURSORS="true")
    assert found["prepare_threshold"] is None
    assert probe(DATABASE_URL="postgres://u:p@db:5432/samarbeid")["prepare_threshold"] == "unset"


def test_every_stored_file_goes_through_the_private_storage():
    from django.apps import apps
    from django.core.files.storage import storages
    from django.db.models import FileField

    fields = [f for model in apps.get_models() for f in model._meta.fields if isinstance(f, FileField)]
    assert RenderedPdf._meta.get_field("file") in fields
    assert all(field.storage is storages["private"] for field in fields), [str(f) for f in fields]


def compose() -> dict:
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_docker_compose_puts_pgbouncer_in_transaction_mode_in_front_of_postgresql():
    services = compose()["services"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert services["pgbouncer"]["environment"]["DB_HOST"] == "db"
    for name in ("web", "worker", "reminders"):
        environment = services[name]["environment"]
        assert "@pgbouncer:5432/" in environment["DATABASE_URL"], name
        assert environment["DISABLE_SERVER_SIDE_CURSORS"] == "true", name
    assert "@db:5432/samarbeid python manage.py migrate" in services["web"]["command"]  # migrations go direct


def test_docker_compose_keeps_files_in_minio_and_nothing_on_the_app_containers():
    services = compose()["services"]
    assert services["minio"]["image"].startswith("minio/minio")
    assert "mc mb --ignore-existing local/samarbeid" in services["minio-bucket"]["entrypoint"][-1]
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["AWS_STORAGE_BUCKET_NAME"] == "samarbeid"
        assert environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert not any(volume.startswith("media:") for volume in services[name].get("volumes", [])), name


def test_env_example_documents_the_object_store_and_pgbouncer_settings():
    text = Path(settings.BASE_DIR, ".env.example").read_text()
    for name in (
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_S3_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "DISABLE_SERVER_SIDE_CURSORS",
        "CONN_MAX_AGE",
    ):
        assert f"{name}=" in text, name
