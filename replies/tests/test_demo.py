"""The demo's past session (replies.demo): answered proposals for the portal and statistics."""

from proposals.demo import seed_demo
from proposals.models import Proposal
from replies.demo import PAST_SESSION
from replies.models import Reply
from replies.publication import published
from replies.scaffold import Disclosure


def test_seed_demo_adds_a_past_session_whose_replies_are_published(db):
    seed_demo()
    proposals = Proposal.objects.filter(session__name=PAST_SESSION)
    assert proposals.count() == 3
    assert set(proposals.values_list("status", flat=True)) == {Proposal.Status.CLOSED}
    assert sorted(proposals.values_list("number", flat=True)) == [1, 2, 3]
    replies = published().filter(assignment__proposal__session__name=PAST_SESSION)
    assert sorted(replies.values_list("disclosure", flat=True)) == sorted(
        [Disclosure.PUBLIC, Disclosure.PUBLIC, Disclosure.SUMMARY]
    )
    summary = replies.get(disclosure=Disclosure.SUMMARY)
    assert "5G覆盖" in summary.public_text


def test_seeding_the_demo_again_adds_no_second_history(db):
    seed_demo()
    seed_demo()
    assert Reply.objects.filter(assignment__proposal__session__name=PAST_SESSION).count() == 3


def test_the_bare_demo_has_no_past_session(db):
    from django.core.management import call_command

    call_command("seed_demo", "--bare", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Reply.objects.exists()
    assert not Proposal.objects.filter(session__name=PAST_SESSION).exists()
