"""Published replies to read on the portal: proposals handled by department A (lead), each
reply signed with the disclosure a test asks for."""

import pytest

from replies.scaffold import Disclosure
from replies.tests.conftest import draft, handling, issued, make_handling  # noqa: F401 — fixtures
from replies.tests.test_publication import sign_reply


@pytest.fixture
def publish(deputy, coordinator, clerk_a, leader_a, session, category):
    """publish(title=…, disclosure=…, summary=…, opening=…, **content) → a signed reply to a
    new proposal of `deputy`, handled by department A alone."""
    count = iter(range(1, 1000))

    def make(
        title=None,
        *,
        disclosure=Disclosure.PUBLIC,
        in_session=None,
        in_category=None,
        clerk=None,
        leader=None,
        **content,
    ):
        handled = make_handling(
            deputy=deputy,
            cosigner=None,
            coordinator=coordinator,
            clerk_a=clerk or clerk_a,
            clerk_b=None,
            session=in_session or session,
            category=in_category or category,
            title=title or f"关于第{next(count)}件测试事项的建议",
        )
        return sign_reply(handled, clerk or clerk_a, leader or leader_a, disclosure=disclosure, **content)

    return make
