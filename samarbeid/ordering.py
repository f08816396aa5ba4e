"""Moving a row up or down a numbered list (an agreement's sections, a template's sections): the one way to do it."""

from django.db import models, transaction


def swap_with_neighbour(obj: models.Model, rows: models.QuerySet, *, up: bool, field: str = "order") -> bool:
    """Swap `obj` with the row just above it (`up`) or below it among `rows`, numbering them 1, 2, … by `field`
    (then pk). False when `obj` is already first (up) or last: nothing is written.

    The rows are locked (select_for_update) until the transaction that records the move ends, so two moves at
    once are done one after the other; only rows whose number changes are written. `obj` gets its new number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("swap_with_neighbour() must run inside the transaction that records the move")
    ordered = list(rows.select_for_update().order_by(field, "pk"))
    index = [row.pk for row in ordered].index(obj.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    manager = rows.model._default_manager
    for number, row in enumerate(ordered, start=1):
        if getattr(row, field) != number:
            manager.filter(pk=row.pk).update(**{field: number})
        if row.pk == obj.pk:
            setattr(obj, field, number)
    return True
