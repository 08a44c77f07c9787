"""Gap-free numbering under concurrency, on the real database: twenty coordinators accept
twenty proposals at the same moment."""

import threading

from django.db import connection

from proposals import services
from proposals.models import Proposal, Session


def test_twenty_simultaneous_acceptances_get_numbers_one_to_twenty(
    transactional_db, make_submitted, deputy, coordinator
):
    proposals = [make_submitted(deputy, f"关于第{i}项工作的建议") for i in range(20)]
    start = threading.Barrier(20)
    errors = []

    def accept(proposal):
        try:
            start.wait()
            services.accept_proposal(proposal, coordinator)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(p,)) for p in proposals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    numbers = sorted(Proposal.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 21))
    assert Session.objects.get().last_number == 20


def test_two_coordinators_accepting_the_same_proposal_number_it_once(transactional_db, submitted, coordinator):
    start = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            start.wait()
            services.accept_proposal(Proposal.objects.get(pk=submitted.pk), coordinator)
            outcomes.append("ok")
        except services.ProposalError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["ok", "refused"]
    assert Session.objects.get().last_number == 1
    assert Proposal.objects.get().number == 1
