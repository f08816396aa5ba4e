"""{% verification_path agreement %}: the address where a signed agreement's signatures can be checked."""

from django import template

from agreements.verification import verification_path as _verification_path

register = template.Library()


@register.simple_tag
def verification_path(agreement) -> str:
    return (_verification_path(agreement) or "") if agreement.is_signed else ""
