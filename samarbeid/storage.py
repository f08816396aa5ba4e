"""Private files (vedlegg, sealed agreements, meeting attachments): never public media."""

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Attachments are never public media: MEDIA_ROOT/private has no URL and is served by a checked view."""

    @cached_property
    def base_location(self):
        return Path(settings.MEDIA_ROOT) / "private"

    def url(self, name):
        raise ValueError("Private files have no public URL; use the attachment view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
