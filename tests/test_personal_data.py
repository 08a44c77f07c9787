"""Deputies' phone numbers and addresses (个人信息保护): masked for everyone but coordinators
and the deputy themself, each full view by a coordinator audited, never in exports."""

import io

import pytest
from django.template import Context, Template
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry
from accounts.personal_data import VIEWED, mask_address, mask_phone
from replies.tests.test_filters import make_replies, sign_all
from reports import exports

PHONE, ADDRESS = "13812345678", "吉林省长春市朝阳区人民大街2699号"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0431-88900000", "0431-****0000"),
        ("010 12345678", "010-****5678"),
        ("8890000", "****00"),
        ("110", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_number_keeps_only_its_first_three_and_last_four_digits(raw, masked):
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [(ADDRESS, "吉林省长春市****"), ("长春市南关区", "长春市****"), ("长春", "长****"), ("", ""), (None, "")],
)
def test_an_address_keeps_only_its_first_six_characters(raw, masked):
    assert mask_address(raw) == masked


def test_the_template_filters_mask_too():
    page = Template("{% load personal_data %}{{ p|mask_phone }} {{ a|mask_address }}").render(
        Context({"p": PHONE, "a": ADDRESS})
    )
    assert page == "138****5678 吉林省长春市****"


@pytest.fixture
def assigned(session, deputy, coordinator, department_a, clerk_a):
    deputy.deputy.__class__.objects.filter(pk=deputy.deputy.pk).update(phone=PHONE, address=ADDRESS)
    replies = make_replies(session, deputy, coordinator, department_a, clerk_a, [1])
    return replies[0].assignment.proposal


def detail(client, user, proposal):
    client.force_login(user)
    response = client.get(reverse("proposals:detail", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def full_views():
    return AuditEntry.objects.filter(action=VIEWED, object_type="accounts.deputy")


def test_a_clerk_sees_the_deputys_phone_and_address_masked_and_nothing_is_audited(client, clerk_a, assigned):
    page = detail(client, clerk_a, assigned)
    assert "138****5678" in page and "吉林省长春市****" in page
    assert PHONE not in page and ADDRESS not in page
    assert not full_views().exists()


def test_a_coordinator_sees_them_in_full_and_the_view_is_audited(client, coordinator, assigned):
    page = detail(client, coordinator, assigned)
    assert PHONE in page and ADDRESS in page
    entry = full_views().get()
    assert entry.user == coordinator
    assert entry.object_id == str(assigned.lead_deputy_id)
    assert entry.details["personal_data"] == ["phone", "address"]
    assert entry.details["proposal"] == assigned.pk


def test_the_deputy_sees_their_own_in_full_without_an_audit_entry(client, deputy, assigned):
    page = detail(client, deputy, assigned)
    assert PHONE in page and ADDRESS in page
    assert not full_views().exists()


def test_no_export_holds_a_deputys_phone_or_address(settings, tmp_path, clerk_a, leader_a, coordinator, assigned):
    settings.MEDIA_ROOT = tmp_path
    sign_all(list(assigned.assignments.get().replies.all()), leader_a)
    for user, list_name in [
        (clerk_a, "inbox"),
        (clerk_a, "replies"),
        (coordinator, "proposals"),
        (coordinator, "replies"),
    ]:
        export = exports.request_export(user, list_name, "")
        assert exports.build(export.pk)
        export.refresh_from_db()
        with export.file.open("rb") as f:
            cells = [str(c.value) for row in load_workbook(io.BytesIO(f.read())).active.iter_rows() for c in row]
        assert len(cells) > len(exports.LISTS[list_name].columns), list_name  # a data row was exported
        text = " ".join(cells)
        assert "5678" not in text and "人民大街" not in text, list_name
