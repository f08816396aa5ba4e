"""Background work for agreements (django.tasks; the database backend runs it in production)."""

from django.tasks import task

from agreements.importing.found import import_review_read
from agreements.signing import agreement_seal


@task
def seal_agreement(agreement_id: int) -> str:
    """Produce, seal and store the final PDF of a signed agreement (once; later runs do nothing)."""
    return agreement_seal(agreement_id).file.name


@task
def read_import(review_id: int) -> str:
    """Read an uploaded agreement for its review (agreements/importing/found.py)."""
    return import_review_read(review_id).status
