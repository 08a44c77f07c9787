"""In Chromium, on the demo data: the deputy is dissatisfied with the signed reply and says
why, the coordinator orders re-handling from the queue, 科技厅 answers again (second round),
both deputies are satisfied and the proposal shows 已办结."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Deputy, User
from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.demo import SEED_TITLE
from proposals.models import Assignment, CoSigner, Proposal
from replies import services as reply_services
from replies.tests.conftest import fill, reload
from tests.browser import sign_in_ok, sign_out

pytestmark = pytest.mark.browser


def issue(assignment, clerk, leader):
    reply = fill(reply_services.start_reply(assignment, clerk), clerk)
    reply_services.submit_for_review(reply, clerk, version=reply.version)
    reply_services.sign(reload(reply), leader)
    return reload(reply)


@pytest.fixture
def replied_seed(demo_data):
    proposal = Proposal.objects.get(title=SEED_TITLE)
    proposal.session.contact_required = False
    proposal.session.save()
    CoSigner.objects.create(
        proposal=proposal, deputy=Deputy.objects.get(user__username="deputy2"), status=CoSigner.Status.CONFIRMED
    )
    coordinator, clerk, leader = (User.objects.get(username=n) for n in ("coordinator", "clerk", "leader"))
    services.accept_proposal(proposal, coordinator)
    assignment = assigning.assign_proposal(proposal, [PlanLine(clerk.department, Assignment.Mode.LEAD)], coordinator)[0]
    assigning.sign_for(assignment, clerk)
    return issue(assignment, clerk, leader)


def rate(page, attitude, result, comments=""):
    form = page.get_by_test_id("feedback")
    form.get_by_role("group", name=re.compile("办理态度")).get_by_label(attitude, exact=True).check()
    form.get_by_role("group", name=re.compile("办理结果")).get_by_label(result, exact=True).check()
    form.get_by_label("答复前的沟通").select_option(label="电话")
    form.get_by_label("意见和建议").fill(comments)
    page.get_by_test_id("feedback-submit").click()


def test_dissatisfaction_leads_to_a_second_round_and_the_proposal_closes(page, live_server, replied_seed):
    sign_in_ok(page, live_server, "deputy")
    page.locator("section").filter(has_text="待反馈的答复").get_by_role("link", name=re.compile(SEED_TITLE)).click()
    rate(page, "满意", "不满意")
    expect(page.get_by_text("选择“不满意”时，请写明理由，以便重新办理。")).to_be_visible()
    rate(page, "满意", "不满意", "第三条建议没有提出具体的人才政策措施。")
    expect(page.get_by_text("已提交反馈意见，截止日期前可以修改。")).to_be_visible()
    sign_out(page)

    sign_in_ok(page, live_server, "coordinator")
    page.get_by_role("link", name="重新办理", exact=True).click()
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.get_by_text("第三条建议没有提出具体的人才政策措施。")).to_be_visible()
    page.get_by_label("要求").fill("请逐条补充具体措施。")
    page.get_by_test_id("rehandle").click()
    expect(page.get_by_text(re.compile(r"已要求吉林省科学技术厅重新办理，期限"))).to_be_visible()
    sign_out(page)

    clerk, leader = User.objects.get(username="clerk"), User.objects.get(username="leader")
    second_round = Assignment.objects.get(proposal=replied_seed.assignment.proposal, is_active=True)
    assigning.sign_for(second_round, clerk)
    second = issue(Assignment.objects.get(pk=second_round.pk), clerk, leader)
    assert second.round == 2

    for username in ("deputy", "deputy2"):
        sign_in_ok(page, live_server, username)
        page.locator("section").filter(has_text="待反馈的答复").get_by_role("link", name=re.compile(SEED_TITLE)).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("第2轮")
        rate(page, "满意", "满意")
        expect(page.get_by_text("已提交反馈意见，截止日期前可以修改。")).to_be_visible()
        sign_out(page)

    sign_in_ok(page, live_server, "deputy")
    page.goto(f"{live_server.url}/proposals/{second.assignment.proposal_id}/")
    expect(page.get_by_test_id("closed")).to_contain_text("已办结")
    expect(page.locator(".status").first).to_have_text("已办结")
