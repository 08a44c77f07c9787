from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals.models import Assignment, Proposal
from replies.models import Reply

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def seed_53(demo_data):
    """The demo's seed proposal registered as 第53号, as it was in 2024."""
    proposal = Proposal.objects.get(title__startswith="关于充分发挥吉林省科教资源优势")
    Proposal.objects.filter(pk=proposal.pk).update(status="accepted", number=53)
    return Proposal.objects.get(pk=proposal.pk)


@pytest.fixture
def as_coordinator(client, seed_53):
    from accounts.models import User

    client.force_login(User.objects.get(username="coordinator"))
    return client


def upload(client, name, data):
    return client.post(reverse("replies:import"), {"file": SimpleUploadedFile(name, data)})


def confirm_data(response):
    """What the confirm page would post back, as the coordinator leaves it."""
    form, formset = response.context["form"], response.context["formset"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v is not None}
    data.update({f"section-{k}": v for k, v in formset.management_form.initial.items()})
    for i, f in enumerate(formset.forms):
        data[f"section-{i}-heading"] = f["heading"].value()
        data[f"section-{i}-body"] = f["body"].value()
    return data


def test_the_seed_reply_is_recognised_and_saved_against_its_proposal(as_coordinator, seed_53):
    response = upload(as_coordinator, "seed.txt", (DATA / "seed-reply-jilin-2024-56.txt").read_bytes())
    html = response.content.decode()
    assert "吉科发规划〔2024〕56号" in html and "关于“瞄准项目" in html
    data = confirm_data(response)
    assert data["proposal_number"] == 53 and data["date"] == "2024-05-14"
    saved = as_coordinator.post(reverse("replies:import_save"), data, follow=True)
    assert "已导入历史答复。" in saved.content.decode()
    reply = Reply.objects.get(assignment__proposal=seed_53)
    assert (reply.status, reply.document_number, reply.signed_at.date().isoformat()) == (
        "signed",
        "吉科发规划〔2024〕56号",
        "2024-05-14",
    )
    assignment = reply.assignment
    assert assignment.mode == Assignment.Mode.LEAD and assignment.replied_at == reply.signed_at
    assert Proposal.objects.get(pk=seed_53.pk).status == "closed"  # nothing else owed: 办结
    content = reply.signed_content
    assert len(content.sections) == 5
    assert [s.suggestions for s in content.sections] == [[s.pk] for s in seed_53.suggestions.all()]
    # importing it again is refused
    again = as_coordinator.post(reverse("replies:import_save"), data).content.decode()
    assert "已有答复" in again


def test_a_proposal_number_that_does_not_exist_is_named(as_coordinator):
    response = upload(as_coordinator, "seed.txt", (DATA / "seed-reply-jilin-2024-56.txt").read_bytes())
    data = confirm_data(response)
    data["proposal_number"] = 999
    html = as_coordinator.post(reverse("replies:import_save"), data).content.decode()
    assert "没有第999号建议" in html and not Reply.objects.exists()


def test_a_reply_published_as_a_summary_needs_its_summary_which_the_portal_searches(as_coordinator, seed_53):
    response = upload(as_coordinator, "seed.txt", (DATA / "seed-reply-jilin-2024-56.txt").read_bytes())
    data = confirm_data(response) | {"disclosure": "summary", "summary": ""}
    html = as_coordinator.post(reverse("replies:import_save"), data).content.decode()
    assert "摘要公开的答复须填写公开摘要。" in html
    assert not Reply.objects.filter(assignment__proposal=seed_53).exists()
    data["summary"] = "科技厅围绕五条建议推进科教资源转化。"
    as_coordinator.post(reverse("replies:import_save"), data)
    reply = Reply.objects.get(assignment__proposal=seed_53)
    assert reply.signed_content.summary == "科技厅围绕五条建议推进科教资源转化。"
    assert "科教资源转化" in reply.public_text


def test_a_real_reply_with_gaps_shows_its_warnings(as_coordinator):
    html = upload(as_coordinator, "r10.txt", (DATA / "real-reply-10.txt").read_bytes()).content.decode()
    assert "未识别到文号" in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "空"),
        ("x.docx", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "加密"),
        ("x.pdf", b"%PDF-1.4", ".txt"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(as_coordinator, name, data, message):
    html = upload(as_coordinator, name, data).content.decode()
    assert message in html and not Reply.objects.exists()


def test_a_reply_cannot_be_imported_for_a_co_handler_or_beside_another_lead(seed_53):
    import datetime

    from accounts.models import Department, User
    from proposals import assigning
    from proposals.assigning import PlanLine
    from replies import scaffold, services

    coordinator = User.objects.get(username="coordinator")
    science, education = Department.objects.get(short_name="省科技厅"), Department.objects.get(short_name="省教育厅")
    plan = [PlanLine(science, Assignment.Mode.LEAD), PlanLine(education, Assignment.Mode.COHANDLER)]
    assigning.assign_proposal(seed_53, plan, coordinator)
    content = scaffold.ReplyContent("t", "王宇辉代表：", "o", [], [], "吉林省教育厅", date=datetime.date(2024, 5, 14))
    with pytest.raises(services.ReplyError, match="协办单位"):
        services.import_historical(seed_53, education, content, coordinator)
    industry = Department.objects.get(short_name="省工信厅")
    with pytest.raises(services.ReplyError, match="由吉林省科学技术厅主办"):
        services.import_historical(seed_53, industry, content, coordinator)
    reply = services.import_historical(seed_53, science, content, coordinator)
    assert reply.assignment.department == science and Assignment.objects.count() == 2
