"""`{{ forms|row:obj.pk }}`: the form of one row of a page (a view passes per-row forms keyed by the row's pk)."""

from django import template

register = template.Library()


@register.filter
def row(forms: dict, pk):
    return forms.get(pk)
