"""Private files (vedlegg, sealed and rendered PDFs, imports, meeting attachments): never public media.

They are stored through `storages["private"]` (settings.STORAGES): MEDIA_ROOT/private on the file system, or
the "private/" prefix of an S3 bucket. Either way they have no URL: a view that has checked the reader's access
streams them (FileResponse over `file.open()`), so no address leads past that check."""

from functools import cache, cached_property
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages


class PrivateStorage(FileSystemStorage):
    """Attachments are never public media: MEDIA_ROOT/private has no URL and is served by a checked view."""

    @cached_property
    def base_location(self):
        return Path(settings.MEDIA_ROOT) / "private"

    def url(self, name):
        raise ValueError("Private files have no public URL; use the attachment view.")


@cache
def _private_s3_storage_class():
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        """The bucket's private/ prefix; no (presigned) URL is ever handed out."""

        def url(self, name, parameters=None, expire=None, http_method=None):
            raise ValueError("Private files have no public URL; use the attachment view.")

    return PrivateS3Storage


def __getattr__(name):  # PrivateS3Storage only when settings name it: boto3 is imported only then
    if name == "PrivateS3Storage":
        return _private_s3_storage_class()
    raise AttributeError(name)


def private_storage():
    return storages["private"]
