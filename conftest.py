"""Personas (STYLE.md practice 12) and the browser set-up shared by every test module."""

from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import CongressLevel, Delegation, Department, Deputy, Role, User

PASSWORD = "Persona-pass-2024"


def pytest_configure(config):
    # WhiteNoise serves the finders' files in tests, but warns on every request when
    # STATIC_ROOT does not exist yet (a fresh clone has never run collectstatic).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def make_user(username, role, *, department=None, full_name=None, delegation=None, **extra):
    user = User(
        username=username,
        full_name=full_name or username,
        role=role,
        department=department,
        email=f"{username}@example.gov.cn",
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    if role == Role.DEPUTY:
        Deputy.objects.create(
            user=user,
            name=user.full_name,
            term=14,
            level=CongressLevel.PROVINCIAL,
            delegation=Delegation.objects.get_or_create(name=delegation or "长春代表团")[0],
        )
    return user


@pytest.fixture
def department_a(db):
    return Department.objects.create(name="吉林省科学技术厅", short_name="省科技厅", doc_code="吉科发规划")


@pytest.fixture
def department_b(db):
    return Department.objects.create(name="吉林省教育厅", short_name="省教育厅", doc_code="吉教函")


@pytest.fixture
def deputy(db):
    return make_user("p_deputy", Role.DEPUTY, full_name="王宇辉")


@pytest.fixture
def cosigner(db):
    return make_user("p_cosigner", Role.DEPUTY, full_name="刘晓梅", delegation="吉林市代表团")


@pytest.fixture
def outsider_deputy(db):
    return make_user("p_outsider", Role.DEPUTY, full_name="张建国", delegation="延边代表团")


@pytest.fixture
def clerk_a(department_a):
    return make_user("p_clerk_a", Role.CLERK, department=department_a, full_name="赵磊")


@pytest.fixture
def leader_a(department_a):
    return make_user("p_leader_a", Role.LEADER, department=department_a, full_name="陈志刚")


@pytest.fixture
def clerk_b(department_b):
    return make_user("p_clerk_b", Role.CLERK, department=department_b, full_name="孙丽")


@pytest.fixture
def coordinator(db):
    return make_user("p_coordinator", Role.COORDINATOR, full_name="李敏")


@pytest.fixture
def sysadmin(db):
    return make_user("p_sysadmin", Role.SYSADMIN, full_name="郑伟")


@pytest.fixture
def secadmin(db):
    return make_user("p_secadmin", Role.SECADMIN, full_name="钱芳")


@pytest.fixture
def auditor(db):
    return make_user("p_auditor", Role.AUDITOR, full_name="吴静")


# --- a session and a category, which most tests of proposals and replies need -------------------


def make_session(session_no, year, **extra):
    """省十四届人大N次会议, opening on 20 January of `year`."""
    import datetime

    from django.utils import timezone

    from proposals.models import Session

    numerals = "零一二三四五六七八九"
    return Session.objects.create(
        name=f"省十四届人大{numerals[session_no]}次会议",
        level="provincial",
        term=14,
        session_no=session_no,
        opens_on=datetime.date(year, 1, 20),
        closes_on=datetime.date(year, 1, 25),
        submission_deadline=extra.pop(
            "submission_deadline", timezone.make_aware(datetime.datetime(year, 1, 22, 17, 0))
        ),
        **extra,
    )


@pytest.fixture
def session(db):
    """The session in progress: still open for proposals for 30 days."""
    import datetime

    from django.utils import timezone

    return make_session(3, 2026, submission_deadline=timezone.now() + datetime.timedelta(days=30))


@pytest.fixture
def category(db):
    from proposals.models import Category

    aspect = Category.objects.create(name="经济建设")
    return Category.objects.create(name="科技创新", parent=aspect)


PERSONAS = [
    "deputy",
    "cosigner",
    "outsider_deputy",
    "clerk_a",
    "leader_a",
    "clerk_b",
    "coordinator",
    "sysadmin",
    "secadmin",
    "auditor",
]


@pytest.fixture
def persona(request):
    """Indirect parametrization: @pytest.mark.parametrize("persona", PERSONAS, indirect=True)."""
    return request.getfixturevalue(request.param)


# --- browser --------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium; Playwright cannot download its own browser here.
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An office PC in China: Chinese locale and time zone, a 1366×768 screen.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": settings.TIME_ZONE,
        "viewport": {"width": 1366, "height": 768},
    }


@pytest.fixture(autouse=True)
def two_factor_optional(settings):
    # Personas sign in with force_login or the password alone. In production coordinators,
    # leaders, auditors and system administrators must use two-factor sign-in; the tests of it
    # (accounts/tests/test_two_factor.py, tests/test_browser_two_factor.py) require it again.
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def fresh_cache():
    # The cache is per process (LocMemCache): nothing one test cached reaches the next. The
    # "shared" cache is a table, so a test's entries go with its transaction; tests that commit
    # (browser tests) make new sessions, whose figures have keys of their own.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def portal_pages_not_kept(settings):
    # Tests of the portal read what a change just made; keeping its pages a minute is tested
    # on its own (portal/tests/test_portal.py).
    settings.PORTAL_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_data(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", "--bare", stdout=open("/dev/null", "w"))  # noqa: SIM115


def clear_job_queue():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_periodic_defers RESTART IDENTITY CASCADE")


@pytest.fixture(autouse=True)
def _jobs_do_not_outlive_their_test(request):
    """Procrastinate's tables are not Django-managed, so a transactional test's flush
    leaves their rows behind; empty them after any test that committed."""
    committed = {"transactional_db", "live_server"} & set(request.fixturenames)
    if committed:
        request.getfixturevalue("transactional_db")  # so this teardown runs while the database is open
    yield
    if committed:
        clear_job_queue()


@pytest.fixture
def job_queue(transactional_db):
    """For tests that run the worker: they start with an empty queue."""
    clear_job_queue()
