"""{% verification_path agreement %}: the address where a signed agreement's signatures can be checked."""

from django import template

from agreements.verification import verification_path as _verification_path

register = template.Library()


@register.simple_tag
def verification_path(agreement, signing_round=None) -> str:
    """`signing_round`: the agreement's live round where the page has read it; once completed it is the round that
    was signed (a signed agreement has no other), else the completed round is read."""
    if not agreement.is_signed:
        return ""
    completed = signing_round if signing_round is not None and signing_round.completed_at else None
    return _verification_path(agreement, completed) or ""
