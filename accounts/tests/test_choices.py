"""get_FOO_display() of the project's models (accounts.choices.Model)."""

from unittest import mock

from django.utils import translation

from proposals.models import Proposal, ProposalEvent


def test_the_display_is_the_label_in_the_current_language_or_the_value_when_unknown():
    event = ProposalEvent(kind=ProposalEvent.Kind.CREATED)
    assert event.get_kind_display() == "创建草稿"
    with translation.override("en"):
        assert event.get_kind_display() == str(ProposalEvent.Kind.CREATED.label)
        assert event.get_kind_display() != "创建草稿"
    assert ProposalEvent(kind="gone").get_kind_display() == "gone"
    assert Proposal(status=Proposal.Status.ASSIGNED).get_status_display() == "已交办"


def test_a_display_translates_only_the_label_it_shows():
    event = ProposalEvent(kind=ProposalEvent.Kind.CREATED)
    real = translation._trans.gettext
    with mock.patch.object(translation._trans, "gettext", wraps=real) as gettext:
        event.get_kind_display()
    assert gettext.call_count == 1  # Django's own translated every one of the kinds
    assert len(ProposalEvent.Kind.choices) > 20
