"""samarbeid.ordering.swap_with_neighbour, the one up/down move (agreement sections, template sections)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements.models import AgreementTemplate, TemplateSection
from samarbeid.ordering import swap_with_neighbour


@pytest.fixture
def rows(db):
    """Three template sections numbered with gaps (3, 7, 7): the numbering a move leaves is 1, 2, 3."""
    template = AgreementTemplate.objects.create(name="Mal")
    for heading, order in (("A", 3), ("B", 7), ("C", 7)):
        TemplateSection.objects.create(template=template, order=order, heading_nb=heading, heading_nn=heading)
    return template.sections.all()


def headings(rows) -> list[tuple[str, int]]:
    return list(rows.order_by("order", "pk").values_list("heading_nb", "order"))


def test_a_row_moved_up_swaps_with_the_one_above_and_the_rows_are_numbered_from_one(rows):
    c = rows.get(heading_nb="C")
    with transaction.atomic():
        assert swap_with_neighbour(c, rows, up=True) is True
    assert headings(rows) == [("A", 1), ("C", 2), ("B", 3)]
    assert c.order == 2


def test_a_row_moved_down_swaps_with_the_one_below(rows):
    with transaction.atomic():
        assert swap_with_neighbour(rows.get(heading_nb="A"), rows, up=False) is True
    assert headings(rows) == [("B", 1), ("A", 2), ("C", 3)]


@pytest.mark.parametrize("heading,up", [("A", True), ("C", False)])
def test_the_first_row_does_not_move_up_nor_the_last_down_and_nothing_is_written(rows, heading, up):
    before = headings(rows)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert swap_with_neighbour(rows.get(heading_nb=heading), rows, up=up) is False
    assert headings(rows) == before
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_only_the_rows_whose_number_changes_are_written(rows):
    with transaction.atomic():
        swap_with_neighbour(rows.get(heading_nb="C"), rows, up=True)  # now 1, 2, 3
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        swap_with_neighbour(rows.get(heading_nb="B"), rows, up=True)
    assert headings(rows) == [("A", 1), ("B", 2), ("C", 3)]
    assert len([q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]) == 2


def test_a_move_outside_a_transaction_is_refused_before_anything_is_read(rows):
    first = rows.first()
    inside = connection.in_atomic_block
    connection.in_atomic_block = False  # the tests run in pytest-django's transaction: for this call, in none
    try:
        with CaptureQueriesContext(connection) as queries, pytest.raises(RuntimeError, match="inside the transaction"):
            swap_with_neighbour(first, rows, up=False)
    finally:
        connection.in_atomic_block = inside
    assert queries.captured_queries == []
