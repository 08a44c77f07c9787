"""The lists' paginator: counts no further than LIMIT + 1 rows and pages through the first
LIMIT. A count of 100,000 proposals, or of a large department's 17,000 assignments joined to
their proposals, cost more than the page itself; and a page 4,000 deep made PostgreSQL read
and drop 100,000 rows (OFFSET). Beyond LIMIT the list says so and asks for a filter; exports
are not bounded (reports.exports)."""

from math import ceil

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

LIMIT = 1000


class BoundedPaginator(Paginator):
    limit = LIMIT

    @cached_property
    def count(self):
        """The number of rows, or LIMIT + 1 for any number over LIMIT (see `more`)."""
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list[: self.limit + 1])
        # the ids alone, unordered: the row's annotations and the order change nothing here
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @property
    def more(self):
        """More rows than are counted and shown."""
        return self.count > self.limit

    @cached_property
    def num_pages(self):
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return ceil(max(1, min(self.count, self.limit) - self.orphans) / self.per_page)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom : min(top, self.limit)], number, self)
