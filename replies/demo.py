"""The demo's past session: proposals of 省十四届人大二次会议 answered in 2023, so that the
public portal, the statistics and the search have something to show after `seed_demo`.

Registered as a seed_demo step (proposals.extensions); idempotent like the rest of the
demo. The replies go in through the historical import (services.import_historical), which
records the assignment, signs, numbers nothing (the number is the document's own) and
publishes them as of their date."""

import datetime
from zoneinfo import ZoneInfo

from accounts.models import CongressLevel, Department, Deputy, User
from proposals import services as proposal_services
from proposals.models import Category, Proposal, Session

from . import scaffold, services

PAST_SESSION = "省十四届人大二次会议"
TZ = ZoneInfo("Asia/Shanghai")

# lead deputy, category, department, title, body, suggestions, section bodies, category,
# disclosure, document number, reply date
HISTORY = [
    (
        "deputy2",
        "就业和社会保障",
        "吉林省人力资源和社会保障厅",
        "关于加强高校毕业生留吉就业服务的建议",
        "近年来我省高校毕业生留吉比例偏低，就业服务与岗位信息衔接不够。为此建议：",
        ["建立全省统一的毕业生就业岗位信息平台。", "加大对吸纳毕业生就业中小企业的补贴力度。"],
        [
            "我厅于2023年4月上线“吉林就业”毕业生岗位专区，归集省内企事业单位岗位信息3.2万条，"
            "与省内高校就业系统实现岗位信息实时共享。",
            "2023年起，对吸纳离校2年内未就业高校毕业生并签订1年以上劳动合同的中小企业，"
            "按每人1500元标准给予一次性吸纳就业补贴，全年惠及企业860余户。",
        ],
        "A",
        scaffold.Disclosure.PUBLIC,
        "吉人社函〔2023〕118号",
        datetime.date(2023, 5, 16),
    ),
    (
        "deputy3",
        "工业和信息化",
        "吉林省工业和信息化厅",
        "关于支持延边州数字经济产业园建设的建议",
        "延边州发展数字经济基础较好，但园区配套和5G网络覆盖仍有短板。为此建议：",
        ["支持延边州数字经济产业园基础设施建设。", "加快边境县市5G基站建设。"],
        [
            "我厅已将延边州数字经济产业园列入全省数字经济重点园区，2023年安排专项资金1200万元支持园区公共服务平台建设。",
            "2023年全省新建5G基站1.1万个，其中延边州新建1380个，边境县市城区和重点乡镇已实现5G覆盖，"
            "下一步将逐步向行政村延伸。",
        ],
        "B",
        scaffold.Disclosure.SUMMARY,
        "吉工信函〔2023〕76号",
        datetime.date(2023, 6, 2),
    ),
    (
        "deputy2",
        "教育",
        "吉林省教育厅",
        "关于推进县域普通高中办学条件改善的建议",
        "部分县域普通高中校舍和实验设施不足，优质师资流失较多。为此建议：",
        ["实施县域普通高中办学条件改善工程。", "完善县域高中教师补充和激励机制。"],
        [
            "2023年我厅实施县域普通高中办学条件改善工程，支持28所县中改扩建校舍和实验室。",
            "我厅会同有关部门出台县域高中教师专项招聘办法，2023年为县域高中补充教师640名，"
            "并将县中教师纳入职称评聘倾斜范围。",
        ],
        "B",
        scaffold.Disclosure.PUBLIC,
        "吉教函〔2023〕203号",
        datetime.date(2023, 6, 20),
    ),
]
SUMMARIES = {
    "吉工信函〔2023〕76号": "省工业和信息化厅已将延边州数字经济产业园列入全省重点园区并安排专项资金，"
    "边境县市城区和重点乡镇已实现5G覆盖，将逐步向行政村延伸。",
}


def seed_history():
    session, created = Session.objects.get_or_create(
        name=PAST_SESSION,
        defaults={
            "level": CongressLevel.PROVINCIAL,
            "term": 14,
            "session_no": 2,
            "opens_on": datetime.date(2023, 1, 12),
            "closes_on": datetime.date(2023, 1, 16),
            "submission_deadline": datetime.datetime(2023, 1, 14, 17, 0, tzinfo=TZ),
        },
    )
    if not created:
        return
    coordinator = User.objects.get(username="coordinator")
    for (
        username,
        category,
        department_name,
        title,
        body,
        suggestions,
        answers,
        result,
        disclosure,
        number,
        day,
    ) in HISTORY:
        deputy = Deputy.objects.get(user__username=username)
        proposal = proposal_services.save_draft(
            actor=deputy.user,
            session=session,
            suggestions=suggestions,
            data={
                "title": title,
                "body": body,
                "category": Category.objects.get(name=category),
                "hoped_departments": [],
                "agrees_to_publish": True,
            },
        )
        submitted = datetime.datetime(2023, 1, 14, 10, 0, tzinfo=TZ)
        proposal_services.submit_proposal(proposal, deputy.user, now=submitted)
        proposal_services.accept_proposal(proposal, coordinator)
        Proposal.objects.filter(pk=proposal.pk).update(accepted_at=submitted + datetime.timedelta(days=3))
        proposal.refresh_from_db()
        department = Department.objects.get(name=department_name)
        content = scaffold.build(proposal, department, contact_name="综合处", contact_phone="0431-88900000")
        for section, answer in zip(content.sections, answers, strict=True):
            section.body = answer
        content.category = result
        content.disclosure = disclosure
        content.summary = SUMMARIES.get(number, "")
        content.number = number
        content.date = day
        services.import_historical(proposal, department, content, coordinator, source="演示数据")
