"""The load-data generator (manage.py generate_load_data): a small data set, generated once
for the module, must be what the services would have written — deterministic for its seed,
shaped like a national congress's work, valid by the app's own rules, and rendered by the
pages the load benchmark loads, for the persona that loads them."""

import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, User
from proposals.deadlines import REPLY_MODES
from proposals.models import Assignment, Proposal, ProposalEvent, Session, Suggestion
from replies import publication, scaffold, services
from replies.models import DocumentSeries, Feedback, Reply, ReplyVersion
from reports import load_data

TODAY = timezone.localdate()
OPTIONS = {
    "proposals": 90,
    "sessions": 2,
    "departments": 12,
    "deputies": 120,
    "delegations": 6,
    "coordinators": 3,
    "bench_accounts": 2,
    "seed": 7,
}
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
ARGS = [f"--{key.replace('_', '-')}={value}" for key, value in OPTIONS.items()] + [f"--today={TODAY}"]


def generate(*extra):
    out = io.StringIO()
    # Personas sign in with force_login (no authenticator devices for the bench accounts);
    # the module's data set is made outside the function-scoped settings fixtures.
    with override_settings(TWO_FACTOR_REQUIRED_ROLES=[], PASSWORD_HASHERS=[FAST_HASHER]):
        call_command("generate_load_data", *ARGS, *extra, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        output = generate("--reset", "--no-input")
        yield output
        load_data.reset_database(say=lambda *_: None)


# Every table the generator writes, hashed row by row (the password hash has a random salt;
# audit entries are hashed without their ids, which follow the order in which the two writer
# connections commit).
DIGEST_SQL = [
    f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM \"{model._meta.db_table}\" t"  # noqa: S608
    for key, (model, _columns) in load_data.TABLES.items()
    if key != "user"
] + [
    "SELECT md5(string_agg(concat_ws('|', id, username, full_name, role, department_id, phone,"
    " password_changed_at), E'\\n' ORDER BY id)) FROM accounts_user",
    "SELECT md5(string_agg(concat_ws('|', time, user_id, object_id, object_label, details), E'\\n'"
    " ORDER BY time, object_id, details::text)) FROM accounts_auditentry",
]


def digest():
    with connection.cursor() as cursor:
        values = []
        for sql in DIGEST_SQL:
            cursor.execute(sql)
            values.append(cursor.fetchone()[0])
    return values


def signed_in(client, username):
    client.force_login(User.objects.get(username=username))
    return client


# --- determinism and refusal ---------------------------------------------------------------------


def test_the_same_seed_and_day_give_the_same_rows(generated, django_db_blocker):
    with django_db_blocker.unblock():
        first = digest()
        generate("--reset", "--no-input")
        assert digest() == first
        with transaction.atomic():  # and the digest does see a changed row
            Proposal.objects.filter(pk=Proposal.objects.order_by("pk").values("pk")[:1]).update(title="改过的标题")
            assert digest() != first
            transaction.set_rollback(True)


def test_a_database_that_holds_proposals_is_refused_without_reset(generated, django_db_blocker, monkeypatch):
    with django_db_blocker.unblock():
        before = Proposal.objects.count()
        with pytest.raises(CommandError, match="--reset"):
            generate()
        monkeypatch.setattr("builtins.input", lambda prompt: "no")  # --reset asks first
        with pytest.raises(CommandError, match="Nothing was changed"):
            generate("--reset")
        assert Proposal.objects.count() == before
        # names the generator would create are reported, not overwritten
        assert load_data.conflicts(load_data.Options(**OPTIONS, today=TODAY))


def test_the_summary_names_the_bench_accounts_and_their_password(generated, settings):
    for username in ("bench_coordinator_1", "bench_clerk_1", "bench_leader_2", "bench_deputy_2"):
        assert username in generated
    assert settings.DEMO_PASSWORD in generated
    user = User.objects.get(username="bench_clerk_1")
    assert user.check_password(settings.DEMO_PASSWORD)
    assert not user.must_change_password and not user.password_change_reason()


# --- the shape of the data --------------------------------------------------------------------------


def test_counts_and_ratios_look_like_a_national_congress(generated, db):
    proposals = Proposal.objects.count()
    assert proposals == OPTIONS["proposals"]
    assert Department.objects.count() == OPTIONS["departments"]
    handled = Proposal.objects.filter(status__in=("assigned", "closed"))
    per_proposal = Assignment.objects.filter(proposal__in=handled).count() / handled.count()
    assert 2.1 <= per_proposal <= 3.0
    assert set(Assignment.objects.values_list("mode", flat=True)) == {"lead", "cohandler", "separate", "reference"}
    counts = Counter(Suggestion.objects.values_list("proposal_id", flat=True))
    assert min(counts.values()) >= 1 and max(counts.values()) <= 8
    assert 3 <= sum(counts.values()) / len(counts) <= 5.5
    older, latest = Session.objects.order_by("opens_on")
    old_states = Counter(Proposal.objects.filter(session=older).values_list("status", flat=True))
    new_states = Counter(Proposal.objects.filter(session=latest).values_list("status", flat=True))
    assert old_states["closed"] >= 0.8 * sum(old_states.values())
    assert new_states["assigned"] > new_states["closed"]
    tracking = Counter(
        Assignment.objects.current()
        .filter(proposal__session=latest, mode__in=REPLY_MODES)
        .with_state(TODAY)
        .values_list("state", flat=True)
    )
    assert tracking["replied_on_time"] and (tracking["due_soon"] or tracking["in_progress"])
    responded = Feedback.objects.filter(responded=True)
    satisfied = responded.filter(attitude="satisfied", result="satisfied").count()
    assert satisfied >= 0.7 * responded.count()
    closed_replies = Reply.objects.filter(kind="reply", assignment__proposal__status="closed", round=1)
    assert closed_replies.filter(published_on__isnull=False).count() >= 0.6 * closed_replies.count()


def test_numbers_are_gap_free_and_document_numbers_follow_each_series(generated, db):
    for session in Session.objects.all():
        numbers = sorted(
            Proposal.objects.filter(session=session, number__isnull=False).values_list("number", flat=True)
        )
        assert numbers == list(range(1, session.last_number + 1))
    assert not Proposal.objects.filter(status__in=("accepted", "assigned", "closed"), number__isnull=True).exists()
    serials = defaultdict(list)
    for reply in Reply.objects.filter(status="signed").select_related("department"):
        series = DocumentSeries.objects.get(department=reply.department, year=reply.year, kind="reply")
        assert reply.document_number == series.pattern.replace("{年份}", str(reply.year)).replace(
            "{序号}", str(reply.serial)
        )
        serials[series.pk].append((reply.signed_at, reply.serial))
    for pk, signed in serials.items():
        ordered = [serial for _at, serial in sorted(signed)]
        assert ordered == list(range(1, len(ordered) + 1))  # in signing order, no gap
        assert DocumentSeries.objects.get(pk=pk).last_number == len(ordered)


def test_assignment_plans_states_and_events_agree(generated, db):
    for proposal in Proposal.objects.filter(status__in=("assigned", "closed")).prefetch_related("assignments"):
        current = [a for a in proposal.assignments.all() if a.is_active]
        modes = Counter(a.mode for a in current)
        assert (modes["lead"] == 1 and not modes["separate"]) or (modes["separate"] >= 2 and not modes["lead"])
        assert len({a.department_id for a in current}) == len(current)
    last = {}
    for event in ProposalEvent.objects.exclude(to_status="").order_by("created_at", "id"):
        assert event.to_status in Proposal.Status.values and event.from_status in ("", *Proposal.Status.values)
        last[event.proposal_id] = event.to_status
    for pk, status in Proposal.objects.values_list("pk", "status"):
        assert last[pk] == status
    for reply in Reply.objects.filter(status="signed").select_related("assignment"):
        assert reply.assignment.replied_at == reply.signed_at
    for proposal in Proposal.objects.filter(status="closed").prefetch_related("assignments__replies"):
        for a in proposal.assignments.all():
            if a.is_active and a.mode in REPLY_MODES:
                assert any(r.round == a.round and r.status == "signed" for r in a.replies.all())


def test_reply_texts_are_what_the_app_renders_and_pass_its_quality_gate(generated, db):
    for version in ReplyVersion.objects.all():
        content = scaffold.ReplyContent.from_json(version.content)
        assert version.text == scaffold.render_text(content)
        assert version.document_number == content.number
    for reply in Reply.objects.filter(status="signed").select_related("assignment__proposal", "signed_version"):
        content = reply.signed_content
        assert reply.search_text == content.text()
        assert reply.public_text == publication.public_text(reply.assignment.proposal, content)
        assert services.quality_gate(reply, today=timezone.localdate(reply.signed_at)) == []
    for reply in Reply.objects.filter(status="in_review"):
        assert services.quality_gate(reply, today=TODAY) == []
    dissatisfied = Feedback.objects.filter(responded=True).filter(attitude="dissatisfied") | Feedback.objects.filter(
        result="dissatisfied"
    )
    assert all(f.comments for f in dissatisfied)


# --- the pages the benchmark loads -----------------------------------------------------------------


def test_every_proposal_page_renders_for_the_coordinator_or_its_deputy(generated, client):
    coordinator = signed_in(client, "bench_coordinator_1")
    for pk in Proposal.objects.exclude(status="draft").values_list("pk", flat=True):
        assert coordinator.get(reverse("proposals:detail", args=[pk])).status_code == 200, pk
    for proposal in Proposal.objects.filter(status="draft").select_related("lead_deputy__user"):
        client.force_login(proposal.lead_deputy.user)
        assert client.get(reverse("proposals:detail", args=[proposal.pk])).status_code == 200


def test_the_coordinators_lists_dashboard_and_statistics_render(generated, client):
    signed_in(client, "bench_coordinator_1")
    for name in ("home", "proposals:list", "proposals:dashboard", "proposals:requests", "replies:rehandling_queue"):
        assert client.get(reverse(name)).status_code == 200, name
    for session in Session.objects.all():
        response = client.get(reverse("reports:statistics"), {"session": session.pk})
        assert response.status_code == 200
        assert response.context["summary"][0]["value"]  # 交办数


def test_a_reply_of_each_kind_and_state_renders_for_the_coordinator(generated, client):
    signed_in(client, "bench_coordinator_1")
    seen = set()
    for reply in Reply.objects.order_by("id"):
        key = (reply.kind, reply.status, reply.round, reply.disclosure)
        if key not in seen:
            seen.add(key)
            assert client.get(reverse("replies:detail", args=[reply.pk])).status_code == 200, key
    assert ("reply", "signed", 1, "public") in seen and ("opinion", "signed", 1, "not_public") in seen


def test_the_bench_clerk_has_an_inbox_of_open_work_and_a_draft_in_the_editor(generated, client):
    clerk = User.objects.get(username="bench_clerk_1")
    signed_in(client, "bench_clerk_1")
    response = client.get(reverse("proposals:inbox"))
    assert response.status_code == 200
    open_work = Assignment.objects.filter(department=clerk.department, is_active=True, replied_at__isnull=True)
    assert open_work.filter(signed_at__isnull=True).exists()
    assert response.context["page_obj"].paginator.count >= open_work.count()
    draft = Reply.objects.filter(department=clerk.department, status="draft", assignment__is_active=True).first()
    assert draft is not None
    response = client.get(reverse("replies:detail", args=[draft.pk]))
    assert response.status_code == 200 and response.context["form"] is not None
    assert Reply.objects.filter(department=clerk.department, status="in_review").exists()
    for name in ("home", "replies:list"):
        assert client.get(reverse(name)).status_code == 200


def test_the_bench_leader_opens_a_reply_waiting_for_signature(generated, client):
    leader = User.objects.get(username="bench_leader_1")
    waiting = Reply.objects.filter(department=leader.department, status="in_review").first()
    signed_in(client, "bench_leader_1")
    assert client.get(reverse("home")).status_code == 200
    response = client.get(reverse("replies:detail", args=[waiting.pk]))
    assert response.status_code == 200 and response.context["is_leader"]


def test_the_bench_deputy_has_proposals_and_replies_on_the_home_page(generated, client):
    deputy = User.objects.get(username="bench_deputy_1")
    assert Proposal.objects.filter(lead_deputy__user=deputy).exists()
    signed_in(client, "bench_deputy_1")
    assert client.get(reverse("home")).status_code == 200
    for reply in Reply.objects.visible_to(deputy)[:5]:
        assert client.get(reverse("replies:detail", args=[reply.pk])).status_code == 200


def test_the_public_portal_finds_published_replies_by_their_words(generated, client):
    for query in ("", "乡村振兴", "养老", "医保"):
        assert client.get(reverse("portal:index"), {"q": query}).status_code == 200
    reply = publication.published(TODAY).filter(disclosure="public").select_related("assignment__proposal").first()
    word = reply.assignment.proposal.title[2:8]
    response = client.get(reverse("portal:index"), {"q": word})
    assert response.context["filter"].qs.filter(pk=reply.pk).exists()
    assert all(word in row.search_text or word in row.public_text for row in response.context["filter"].qs)
    assert client.get(reverse("portal:reply", args=[reply.pk])).status_code == 200
