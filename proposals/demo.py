"""The demo data set of DESIGN.md's "Stable interfaces" (seed_demo)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import CongressLevel, Delegation, Department, Deputy, Role, User

from .extensions import demo_steps
from .models import Category, Proposal, ProposalEvent, Session, Suggestion

SESSION_NAME = "省十四届人大三次会议"

DEPARTMENTS = [
    # name, short name, document code
    ("吉林省科学技术厅", "省科技厅", "吉科发规划"),
    ("吉林省教育厅", "省教育厅", "吉教函"),
    ("吉林省人力资源和社会保障厅", "省人社厅", "吉人社函"),
    ("吉林省工业和信息化厅", "省工信厅", "吉工信函"),
]

# username, full name, role, department index or None, delegation for deputies
ACCOUNTS = [
    ("coordinator", "李敏", Role.COORDINATOR, None, None),
    ("deputy", "王宇辉", Role.DEPUTY, None, "长春代表团"),
    ("deputy2", "刘晓梅", Role.DEPUTY, None, "吉林市代表团"),
    ("deputy3", "张建国", Role.DEPUTY, None, "延边代表团"),
    ("clerk", "赵磊", Role.CLERK, 0, None),
    ("leader", "陈志刚", Role.LEADER, 0, None),
    ("clerk2", "孙丽", Role.CLERK, 1, None),
    ("leader2", "周文军", Role.LEADER, 1, None),
    ("auditor", "吴静", Role.AUDITOR, None, None),
    ("sysadmin", "郑伟", Role.SYSADMIN, None, None),
    ("secadmin", "钱芳", Role.SECADMIN, None, None),
]

CATEGORIES = {
    "经济建设": ["科技创新", "工业和信息化", "农业农村", "财政金融"],
    "社会事业": ["教育", "医疗卫生", "就业和社会保障", "文化旅游"],
    "城乡建设": ["交通运输", "生态环境", "住房城乡建设"],
    "民主法治": ["法治建设", "政府建设"],
}

SEED_TITLE = "关于充分发挥吉林省科教资源优势，创新引领吉林省振兴发展的建议"
# The five suggestions answered in shared/samples/seed-reply-jilin-2024-56.txt.
SEED_SUGGESTIONS = [
    "瞄准项目，确定科教资源优势的经济优势转化重点。",
    "注重创新引领，构建科教优势向现实生产力优势转化的体制基础。",
    "聚焦人才，厚植科教优势向生产力优势转化的中坚力量。",
    "突出创新引领，构建彰显吉林省特色优势的现代化产业体系。",
    "突出企业创新主体作用，构建创新联合体。",
]
SEED_BODY = (
    "吉林省高校和科研院所集中，科教资源丰富，但科技成果在省内落地转化不足，"
    "科教资源优势尚未充分转化为经济发展优势和产业竞争优势。为此建议：\n"
    + "\n".join(f"{n}、{text}" for n, text in zip("一二三四五", SEED_SUGGESTIONS, strict=True))
)


@transaction.atomic
def seed_demo(password: str | None = None, *, extras: bool = True) -> list[User]:
    """Creates what is missing and leaves what exists alone (passwords included), so it can
    run at every start. `extras`: also the steps other apps add (the past session's answered
    proposals, replies.demo)."""
    password = password or settings.DEMO_PASSWORD
    tz = ZoneInfo("Asia/Shanghai")
    departments = []
    for name, short_name, code in DEPARTMENTS:
        dept, _ = Department.objects.get_or_create(name=name, defaults={"short_name": short_name, "doc_code": code})
        departments.append(dept)

    users = []
    for username, full_name, role, dept_index, delegation in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                email=f"{username}@example.gov.cn",
                department=departments[dept_index] if dept_index is not None else None,
            )
            user.set_password(password)
            user.save()
        if role == Role.DEPUTY and not Deputy.objects.filter(user=user).exists():
            Deputy.objects.create(
                user=user,
                name=full_name,
                term=14,
                level=CongressLevel.PROVINCIAL,
                delegation=Delegation.objects.get_or_create(name=delegation)[0],
            )
        users.append(user)

    for position, (aspect_name, classes) in enumerate(CATEGORIES.items()):
        aspect, _ = Category.objects.get_or_create(name=aspect_name, parent=None, defaults={"position": position})
        for i, name in enumerate(classes):
            Category.objects.get_or_create(name=name, parent=aspect, defaults={"position": i})

    # The demo session stays open for submissions for 90 days after seeding, so the whole
    # flow can be tried; a coordinator can change the deadline under 会次与分类.
    session, _ = Session.objects.get_or_create(
        name=SESSION_NAME,
        defaults={
            "level": CongressLevel.PROVINCIAL,
            "term": 14,
            "session_no": 3,
            "opens_on": datetime.date(2024, 1, 24),
            "closes_on": datetime.date(2024, 1, 28),
            "submission_deadline": timezone.now() + datetime.timedelta(days=90),
        },
    )
    deputy = Deputy.objects.get(user__username="deputy")
    if not Proposal.objects.filter(session=session, title=SEED_TITLE).exists():
        proposal = Proposal.objects.create(
            session=session,
            title=SEED_TITLE,
            body=SEED_BODY,
            lead_deputy=deputy,
            status=Proposal.Status.SUBMITTED,
            created_by=deputy.user,
            submitted_at=datetime.datetime(2024, 1, 26, 16, 30, tzinfo=tz),
            category=Category.objects.get(name="科技创新"),
            search_text="\n".join([SEED_TITLE, *SEED_SUGGESTIONS]),
        )
        Suggestion.objects.bulk_create(
            Suggestion(proposal=proposal, position=i, text=text) for i, text in enumerate(SEED_SUGGESTIONS, 1)
        )
        proposal.hoped_departments.set([departments[0]])
        ProposalEvent.objects.create(
            proposal=proposal,
            kind=ProposalEvent.Kind.SUBMITTED,
            actor=deputy.user,
            from_status=Proposal.Status.DRAFT,
            to_status=Proposal.Status.SUBMITTED,
            details={"title": SEED_TITLE, "body": SEED_BODY, "suggestions": SEED_SUGGESTIONS},
        )
    for step in demo_steps() if extras else []:
        step()
    return users
