from io import StringIO

from django.core.management import call_command

from accounts.models import Department, Deputy, Role, User
from proposals.demo import SEED_SUGGESTIONS, SEED_TITLE
from proposals.models import Proposal, Session

EXPECTED = {
    "coordinator": Role.COORDINATOR,
    "deputy": Role.DEPUTY,
    "deputy2": Role.DEPUTY,
    "deputy3": Role.DEPUTY,
    "clerk": Role.CLERK,
    "leader": Role.LEADER,
    "clerk2": Role.CLERK,
    "leader2": Role.LEADER,
    "auditor": Role.AUDITOR,
    "sysadmin": Role.SYSADMIN,
    "secadmin": Role.SECADMIN,
}


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_stable_demo_data_set(db, settings):
    output = seed()
    assert {u.username: u.role for u in User.objects.all()} == EXPECTED
    assert all(u.check_password(settings.DEMO_PASSWORD) for u in User.objects.all())
    assert User.objects.get(username="deputy").deputy.name == "王宇辉"
    science = Department.objects.get(name="吉林省科学技术厅")
    assert science.doc_code == "吉科发规划"
    assert Department.objects.count() >= 4
    assert set(User.objects.filter(username__in=["clerk", "leader"]).values_list("department", flat=True)) == {
        science.pk
    }
    other = User.objects.get(username="clerk2").department
    assert other != science and User.objects.get(username="leader2").department == other
    assert Session.objects.filter(name="省十四届人大三次会议").exists()
    proposal = Proposal.objects.get(title=SEED_TITLE)
    assert proposal.lead_deputy.user.username == "deputy"
    assert list(proposal.suggestions.values_list("text", flat=True)) == SEED_SUGGESTIONS
    assert settings.DEMO_PASSWORD in output
    for username in EXPECTED:
        assert username in output


def test_seed_demo_run_twice_changes_nothing(db):
    seed()
    counts = [m.objects.count() for m in (User, Deputy, Department, Session, Proposal)]
    seed()
    assert [m.objects.count() for m in (User, Deputy, Department, Session, Proposal)] == counts


def test_seed_demo_leaves_a_changed_password_alone(db):
    seed()
    user = User.objects.get(username="coordinator")
    user.set_password("Changed-by-the-user-9")
    user.save()
    seed()
    user.refresh_from_db()
    assert user.check_password("Changed-by-the-user-9")


def test_seed_demo_uses_the_demo_password_setting(db, settings):
    settings.DEMO_PASSWORD = "Another-demo-pass-1"
    seed()
    assert User.objects.get(username="leader").check_password("Another-demo-pass-1")
