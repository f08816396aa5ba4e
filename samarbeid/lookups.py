"""An id beyond 64 bits matches no row.

Django guards plain integer fields against such values (`IntegerFieldOverflow`), but not relations (the pk of a
Kommune or PoliceUnit is its `party_ptr`) nor `in`; SQLite then cannot bind the value (OverflowError), so a huge
number in a form's choice or in `?fra=` gave a 500. Registered in SamarbeidConfig.ready().
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

INT64 = range(-(2**63), 2**63)


def _fits(value) -> bool:
    return not isinstance(value, int) or value in INT64


class RelatedExactInRange(RelatedExact):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and not _fits(self.rhs):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class InRangeMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            self.rhs = [value for value in self.rhs if _fits(value)]
        return super().process_rhs(compiler, connection)


class RelatedInInRange(InRangeMixin, RelatedIn):
    pass


class IntegerInInRange(InRangeMixin, In):
    pass


def register_lookups() -> None:
    ForeignObject.register_lookup(RelatedExactInRange)
    ForeignObject.register_lookup(RelatedInInRange)
    IntegerField.register_lookup(IntegerInInRange)
