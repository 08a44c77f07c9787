import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Attachment, Proposal, ProposalEvent

from .conftest import SUGGESTIONS, reload

Status = Proposal.Status


def form_data(category, **changes):
    data = {
        "title": "加强科技成果转化",
        "body": "科技成果转化率不高。",
        "category": category.pk,
        "agrees_to_publish": "on",
        "suggestion": list(SUGGESTIONS),
        "client_token": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


# --- the deputy's form --------------------------------------------------------------------------


def test_the_new_proposal_form_shows_the_open_session_and_its_deadline(client, deputy, session):
    client.force_login(deputy)
    page = client.get(reverse("proposals:create")).content.decode()
    assert session.name in page
    assert "提交截止" in page


def test_without_an_open_session_the_deputy_is_told_and_sent_back(client, deputy, past_session):
    client.force_login(deputy)
    response = client.get(reverse("proposals:create"), follow=True)
    assert "当前没有正在受理建议的会次" in response.content.decode()


def test_saving_a_draft_normalises_the_title_and_keeps_the_suggestion_order(client, deputy, session, category):
    client.force_login(deputy)
    data = form_data(category, suggestion=["第二条写在前面。", "", "第一条写在后面。"])
    response = client.post(reverse("proposals:create"), data)
    proposal = Proposal.objects.get()
    assert response["Location"] == reverse("proposals:edit", args=[proposal.pk])
    assert proposal.title == "关于加强科技成果转化的建议"
    assert proposal.status == Status.DRAFT
    assert list(proposal.suggestions.values_list("text", flat=True)) == ["第二条写在前面。", "第一条写在后面。"]


def test_submitting_from_the_new_form_creates_and_submits_one_proposal(client, deputy, session, category):
    client.force_login(deputy)
    response = client.post(reverse("proposals:create_submit"), form_data(category), follow=True)
    proposal = Proposal.objects.get()
    assert proposal.status == Status.SUBMITTED
    assert "建议已提交" in response.content.decode()


def test_a_double_clicked_submit_creates_one_proposal(client, deputy, session, category):
    client.force_login(deputy)
    data = form_data(category)
    client.post(reverse("proposals:create_submit"), data)
    second = client.post(reverse("proposals:create_submit"), data, follow=True)
    assert Proposal.objects.count() == 1
    assert ProposalEvent.objects.filter(kind="submitted").count() == 1
    assert second.status_code == 200


def test_an_empty_title_is_refused_in_chinese_and_the_text_is_kept(client, deputy, session, category):
    client.force_login(deputy)
    response = client.post(reverse("proposals:create_submit"), form_data(category, title="  ", body="我写的正文"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写标题。" in page
    assert "我写的正文" in page and SUGGESTIONS[0] in page
    assert Proposal.objects.count() == 0


def test_over_long_fields_are_refused_with_their_limits(client, deputy, session, category):
    client.force_login(deputy)
    response = client.post(
        reverse("proposals:create_submit"),
        form_data(category, title="关于" + "长" * 250 + "的建议", suggestion=["x" * 2001]),
    )
    page = response.content.decode()
    assert "标题最多200字（现为255字）。" in page
    assert "第1条建议超过2000字" in page
    assert Proposal.objects.count() == 0


def test_submitting_without_suggestions_is_refused_and_keeps_the_draft_text(client, deputy, session, category):
    client.force_login(deputy)
    response = client.post(reverse("proposals:create_submit"), form_data(category, suggestion=["", " "]))
    assert "请至少填写一条具体建议" in response.content.decode()
    assert not Proposal.objects.filter(status=Status.SUBMITTED).exists()


def test_a_submission_after_the_deadline_is_refused(client, deputy, session, category):
    client.force_login(deputy)
    draft = client.post(reverse("proposals:create"), form_data(category))
    proposal = Proposal.objects.get()
    session.submission_deadline = timezone.now() - datetime.timedelta(minutes=1)
    session.save()
    response = client.post(reverse("proposals:submit", args=[proposal.pk]), follow=True)
    assert draft.status_code == 302
    assert "截止时间" in response.content.decode()
    assert reload(proposal).status == Status.DRAFT


def test_editing_after_submission_is_not_possible(client, deputy, submitted, category):
    client.force_login(deputy)
    response = client.get(reverse("proposals:edit", args=[submitted.pk]), follow=True)
    assert "建议已提交，不能再修改" in response.content.decode()
    client.post(reverse("proposals:edit", args=[submitted.pk]), form_data(category, title="关于偷改的建议"))
    assert reload(submitted).title == "关于加强科技成果转化的建议"


def test_a_returned_proposal_is_edited_and_resubmitted(client, deputy, submitted, coordinator, category):
    services.return_for_revision(submitted, coordinator, "请补充具体措施。")
    client.force_login(deputy)
    page = client.get(reverse("proposals:edit", args=[submitted.pk])).content.decode()
    assert "请补充具体措施。" in page
    data = form_data(
        category,
        title="关于加强科技成果转化的建议",
        version=reload(submitted).version,
        suggestion=[*SUGGESTIONS, "设立成果转化基金。"],
    )
    client.post(reverse("proposals:edit_submit", args=[submitted.pk]), data)
    proposal = reload(submitted)
    assert proposal.status == Status.SUBMITTED
    assert proposal.suggestions.count() == 3


def test_html_in_any_text_is_shown_escaped(client, deputy, session, category, coordinator):
    client.force_login(deputy)
    client.post(
        reverse("proposals:create_submit"),
        form_data(
            category, title="<script>alert(1)</script>", body="<b>粗体</b>", suggestion=["<img src=x onerror=alert(2)>"]
        ),
    )
    proposal = Proposal.objects.get()
    client.force_login(coordinator)
    for url in (reverse("proposals:detail", args=[proposal.pk]), reverse("proposals:list"), reverse("home")):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "<img src=x" not in page and "<b>粗体</b>" not in page
    assert "&lt;script&gt;" in client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()


# --- extraction and similar proposals --------------------------------------------------------------


def test_pasting_the_seed_text_fills_the_suggestion_list(client, deputy):
    from proposals.demo import SEED_BODY, SEED_SUGGESTIONS

    client.force_login(deputy)
    page = client.post(reverse("proposals:extract"), {"body": SEED_BODY}).content.decode()
    assert "已从正文中提取 5 条建议" in page
    for text in SEED_SUGGESTIONS:
        assert f">{text}</textarea>" in page


def test_similar_proposals_are_shown_while_drafting(client, deputy, outsider_deputy, make_submitted, coordinator):
    services.accept_proposal(make_submitted(outsider_deputy, "关于加强科技成果转化工作的建议"), coordinator)
    make_submitted(outsider_deputy, "关于促进科技成果转化的建议")  # pending: not shown to other deputies
    client.force_login(deputy)
    page = client.get(reverse("proposals:similar"), {"title": "关于加强科技成果转化的建议"}).content.decode()
    assert "关于加强科技成果转化工作的建议" in page
    assert "关于促进科技成果转化的建议" not in page
    client.force_login(coordinator)
    page = client.get(reverse("proposals:similar"), {"title": "关于加强科技成果转化的建议"}).content.decode()
    assert "关于促进科技成果转化的建议" in page


def test_the_reviewer_sees_similar_proposals_of_past_sessions(
    client, coordinator, deputy, outsider_deputy, make_submitted, past_session
):
    Proposal.objects.create(
        session=past_session,
        title="关于加强科技成果转化的建议",
        body="x",
        number=7,
        lead_deputy=outsider_deputy.deputy,
        status=Status.ACCEPTED,
        created_by=outsider_deputy,
        search_text="关于加强科技成果转化的建议",
    )
    proposal = make_submitted(deputy)
    client.force_login(coordinator)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "相似的建议" in page and past_session.name in page


# --- co-signing in the browser's terms -----------------------------------------------------------------


def test_inviting_a_non_deputy_by_name_shows_a_chinese_error(client, deputy, make_draft, clerk_a):
    proposal = make_draft(deputy)
    client.force_login(deputy)
    response = client.post(reverse("proposals:invite", args=[proposal.pk]), {"name": clerk_a.full_name}, follow=True)
    assert "不是人大代表，只能邀请代表联名" in response.content.decode()
    assert not proposal.cosigners.exists()


def test_an_invited_deputy_sees_the_invitation_on_the_home_page_and_confirms(client, deputy, cosigner, make_draft):
    proposal = make_draft(deputy)
    client.force_login(deputy)
    client.post(reverse("proposals:invite", args=[proposal.pk]), {"name": "刘晓梅"})
    client.force_login(cosigner)
    assert "待确认的联名邀请" in client.get(reverse("home")).content.decode()
    client.post(reverse("proposals:cosign_confirm", args=[proposal.pk]))
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "王宇辉等2位代表" in page


# --- review ----------------------------------------------------------------------------------------------


def test_the_coordinator_accepts_from_the_proposal_page_and_sees_the_number(client, coordinator, submitted):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:accept", args=[submitted.pk]), follow=True)
    page = response.content.decode()
    assert "已立案，编号为第1号" in page
    assert "第1号" in page


def test_accepting_an_already_accepted_proposal_says_so(client, coordinator, accepted):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:accept", args=[accepted.pk]), follow=True)
    assert "不能进行此项操作" in response.content.decode()
    assert reload(accepted).number == 1


def test_not_accepting_without_a_reason_is_refused(client, coordinator, submitted):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:not_accept", args=[submitted.pk]), {"reason": ""}, follow=True)
    assert "请选择不予立案的理由" in response.content.decode()
    assert reload(submitted).status == Status.SUBMITTED


def test_merging_with_a_number_that_does_not_exist_is_refused(client, coordinator, submitted):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:merge", args=[submitted.pk]), {"number": 99}, follow=True)
    assert "没有第99号建议" in response.content.decode()


def test_the_timeline_shows_every_step(client, coordinator, submitted):
    services.accept_proposal(submitted, coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("proposals:detail", args=[submitted.pk])).content.decode()
    for label in ("创建草稿", "提交", "立案", "待审查 → 已立案"):
        assert label in page


def test_the_review_queue_filters_by_status_and_keeps_the_filter_in_pagination(
    client, coordinator, deputy, make_submitted
):
    for i in range(30):
        make_submitted(deputy, f"关于第{i}项工作的建议")
    client.force_login(coordinator)
    response = client.get(reverse("proposals:list"), {"status": "submitted", "ordering": "submitted_at"})
    page = response.content.decode()
    assert "共 30 件" in page
    assert "status=submitted" in page and "page=2" in page
    assert client.get(reverse("proposals:list"), {"status": "accepted"}).context["page_obj"].paginator.count == 0


def test_the_proposal_list_runs_a_fixed_number_of_queries(
    client, coordinator, deputy, cosigner, make_submitted, django_assert_max_num_queries
):
    for i in range(25):
        proposal = make_submitted(deputy, f"关于第{i}项工作的建议")
        services.invite_cosigner(proposal, deputy, cosigner.deputy)
        services.respond_to_invitation(proposal, cosigner, accept=True)
    client.force_login(coordinator)
    # session, user, notifications count, calendar banner, filter choices (sessions, categories,
    # delegations, departments), count, page
    with django_assert_max_num_queries(11):
        page = client.get(reverse("proposals:list")).content.decode()
    assert page.count("王宇辉等2位代表") == 25


def test_the_proposal_page_runs_a_fixed_number_of_queries(
    client, coordinator, deputy, make_submitted, django_assert_max_num_queries
):
    proposal = make_submitted(deputy, suggestions=[f"第{i}条" for i in range(20)])
    client.force_login(coordinator)
    client.get(reverse("home"))  # the calendar banner's facts are cached per worker
    with django_assert_max_num_queries(15):
        client.get(reverse("proposals:detail", args=[proposal.pk]))


def test_the_proposal_page_reads_attachments_and_merged_proposals_only_when_there_are_some(
    client, coordinator, deputy, make_submitted
):
    proposal = make_submitted(deputy)
    client.force_login(coordinator)
    url = reverse("proposals:detail", args=[proposal.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as bare:
        client.get(url)
    Attachment.objects.create(
        proposal=proposal, file="attachments/x.pdf", original_name="调研.pdf", kind="pdf", size=10, uploaded_by=deputy
    )
    other = make_submitted(deputy, "关于并入的建议")
    Proposal.objects.filter(pk=other.pk).update(merged_into=proposal)
    with CaptureQueriesContext(connection) as full:
        page = client.get(url).content.decode()
    assert len(full.captured_queries) == len(bare.captured_queries) + 2
    assert "调研.pdf" in page and "关于并入的建议" in page


# --- attachments ---------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, proposal, name, content):
    return client.post(
        reverse("proposals:attachment_upload", args=[proposal.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_an_attachment_is_stored_under_a_random_name_and_downloaded_safely(
    client, deputy, make_draft, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proposal = make_draft(deputy)
    client.force_login(deputy)
    assert "已上传附件" in upload(client, proposal, "调研报告.pdf", PDF).content.decode()
    attachment = Attachment.objects.get()
    assert "调研报告" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    response = client.get(reverse("proposals:attachment_download", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF


def test_an_attachment_that_lies_about_its_type_is_refused(client, deputy, make_draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    proposal = make_draft(deputy)
    client.force_login(deputy)
    page = upload(client, proposal, "报告.pdf", b"<html><script>alert(1)</script></html>").content.decode()
    assert "只能上传 PDF、DOCX、XLSX、JPG、PNG" in page
    assert not Attachment.objects.exists()


def test_an_empty_attachment_is_refused(client, deputy, make_draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    proposal = make_draft(deputy)
    client.force_login(deputy)
    assert "是空文件" in upload(client, proposal, "空.pdf", b"").content.decode()
    assert not Attachment.objects.exists()


def test_at_most_ten_attachments_per_proposal(client, deputy, make_draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    proposal = make_draft(deputy)
    client.force_login(deputy)
    for i in range(10):
        upload(client, proposal, f"{i}.pdf", PDF)
    assert "最多上传10个附件" in upload(client, proposal, "11.pdf", PDF).content.decode()
    assert Attachment.objects.count() == 10


def test_attachments_of_a_proposal_one_cannot_see_are_not_found(
    client, deputy, outsider_deputy, make_draft, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proposal = make_draft(deputy)
    client.force_login(deputy)
    upload(client, proposal, "a.pdf", PDF)
    client.force_login(outsider_deputy)
    assert client.get(reverse("proposals:attachment_download", args=[Attachment.objects.get().pk])).status_code == 404


@pytest.mark.parametrize("name", ["attachment_upload", "accept", "submit", "withdraw"])
def test_actions_refuse_get(client, coordinator, submitted, name):
    client.force_login(coordinator)
    assert client.get(reverse(f"proposals:{name}", args=[submitted.pk])).status_code == 405


def session_post(session, **changes):
    from proposals.forms import SessionForm

    form = SessionForm(instance=session)
    data = {name: form[name].value() for name in form.fields}
    data["result_categories"] = form.fields["result_categories"].prepare_value(session.result_categories)
    data["submission_deadline"] = session.submission_deadline.strftime("%Y-%m-%dT%H:%M")
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    data.update(changes)
    return data


def test_a_coordinator_sets_the_result_categories_and_the_contact_rule(client, coordinator, session):
    client.force_login(coordinator)
    data = session_post(session, result_categories="甲 已经解决\n乙 正在解决\n丙 留作参考")
    data.pop("contact_required", None)
    response = client.post(reverse("proposals:session_edit", args=[session.pk]), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.result_categories == [["甲", "已经解决"], ["乙", "正在解决"], ["丙", "留作参考"]]
    assert session.contact_required is False


@pytest.mark.parametrize(
    ("text", "message"),
    [("A 已经解决\nA 重复", "重复了"), ("A", "格式不对"), ("A 只有一类", "至少设置两个")],
)
def test_malformed_result_categories_are_refused(client, coordinator, session, text, message):
    client.force_login(coordinator)
    response = client.post(
        reverse("proposals:session_edit", args=[session.pk]), session_post(session, result_categories=text)
    )
    assert message in response.content.decode()
    session.refresh_from_db()
    assert session.result_categories[0][0] == "A"


def test_the_proposal_page_shows_which_step_it_has_reached(client, deputy, submitted, coordinator):
    client.force_login(deputy)
    page = client.get(reverse("proposals:detail", args=[submitted.pk])).content.decode()
    assert 'progress-steps__step--done">1. 提交' not in page  # the number comes from CSS
    assert 'progress-steps__step progress-steps__step--current" aria-current="step">审查立案' in page
    services.accept_proposal(submitted, coordinator)
    page = client.get(reverse("proposals:detail", args=[submitted.pk])).content.decode()
    assert 'progress-steps__step--done">审查立案' in page
    assert 'aria-current="step">交办' in page


@pytest.mark.django_db(transaction=True)
def test_merging_works_outside_a_test_transaction(client, coordinator, make_submitted, deputy, outsider_deputy):
    # Under `db` every test runs inside a transaction, which hid a select_for_update without
    # one of its own (a 500 in production).
    main = services.accept_proposal(make_submitted(deputy, "关于加强科技成果转化的建议"), coordinator)
    other = make_submitted(outsider_deputy, "关于促进科技成果转化的建议")
    client.force_login(coordinator)
    response = client.post(reverse("proposals:merge", args=[other.pk]), {"number": main.number})
    assert response.status_code == 302
    assert reload(other).merged_into == main
