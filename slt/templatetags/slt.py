from django import template

from slt.summary import slt_summary_for

register = template.Library()


@register.inclusion_tag("slt/partials/slt_summary.html")
def slt_summary(kommuner):
    """The SLT work of the kommuner (for an agreement's SLT section): `{% load slt %}{% slt_summary kommuner %}`."""
    return {"summary": slt_summary_for(kommuner)}
