"""Lists count no further than BoundedPaginator.limit + 1 rows and page through the first
`limit`; beyond it they say so and ask for a filter."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Department, User
from accounts.pagination import BoundedPaginator
from proposals.tests.conftest import registered

LIST = reverse("proposals:list")


@pytest.fixture
def departments(db):
    return [
        Department.objects.create(name=f"单位{n:02}", short_name=f"单{n:02}", doc_code=f"单{n:02}") for n in range(7)
    ]


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "limit", 5)


def test_a_list_over_the_limit_counts_to_the_limit_plus_one_and_pages_through_the_limit(departments, small_limit):
    paginator = BoundedPaginator(Department.objects.order_by("name"), 2)
    assert paginator.count == 6
    assert paginator.more
    assert paginator.num_pages == 3
    last = paginator.page(3)
    assert [d.name for d in last] == ["单位04"]  # the fifth, not the sixth or seventh
    assert paginator.get_page(9).number == 3


def test_a_list_within_the_limit_counts_exactly(departments, small_limit):
    paginator = BoundedPaginator(Department.objects.filter(name__lt="单位04"), 2)
    assert (paginator.count, paginator.more, paginator.num_pages) == (4, False, 2)
    plain = BoundedPaginator(list(range(5)), 2)
    assert (plain.count, plain.more, [*plain.page(3)]) == (5, False, [4])


def test_the_count_leaves_out_the_rows_annotations_and_order(departments, small_limit):
    rows = Department.objects.annotate(staffed=Exists(User.objects.filter(department=OuterRef("pk")))).order_by(
        "-staffed", "name"
    )
    with CaptureQueriesContext(connection) as context:
        assert BoundedPaginator(rows, 2).count == 6
    (count,) = context.captured_queries
    assert "ORDER BY" not in count["sql"] and "EXISTS" not in count["sql"]


def test_the_proposal_list_says_when_it_shows_only_the_first_rows(client, coordinator, session, deputy, small_limit):
    registered(session, deputy, range(1, 8))
    client.force_login(coordinator)
    page = client.get(LIST).content.decode()
    assert "超过 5 条，只列出前 5 条；请用筛选条件缩小范围。" in page
    assert "共 7 件" not in page
    filtered = client.get(LIST, {"number_max": 3}).content.decode()
    assert "共 3 件" in filtered and "超过" not in filtered
