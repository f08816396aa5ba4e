from django import template
from django.utils.safestring import mark_safe

from agreements.richtext import clean_html

register = template.Library()


@register.filter
def rich(value: str) -> str:
    """Stored agreement HTML, sanitised again on output (defence in depth: imports, older rows)."""
    return mark_safe(clean_html(value))  # noqa: S308 — nh3 allow-list output
