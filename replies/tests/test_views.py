import io

import pytest
from django.urls import reverse
from django.utils import timezone

from replies import services
from replies.models import DocumentSeries, Reply, ReplySettings, Snippet

from .conftest import fill, reload
from .test_services import contact


def editor_post(reply, sections=None, **fields):
    """What the editor posts for `reply` as it is, with `fields` and `sections` changed."""
    content = services.content_of(reply)
    data = {
        "version": reply.version,
        "base": reply.versions.order_by("-number").first().number,
        "title": content.title,
        "addressee": content.addressee,
        "opening": content.opening,
        "closing": "\n".join(content.closing),
        "signature": content.signature,
        "category": content.category,
        "disclosure": content.disclosure,
        "contact_name": content.contact_name,
        "contact_phone": content.contact_phone,
        "cc": content.cc,
    }
    data.update(fields)
    rows = (
        sections
        if sections is not None
        else [
            {"heading": s.heading, "body": s.body, "suggestions": s.suggestions, "category": s.category}
            for s in content.sections
        ]
    )
    data.update({"section-TOTAL_FORMS": len(rows), "section-INITIAL_FORMS": len(rows)})
    for i, row in enumerate(rows):
        data[f"section-{i}-heading"] = row["heading"]
        data[f"section-{i}-body"] = row.get("body", "")
        data[f"section-{i}-suggestions"] = [str(pk) for pk in row.get("suggestions", [])]
        data[f"section-{i}-category"] = row.get("category", "")
    return data


def url(name, reply):
    return reverse(f"replies:{name}", args=[reply.pk])


def bodies(reply):
    return [s.body for s in services.content_of(reload(reply)).sections]


@pytest.fixture
def as_clerk(client, clerk_a):
    client.force_login(clerk_a)
    return client


def test_the_editor_shows_each_section_and_the_preview(as_clerk, draft):
    page = as_clerk.get(url("detail", draft)).content.decode()
    assert "一、" in page and "二、" in page
    assert "关于“加强科技成果转化平台建设。”的建议" in page
    assert 'class="official official--draft"' in page  # the preview, marked 草稿


def test_saving_writes_the_sections(as_clerk, draft):
    data = editor_post(draft)
    data["section-0-body"] = "（一）平台建设\n一是建成平台。\n1.具体措施"
    response = as_clerk.post(url("save", draft), data)
    assert response.status_code == 302
    assert bodies(draft)[0] == "（一）平台建设\n一是建成平台。\n1.具体措施"
    preview = as_clerk.post(url("preview", draft), editor_post(reload(draft))).content.decode()
    assert 'class="h2">（一）平台建设' in preview
    assert 'class="h3">1.具体措施' in preview
    assert 'class="p">一是建成平台。' in preview


def test_script_in_any_field_is_shown_as_text(as_clerk, draft, clerk_a):
    attack = "<script>alert(1)</script>"
    data = editor_post(draft, title=attack)
    data["section-0-body"] = attack
    assert as_clerk.post(url("save", draft), data).status_code == 302
    for name in ("detail", "preview"):
        page = (as_clerk.get if name == "detail" else as_clerk.post)(url(name, draft), editor_post(reload(draft)))
        html = page.content.decode()
        assert attack not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_over_long_text_is_refused_with_the_typed_text_kept(as_clerk, draft):
    data = editor_post(draft)
    data["section-1-body"] = "长" * 20001
    data["section-0-body"] = "我写的内容"
    response = as_clerk.post(url("save", draft), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "有内容需要修改" in html and "20000" in html
    assert "我写的内容" in html
    assert bodies(draft) == ["", ""]


def test_a_section_pointing_at_another_proposals_suggestion_is_refused(as_clerk, draft, make_user_proposal):
    data = editor_post(draft)
    data["section-0-suggestions"] = [str(make_user_proposal.suggestions.first().pk)]
    html = as_clerk.post(url("save", draft), data).content.decode()
    assert "所选的建议条目不属于本件建议。" in html
    assert reload(draft).version == 1


def test_the_second_of_two_concurrent_saves_sees_what_changed(client, draft, clerk_a, leader_a):
    loaded_by_leader = editor_post(draft)
    client.force_login(clerk_a)
    first = editor_post(draft)
    first["section-0-body"] = "承办人的修改"
    client.post(url("save", draft), first)
    client.force_login(leader_a)
    loaded_by_leader["section-1-body"] = "负责人的修改"
    response = client.post(url("save", draft), loaded_by_leader)
    html = response.content.decode()
    assert response.status_code == 409
    assert "赵磊已于" in html and "您的修改没有保存" in html
    assert 'diff__row--added"><span class="diff__mark" aria-hidden="true">+</span>承办人的修改' in html
    assert "负责人的修改" in html  # still in the editor
    assert bodies(draft) == ["承办人的修改", ""]
    # saving again from the conflict page goes on top of the current version
    again = editor_post(reload(draft))
    again["section-1-body"] = "负责人的修改"
    assert client.post(url("save", draft), again).status_code == 302
    assert bodies(draft) == ["承办人的修改", "负责人的修改"]


def test_merging_two_sections_answers_both_suggestions_in_one(as_clerk, draft, handling):
    data = editor_post(draft, index="0")
    data["section-0-body"] = "甲"
    data["section-1-body"] = "乙"
    assert as_clerk.post(url("section_merge", draft), data).status_code == 302
    content = services.content_of(reload(draft))
    first, second = handling.proposal.suggestions.all()
    assert [s.suggestions for s in content.sections] == [[first.pk, second.pk]]
    assert content.sections[0].heading == "关于“加强科技成果转化平台建设。”“完善科研人员激励机制。”的建议"
    assert content.sections[0].body == "甲\n乙"
    # and splitting gives one per suggestion again, the body staying with the first
    assert as_clerk.post(url("section_split", draft), editor_post(reload(draft), index="0")).status_code == 302
    content = services.content_of(reload(draft))
    assert [s.suggestions for s in content.sections] == [[first.pk], [second.pk]]
    assert bodies(draft) == ["甲\n乙", ""]


def test_adding_moving_and_removing_sections_renumbers_them(as_clerk, draft):
    as_clerk.post(url("section_add", draft), editor_post(draft))
    assert len(bodies(draft)) == 3
    data = editor_post(reload(draft), index="2")
    data["section-2-heading"] = "关于其他问题的说明"
    as_clerk.post(url("section_up", draft), data)
    headings = [s.heading for s in services.content_of(reload(draft)).sections]
    assert headings[1] == "关于其他问题的说明"
    as_clerk.post(url("section_remove", draft), editor_post(reload(draft), index="1"))
    assert "关于其他问题的说明" not in [s.heading for s in services.content_of(reload(draft)).sections]
    page = as_clerk.get(url("detail", draft)).content.decode()
    assert "三、" not in page.split('id="preview"')[0]


def test_an_operation_on_a_section_that_does_not_exist_is_refused(as_clerk, draft):
    html = as_clerk.post(url("section_remove", draft), editor_post(draft, index="7")).content.decode()
    assert "所选的部分不存在" in html
    assert len(bodies(draft)) == 2


def test_sending_for_signing_lists_every_gate_failure(as_clerk, draft):
    response = as_clerk.post(url("submit", draft), editor_post(draft))
    html = response.content.decode()
    assert "还不能签发" in html
    for text in ("第1部分", "第2部分", "占位符", "办理结果类别", "沟通记录", "吉林省教育厅的协办意见"):
        assert text in html
    assert reload(draft).status == Reply.Status.DRAFT


def test_a_contact_record_with_a_missing_answer_keeps_what_was_typed(as_clerk, draft):
    response = as_clerk.post(url("contact_add", draft), {"date": "2026-01-02", "form": "phone", "participants": "赵磊"})
    html = response.content.decode()
    assert "沟通记录未保存" in html and "赵磊" in html
    assert not draft.assignment.contacts.exists()


def test_the_leader_signs_and_the_deputy_reads_the_signed_reply(client, handling, draft, clerk_a, leader_a, deputy):
    handling.proposal.session.contact_required = False
    handling.proposal.session.save()
    services.waive_opinion(handling.cohandler, _coordinator(), reason="不再等待。")
    reply = fill(draft, clerk_a)
    services.submit_for_review(reply, clerk_a, version=reply.version)
    client.force_login(clerk_a)
    assert client.post(url("sign", reply)).status_code == 403
    client.force_login(leader_a)
    response = client.post(url("sign", reply), follow=True)
    number = f"吉科发规划〔{timezone.localdate().year}〕1号"
    assert f"已签发，文号{number}" in response.content.decode()
    client.force_login(deputy)
    page = client.get(url("detail", reply)).content.decode()
    assert number in page and "第1条建议的办理情况。" in page and "official--draft" not in page
    assert "（此件公开发布）" in page


def _coordinator():
    from accounts.models import User

    return User.objects.get(username="p_coordinator")


def test_the_versions_page_and_diff_show_what_changed(as_clerk, draft, clerk_a):
    fill(draft, clerk_a)
    page = as_clerk.get(url("versions", draft)).content.decode()
    assert "第2版" in page and "第1版" in page
    diff = as_clerk.get(url("diff", draft) + "?a=1&b=2").content.decode()
    assert 'diff__row--added"><span class="diff__mark" aria-hidden="true">+</span>第1条建议的办理情况。' in diff


def test_deputies_see_only_signed_versions(client, draft, deputy):
    client.force_login(deputy)
    assert client.get(url("versions", draft)).status_code == 404  # a draft is not theirs to see


def test_a_snippet_is_offered_in_the_editor(as_clerk, draft):
    response = as_clerk.post(reverse("replies:snippets"), {"title": "致谢", "text": "感谢您对科技工作的关注与支持。"})
    assert response.status_code == 302
    html = as_clerk.get(url("detail", draft)).content.decode()
    assert "data-insert-snippet" in html and "感谢您对科技工作的关注与支持。" in html


def test_a_duplicate_snippet_title_is_refused(as_clerk, clerk_a):
    Snippet.objects.create(department=clerk_a.department, title="致谢", text="x", updated_by=clerk_a)
    html = as_clerk.post(reverse("replies:snippets"), {"title": "致谢", "text": "y"}).content.decode()
    assert "已有同名的常用语。" in html


def test_the_title_template_needs_the_proposal_number(client, leader_a):
    client.force_login(leader_a)
    html = client.post(reverse("replies:settings"), {"title_template": "对{会议全称}建议的答复"}).content.decode()
    assert "标题格式须包含{建议号}" in html
    html = client.post(reverse("replies:settings"), {"title_template": "对{会议}第{建议号}号"}).content.decode()
    assert "只能使用{会议全称}和{建议号}" in html
    client.post(reverse("replies:settings"), {"title_template": "关于对{会议全称}第{建议号}号建议的答复"})
    assert ReplySettings.objects.get().title_template == "关于对{会议全称}第{建议号}号建议的答复"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("吉科发规划〔2026〕{序号}号", "年份占位符"),
        ("吉科发规划[{年份}]{序号}号", "六角括号"),
        ("吉科发规划【{年份}】{序号}号", "六角括号"),
        ("吉科发规划〔{年份}〕第{序号}号", "不加“第”"),
        ("吉科发规划〔{年份}〕", "序号占位符"),
        ("吉科发规划〔{年份}〕{序号}号{x}", "两个占位符"),
    ],
)
def test_a_series_pattern_is_checked_against_the_standard(client, leader_a, pattern, message):
    client.force_login(leader_a)
    html = client.post(
        reverse("replies:series"), {"kind": "reply", "year": 2026, "pattern": pattern, "next_number": 1}
    ).content.decode()
    assert message in html
    assert not DocumentSeries.objects.exists()


def test_a_series_cannot_be_moved_back_to_a_used_number(client, leader_a):
    series = DocumentSeries.objects.create(
        department=leader_a.department, year=2026, pattern="吉科发规划〔{年份}〕{序号}号", last_number=55
    )
    client.force_login(leader_a)
    data = {"pattern": series.pattern, "next_number": 55}
    html = client.post(reverse("replies:series_edit", args=[series.pk]), data).content.decode()
    assert "本序列已用到55号，下一个序号不能小于56。" in html
    data["next_number"] = 60
    client.post(reverse("replies:series_edit", args=[series.pk]), data)
    series.refresh_from_db()
    assert series.last_number == 59


def test_a_coordinator_creates_a_series_for_a_department(client, coordinator, department_b):
    client.force_login(coordinator)
    data = {"department": department_b.pk, "kind": "opinion", "year": 2027, "pattern": "吉教协〔{年份}〕{序号}号"}
    client.post(reverse("replies:series"), {**data, "next_number": 5})
    series = DocumentSeries.objects.get()
    assert (series.department, series.kind, series.last_number) == (department_b, "opinion", 4)
    html = client.post(reverse("replies:series"), {**data, "next_number": 1}).content.decode()
    assert "已经存在" in html


def test_the_proposal_page_offers_to_draft_the_reply(client, handling, clerk_a, clerk_b):
    client.force_login(clerk_a)
    page = client.get(reverse("proposals:detail", args=[handling.proposal.pk])).content.decode()
    assert reverse("replies:start", args=[handling.lead.pk]) in page and "起草答复" in page
    client.force_login(clerk_b)
    page = client.get(reverse("proposals:detail", args=[handling.proposal.pk])).content.decode()
    assert "起草协办意见" in page


# --- queries ----------------------------------------------------------------------------------


def test_the_workspace_page_takes_a_fixed_number_of_queries(as_clerk, draft, clerk_a, django_assert_max_num_queries):
    contact(draft.assignment, clerk_a)
    with django_assert_max_num_queries(14):
        assert as_clerk.get(url("detail", draft)).status_code == 200
    for i in range(3):
        contact(draft.assignment, clerk_a, participants=f"参加人{i}")
        Snippet.objects.create(department=clerk_a.department, title=f"常用语{i}", text="x", updated_by=clerk_a)
    with django_assert_max_num_queries(14):
        assert as_clerk.get(url("detail", draft)).status_code == 200


def test_the_reply_list_takes_a_fixed_number_of_queries(
    as_clerk, draft, deputy, coordinator, clerk_a, session, category, django_assert_max_num_queries
):
    from .conftest import make_handling

    for i in range(4):
        handling = make_handling(
            deputy=deputy,
            cosigner=None,
            coordinator=coordinator,
            clerk_a=clerk_a,
            clerk_b=None,
            session=session,
            category=category,
            title=f"关于第{i}项工作的建议",
        )
        services.start_reply(handling.lead, clerk_a)
    # + the filter form's choice lists (sessions, categories, delegations)
    with django_assert_max_num_queries(9):
        html = as_clerk.get(reverse("replies:list")).content.decode()
    assert "关于加强科技成果转化的建议" in html and "关于第3项工作的建议" in html


def test_the_deputys_reply_page_takes_a_fixed_number_of_queries(client, issued, deputy, django_assert_max_num_queries):
    client.force_login(deputy)
    with django_assert_max_num_queries(12):
        assert client.get(url("detail", issued)).status_code == 200


def test_a_coordinator_waives_a_missing_opinion_from_the_lead_reply_page(client, handling, draft, coordinator, clerk_a):
    fill(draft, clerk_a)
    client.force_login(coordinator)
    page = client.get(url("detail", draft)).content.decode()
    assert "尚未收到" in page and reverse("replies:waive", args=[handling.cohandler.pk]) in page
    assert "第1条建议的办理情况。" not in page  # the office does not read the department's unsigned draft
    waive = reverse("replies:waive", args=[handling.cohandler.pk])
    assert "请写明免等协办意见的理由。" in client.post(waive, {"text": ""}, follow=True).content.decode()
    response = client.post(waive, {"text": "教育厅机构调整，不再出具意见。"}, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", draft)
    assert "已同意免等吉林省教育厅的协办意见。" in response.content.decode()


def test_the_lead_reads_a_signed_opinion_beside_its_draft(client, handling, draft, clerk_a, clerk_b):
    from accounts.models import Role
    from conftest import make_user

    leader_b = make_user("p_leader_b", Role.LEADER, department=clerk_b.department, full_name="周文军")
    opinion = fill(services.start_reply(handling.cohandler, clerk_b), clerk_b)
    services.submit_for_review(opinion, clerk_b, version=opinion.version)
    services.sign(reload(opinion), leader_b)
    client.force_login(clerk_a)
    page = client.get(url("detail", draft)).content.decode()
    assert reload(opinion).document_number in page and "查看意见全文" in page
    assert "关于加强科技成果转化的建议" in page
    assert client.post(url("save", reload(opinion)), editor_post(reload(opinion))).status_code == 403


# --- documents ----------------------------------------------------------------------------------


@pytest.fixture
def signed(issued):
    return issued


def test_the_deputy_downloads_the_signed_reply_as_pdf_and_word(client, signed, deputy):
    from urllib.parse import quote

    client.force_login(deputy)
    name = f"省十四届人大三次会议-第{signed.assignment.proposal.number}号-省科技厅"
    response = client.get(url("pdf", signed))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert (
        response["Content-Disposition"].startswith("attachment")
        and quote(f"{name}.pdf") in response["Content-Disposition"]
    )
    response = client.get(url("docx", signed))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert quote(f"{name}.docx") in response["Content-Disposition"]
    page = client.get(url("print", signed)).content.decode()
    assert "@page" in page and "草稿" not in page and signed.document_number in page


def test_the_department_downloads_its_draft_marked_as_a_draft(as_clerk, draft):
    from urllib.parse import quote

    response = as_clerk.get(url("docx", draft))
    assert quote("-草稿.docx") in response["Content-Disposition"]
    assert "草稿" in as_clerk.get(url("print", draft)).content.decode()


def test_nobody_outside_the_department_downloads_an_unsigned_reply(client, draft, deputy, coordinator):
    client.force_login(deputy)
    assert client.get(url("pdf", draft)).status_code == 404
    client.force_login(coordinator)
    assert client.get(url("pdf", draft)).status_code == 404  # the office sees the status, not the draft


def test_posting_an_empty_editor_to_a_signed_reply_is_refused_cleanly(as_clerk, signed):
    response = as_clerk.post(url("save", signed), {})
    assert response.status_code == 200 and "有内容需要修改" in response.content.decode()


def test_render_reply_writes_the_signed_reply_and_refuses_an_unsigned_one(signed, draft, tmp_path, handling):
    from django.core.management import CommandError, call_command

    target = tmp_path / "reply.pdf"
    call_command("render_reply", signed.pk, "--format", "pdf", "--output", str(target), stdout=io.StringIO())
    assert target.read_bytes().startswith(b"%PDF")
    opinion = services.start_reply(handling.cohandler, handling.cohandler.signed_by)
    with pytest.raises(CommandError, match="尚未签发"):
        call_command("render_reply", opinion.pk, "--format", "docx", "--output", str(tmp_path / "x.docx"))
    call_command(
        "render_reply",
        opinion.pk,
        "--format",
        "html",
        "--draft",
        "--output",
        str(tmp_path / "x.html"),
        stdout=io.StringIO(),
    )
    assert "草稿" in (tmp_path / "x.html").read_text()


@pytest.mark.parametrize("department", ["x", "²", "", "99999999999999999999"])
def test_a_coordinator_naming_no_real_department_for_a_series_gets_a_message(client, coordinator, department):
    # Found by the wapiti scan: a non-numeric department was a 500.
    client.force_login(coordinator)
    data = {
        "department": department,
        "kind": "reply",
        "year": 2026,
        "pattern": "吉科发〔{年份}〕{序号}号",
        "next_number": 1,
    }
    response = client.post(reverse("replies:series"), data)
    assert response.status_code == 200
    assert "请选择单位" in response.content.decode()
