"""Background work for agreements (django.tasks; the database backend runs it in production)."""

from django.tasks import task

from agreements.signing import agreement_seal


@task
def seal_agreement(agreement_id: int) -> str:
    """Produce, seal and store the final PDF of a signed agreement (once; later runs do nothing)."""
    return agreement_seal(agreement_id).file.name
