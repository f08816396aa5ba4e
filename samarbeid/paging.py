"""A page of a list in one query: the rows of the page carry the count of all (COUNT(*) OVER ()).

Django's Paginator counts first and then reads the page (two queries, one when the list is empty), so a page's
query count depends on whether there is anything to show. `page_of` reads the page with the total in the same
query; only a page number past the end costs a second look (the count), and the last page is shown as Paginator's
get_page would.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


def page_of(queryset: QuerySet, number, per_page: int) -> Page:
    """The page `number` (as given in the URL; anything not a positive whole number is the first) of `queryset`
    (not a DISTINCT one: the window would count the rows before they are made distinct)."""
    if queryset.query.distinct:
        raise ValueError("page_of counts rows before DISTINCT; use Paginator for a distinct queryset")
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("*")))[start : start + per_page])
    paginator = Paginator(queryset, per_page)
    if not rows and number > 1:
        return paginator.get_page(paginator.num_pages)  # past the end: the last page, as Paginator.get_page does
    paginator.count = rows[0]._total if rows else 0  # what Paginator would count (a cached property)
    return Page(rows, number, paginator)
