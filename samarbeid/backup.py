"""Backup and restore of an installation: the database, the files (MEDIA_ROOT: vedlegg, sealed PDFs, meeting
attachments) and the seal (SEAL_KEY_FILE, SEAL_CERT_FILE) in one archive that is checked before it is used.

The archive is a gzipped tar with
  manifest.json   format, time, database vendor, and the size and SHA-256 of every other member
  database.json   every row of every table (Django's serializer, primary keys kept, microseconds kept), which
                  loads into SQLite and PostgreSQL alike
  files/...       MEDIA_ROOT as it is
  seal/...        the seal's private key and certificate: without them no new agreement can be sealed
A sealed PDF carries its own signature, so it verifies after a restore as long as the same seal certificate
is restored with it. The archive holds the seal's private key: keep it as safe as the key itself.

`backup(target)` writes an archive; `restore(archive)` checks every member against the manifest, then
replaces the database (in one transaction, with the immutability triggers paused for the load: they would
refuse the rows of signed agreements being inserted), the files and the seal.
"""

import datetime
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samarbeid.page_cache import highest_version, outdate_every_page

FORMAT = "samarbeid-backup/1"
MANIFEST = "manifest.json"
DATABASE = "database.json"
SKIPPED_MODELS = {"sessions.session"}  # a restore logs everyone out


class BackupError(Exception):
    """The archive cannot be used; the message says why, in Norwegian."""


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, keeping microseconds (it cuts times to milliseconds): a restore gives back the same
    timestamps in the change log, the status history and the signatures."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time) and o.microsecond:
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _seal_files() -> dict[str, Path]:
    return {"seal/seal-key.pem": Path(settings.SEAL_KEY_FILE), "seal/seal-cert.pem": Path(settings.SEAL_CERT_FILE)}


def _dumped_models():
    for model in apps.get_models():
        label = model._meta.label_lower
        skipped = model._meta.proxy or not model._meta.managed or label in SKIPPED_MODELS
        if not skipped and router.allow_migrate_model(DEFAULT_DB_ALIAS, model):
            yield model


def _dump_database(stream) -> None:
    """Every row, read in one transaction: on PostgreSQL a snapshot (unless called inside a transaction), so
    the rows of a change committed meanwhile are all in or all out; SQLite's readers hold off writers."""
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            connection.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows = (obj for model in _dumped_models() for obj in model._base_manager.order_by("pk").iterator())
        serializers.serialize("json", rows, stream=stream, cls=_ExactJSONEncoder)


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def backup(target: Path) -> Path:
    """Write an archive to `target` (a file, or a directory to put a dated archive in); return its path."""
    target = Path(target)
    if target.is_dir():
        target = target / f"samarbeid-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DATABASE
        with dump.open("w", encoding="utf-8") as stream:
            _dump_database(stream)
        members = {DATABASE: dump}
        if media.exists():
            members |= {f"files/{p.relative_to(media).as_posix()}": p for p in sorted(media.rglob("*")) if p.is_file()}
        members |= {name: path for name, path in _seal_files().items() if path.exists()}
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database_vendor": connection.vendor,
            "files": {name: {"size": path.stat().st_size, "sha256": _sha256(path)} for name, path in members.items()},
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False)
        partial.replace(target)
    return target


# --- Restore --------------------------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and path.parts[:1] in (("files",), ("seal",), (DATABASE,))


def _member_file(archive: tarfile.TarFile, member: str | tarfile.TarInfo) -> IO[bytes]:
    """A regular file of the archive, opened; KeyError for a name the archive lacks or that is no file."""
    handle = archive.extractfile(member)
    if handle is None:
        raise KeyError(member)
    return handle


def verify(archive_path: Path) -> dict:
    """The archive's manifest, once every member is there, intact and named in it; else BackupError."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            try:
                manifest = json.load(_member_file(archive, MANIFEST))
            except (KeyError, ValueError, AttributeError) as error:
                raise BackupError(_("Arkivet mangler en lesbar innholdsliste (manifest.json).")) from error
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(_("Arkivet er ikke en sikkerhetskopi fra Samarbeid i et kjent format."))
            expected = manifest.get("files") or {}
            found = set()
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile() or not _safe_member_name(member.name):
                    raise BackupError(
                        _("Arkivet inneholder %(name)s, som ikke står i innholdslisten.") % {"name": member.name}
                    )
                handle = _member_file(archive, member)
                digest = hashlib.file_digest(handle, "sha256").hexdigest()  # type: ignore[arg-type]  # a BufferedReader
                if member.size != expected[member.name]["size"] or digest != expected[member.name]["sha256"]:
                    raise BackupError(
                        _("%(name)s i arkivet er skadet (sjekksummen stemmer ikke).") % {"name": member.name}
                    )
                found.add(member.name)
            missing = sorted(set(expected) - found)
            if missing or DATABASE not in found:
                raise BackupError(_("Arkivet mangler %(names)s.") % {"names": ", ".join(missing or [DATABASE])})
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(_("Arkivet kan ikke leses: det er skadet eller ikke en sikkerhetskopi.")) from error
    return manifest


def restore(archive_path: Path) -> dict:
    """Replace the database, MEDIA_ROOT and the seal with the archive's, after checking it; return its manifest."""
    manifest = verify(archive_path)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work_dir, tarfile.open(archive_path, "r:*") as archive:
        work = Path(work_dir)
        archive.extractall(work, members=[m for m in archive if m.name != MANIFEST], filter="data")
        with transaction.atomic():
            kept_pages_floor = highest_version()
            flush_database()
            with pgtrigger.ignore():  # the rows of signed agreements go back as they were (PostgreSQL only)
                call_command("loaddata", str(work / DATABASE), verbosity=0)
            outdate_every_page(kept_pages_floor)  # the archive's table versions are older than pages kept now
        _replace_directory(media, work / "files")
        for name, path in _seal_files().items():
            if (work / name).exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(work / name, path)
                path.chmod(0o600 if name.endswith("key.pem") else 0o644)
    return manifest


def flush_database() -> None:
    """Empty every table. PostgreSQL refuses to TRUNCATE a table with deferred constraint checks pending in the
    transaction (when restore runs inside a larger one), so those run first and are deferred again after."""
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    if postgresql:
        connection.cursor().execute("SET CONSTRAINTS ALL DEFERRED")


def _replace_directory(target: Path, source: Path) -> None:
    """Put `source` in place of `target`, removing the old tree only once the new one is in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restore")
    shutil.rmtree(incoming, ignore_errors=True)
    if source.exists():
        shutil.copytree(source, incoming)
    else:
        incoming.mkdir()
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    incoming.rename(target)
    shutil.rmtree(old, ignore_errors=True)
