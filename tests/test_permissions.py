"""Every URL × every persona: anonymous → login, wrong role → 403, an object the persona
may not see → 404, otherwise the page or action answers.

New URLs must be added to URLS (the test fails for any named URL it does not know), so no
view can escape the walk.
"""

import datetime

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Notification, Role
from conftest import PERSONAS
from proposals import assigning, services
from proposals.assigning import PlanLine
from proposals.models import Assignment, AssignmentRequest, Attachment, Category, ImportBatch, Proposal, Session
from replies import services as reply_services
from replies.models import ArchiveExport, Commitment, DocumentSeries, Reply, ReplyVersion, Snippet
from reports.models import ListExport

EVERYONE = tuple(Role.values)
DEPUTY, COORDINATOR = (Role.DEPUTY,), (Role.COORDINATOR,)
DEPARTMENT = (Role.CLERK, Role.LEADER)
BOTH = (Role.DEPUTY, Role.COORDINATOR)
LEADER = (Role.LEADER,)
READERS = (Role.DEPUTY, Role.CLERK, Role.LEADER, Role.COORDINATOR)
EXPORTERS = (Role.CLERK, Role.LEADER, Role.COORDINATOR)

# URLs anyone may open, signed in or not.
PUBLIC = {"accounts:login", "accounts:logout", "healthz", "set_language"}
# The login's second step answers anyone with a pending sign-in (accounts/tests/test_two_factor.py).
PUBLIC |= {"two_factor:verify"}
# The public portal answers everyone alike (portal/tests check its pages).
PUBLIC |= {"portal:index", "portal:proposal", "portal:reply", "portal:reply_pdf"}

# name → (method, roles that may use it, the object the URL names or None)
# Objects: "proposal" is led by `deputy`, co-signed by `cosigner`; others cannot see it.
# "account" is `clerk_a`'s user account (the security administrator's 变更角色 page).
URLS = {
    "home": ("get", EVERYONE, None),
    "search": ("get", READERS, None),
    "accounts:password_change": ("get", EVERYONE, None),
    "accounts:password_change_done": ("get", EVERYONE, None),
    "accounts:test_email": ("get", (Role.SYSADMIN,), None),
    "accounts:security_users": ("get", (Role.SECADMIN,), None),
    "accounts:force_logout": ("post", (Role.SECADMIN,), None),
    "accounts:security_lockouts": ("get", (Role.SECADMIN,), None),
    "accounts:security_policy": ("get", (Role.SECADMIN,), None),
    "accounts:unlock": ("post", (Role.SECADMIN,), None),
    "accounts:role_change": ("get", (Role.SECADMIN,), "account"),
    "accounts:role_change_submit": ("post", (Role.SECADMIN,), "account"),
    "accounts:notifications": ("get", EVERYONE, None),
    "accounts:notifications_read_all": ("post", EVERYONE, None),
    "accounts:notification_settings": ("post", EVERYONE, None),
    "accounts:notification_open": ("post", EVERYONE, "notification"),
    "two_factor:setup": ("get", EVERYONE, None),
    "two_factor:confirm": ("post", EVERYONE, None),
    "two_factor:recovery_codes": ("post", EVERYONE, None),
    "two_factor:disable": ("post", EVERYONE, None),
    "two_factor:reset": ("post", (Role.SECADMIN,), None),
    "audit:list": ("get", (Role.AUDITOR,), None),
    "audit:export": ("get", (Role.AUDITOR,), None),
    "proposals:list": ("get", BOTH, None),
    "proposals:create": ("get", DEPUTY, None),
    "proposals:create_submit": ("post", DEPUTY, None),
    "proposals:staff_entry": ("get", COORDINATOR, None),
    "proposals:extract": ("post", BOTH, None),
    "proposals:similar": ("get", BOTH, None),
    "proposals:detail": ("get", EVERYONE, "proposal"),
    "proposals:edit": ("get", DEPUTY, "proposal"),
    "proposals:edit_submit": ("post", DEPUTY, "proposal"),
    "proposals:submit": ("post", DEPUTY, "proposal"),
    "proposals:invite": ("post", DEPUTY, "proposal"),
    "proposals:cosign_confirm": ("post", DEPUTY, "proposal"),
    "proposals:cosign_decline": ("post", DEPUTY, "proposal"),
    "proposals:withdraw": ("post", DEPUTY, "proposal"),
    "proposals:withdraw_agree": ("post", DEPUTY, "proposal"),
    "proposals:attachment_upload": ("post", BOTH, "proposal"),
    "proposals:attachment_download": ("get", EVERYONE, "attachment"),
    "proposals:attachment_delete": ("post", DEPUTY, "attachment"),
    "proposals:accept": ("post", COORDINATOR, "proposal"),
    "proposals:return": ("post", COORDINATOR, "proposal"),
    "proposals:not_accept": ("post", COORDINATOR, "proposal"),
    "proposals:merge": ("post", COORDINATOR, "proposal"),
    "proposals:assign": ("get", COORDINATOR, "proposal"),
    "proposals:bulk_assign": ("get", COORDINATOR, None),
    "proposals:key_supervision": ("post", COORDINATOR, "assigned"),
    "proposals:inbox": ("get", DEPARTMENT, None),
    "proposals:sign": ("post", DEPARTMENT, "assignment"),
    "proposals:request_reassignment": ("post", DEPARTMENT, "assignment"),
    "proposals:request_extension": ("post", DEPARTMENT, "assignment"),
    "proposals:chase": ("post", COORDINATOR, "assignment"),
    "proposals:requests": ("get", COORDINATOR, None),
    "proposals:dashboard": ("get", COORDINATOR, None),
    "proposals:approve_request": ("post", COORDINATOR, "request"),
    "proposals:refuse_request": ("post", COORDINATOR, "request"),
    "proposals:calendar": ("get", COORDINATOR, None),
    "proposals:calendar_day": ("post", COORDINATOR, None),
    "proposals:calendar_import": ("post", COORDINATOR, None),
    "proposals:session_list": ("get", COORDINATOR, None),
    "proposals:session_create": ("get", COORDINATOR, None),
    "proposals:session_edit": ("get", COORDINATOR, "session"),
    "proposals:category_list": ("get", COORDINATOR, None),
    "proposals:category_edit": ("get", COORDINATOR, "category"),
    "proposals:import": ("get", COORDINATOR, None),
    "proposals:import_template": ("get", COORDINATOR, None),
    "proposals:import_batch": ("get", COORDINATOR, "batch"),
    "proposals:import_progress": ("get", COORDINATOR, "batch"),
    "replies:list": ("get", (Role.CLERK, Role.LEADER, Role.COORDINATOR), None),
    "replies:start": ("post", DEPARTMENT, "assignment"),
    "replies:detail": ("get", READERS, "reply"),
    "replies:save": ("post", DEPARTMENT, "reply"),
    "replies:preview": ("post", DEPARTMENT, "reply"),
    "replies:presence": ("post", DEPARTMENT, "reply"),
    "replies:submit": ("post", DEPARTMENT, "reply"),
    "replies:return": ("post", LEADER, "reply"),
    "replies:sign": ("post", LEADER, "reply"),
    "replies:correct": ("post", DEPARTMENT, "reply"),
    "replies:contact_add": ("post", DEPARTMENT, "reply"),
    "replies:feedback": ("post", DEPUTY, "reply"),
    "replies:rehandle": ("post", COORDINATOR, "reply"),
    "replies:decline_rehandling": ("post", COORDINATOR, "reply"),
    "replies:rehandling_queue": ("get", COORDINATOR, None),
    "replies:commitment_add": ("post", DEPARTMENT, "reply"),
    "replies:commitment_remove": ("post", DEPARTMENT, "commitment"),
    "replies:commitment_report": ("post", DEPARTMENT, "commitment"),
    "replies:commitment_done": ("post", DEPARTMENT, "commitment"),
    "replies:followups": ("get", EXPORTERS, None),
    "replies:versions": ("get", READERS, "reply"),
    "replies:diff": ("get", READERS, "reply"),
    "replies:pdf": ("get", READERS, "reply"),
    "replies:docx": ("get", READERS, "reply"),
    "replies:print": ("get", READERS, "reply"),
    "replies:publish": ("post", COORDINATOR, "reply"),
    "replies:publication_queue": ("get", COORDINATOR, None),
    **{
        f"replies:section_{op}": ("post", DEPARTMENT, "reply")
        for op in ("add", "remove", "up", "down", "merge", "split")
    },
    "replies:waive": ("post", COORDINATOR, "assignment"),
    "replies:snippets": ("get", DEPARTMENT, None),
    "replies:snippet_edit": ("get", DEPARTMENT, "snippet"),
    "replies:snippet_delete": ("post", DEPARTMENT, "snippet"),
    "replies:settings": ("get", LEADER, None),
    "replies:series": ("get", (Role.CLERK, Role.LEADER, Role.COORDINATOR), None),
    "replies:series_edit": ("get", (Role.LEADER, Role.COORDINATOR), "series"),
    "replies:import": ("get", COORDINATOR, None),
    "replies:import_save": ("post", COORDINATOR, None),
    "replies:archives": ("get", EXPORTERS, None),
    "replies:archive": ("get", EXPORTERS, "export"),
    "replies:archive_progress": ("get", EXPORTERS, "export"),
    "replies:archive_download": ("get", EXPORTERS, "export"),
    "replies:feedback_list": ("get", COORDINATOR, None),
    "reports:exports": ("get", READERS, None),
    "reports:export_create": ("post", READERS, None),
    "reports:export": ("get", READERS, "list_export"),
    "reports:export_progress": ("get", READERS, "list_export"),
    "reports:export_download": ("get", READERS, "list_export"),
    "reports:statistics": ("get", COORDINATOR, None),
    "reports:statistics_xlsx": ("get", COORDINATOR, None),
    "reports:annual_report": ("post", COORDINATOR, None),
}

# Who can see each object: everyone else gets 404. "proposal" (and its attachment) is
# submitted, not yet assigned; "assigned" is assigned to department A (its "assignment").
SEES = {
    "proposal": {"deputy", "cosigner", "coordinator"},
    "attachment": {"deputy", "cosigner", "coordinator"},
    "assigned": {"deputy", "coordinator", "clerk_a", "leader_a"},
    "assignment": {"coordinator", "clerk_a", "leader_a"},
    # department A's signed reply to "assigned", led by `deputy`
    "reply": {"coordinator", "clerk_a", "leader_a", "deputy"},
    "snippet": {"clerk_a", "leader_a"},
    "series": {"coordinator", "clerk_a", "leader_a"},
    "export": {"coordinator"},  # an archive is its requester's
    "list_export": {"coordinator"},  # so is an Excel export of a list
    "commitment": {"coordinator", "clerk_a", "leader_a", "deputy"},  # as its reply
}
# The lead-only pages hide the proposal from a co-signer.
LEAD_ONLY = {"proposals:edit", "proposals:edit_submit", "proposals:submit"}


@pytest.fixture
def world(deputy, cosigner, coordinator, clerk_a, leader_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = Session.objects.create(
        name="省十四届人大三次会议",
        level="provincial",
        term=14,
        session_no=3,
        opens_on=datetime.date(2026, 1, 20),
        closes_on=datetime.date(2026, 1, 25),
        submission_deadline=timezone.now() + datetime.timedelta(days=30),
    )
    category = Category.objects.create(name="科技创新", parent=Category.objects.create(name="经济建设"))
    proposal = services.save_draft(
        actor=deputy,
        session=session,
        suggestions=["一条建议。"],
        data={"title": "关于测试权限的建议", "body": "正文", "category": category},
    )
    services.invite_cosigner(proposal, deputy, cosigner.deputy)
    services.respond_to_invitation(proposal, cosigner, accept=True)
    services.submit_proposal(proposal, deputy)
    assigned = services.save_draft(
        actor=deputy,
        session=session,
        suggestions=["一条建议。"],
        data={"title": "关于已交办的建议", "body": "正文", "category": category},
    )
    services.submit_proposal(assigned, deputy)
    services.accept_proposal(assigned, coordinator)
    lead = [PlanLine(clerk_a.department, Assignment.Mode.LEAD)]
    assignment = assigning.assign_proposal(assigned, lead, coordinator)[0]
    pending = AssignmentRequest.objects.create(
        assignment=assignment, kind="extend", reason="x", requested_by=clerk_a, requested_until=assignment.max_reply_due
    )
    assigning.sign_for(assignment, clerk_a)
    reply = reply_services.start_reply(assignment, clerk_a)
    signed = ReplyVersion.objects.create(
        reply=reply, number=2, kind="signed", content=reply.content, text="x", saved_by=leader_a
    )
    Reply.objects.filter(pk=reply.pk).update(
        status="signed", signed_version=signed, document_number="吉科发规划〔2026〕1号", signed_at=timezone.now()
    )
    commitment = Commitment.objects.create(
        reply=reply, text="建成平台", due=datetime.date(2027, 6, 30), created_by=clerk_a
    )
    snippet = Snippet.objects.create(department=clerk_a.department, title="结束语", text="感谢。", updated_by=clerk_a)
    series = DocumentSeries.objects.create(
        department=clerk_a.department, year=2026, pattern="吉科发规划〔{年份}〕{序号}号"
    )
    export = ArchiveExport.objects.create(
        requested_by=coordinator,
        session=session,
        status="done",
        total=1,
        processed=1,
        file=default_storage.save("archives/x.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18)),
    )
    stored = default_storage.save("attachments/x.pdf", ContentFile(b"%PDF-1.4\n"))
    attachment = Attachment.objects.create(
        proposal=proposal, file=stored, original_name="x.pdf", kind="pdf", size=9, uploaded_by=deputy
    )
    batch = ImportBatch.objects.create(file="imports/x.xlsx", original_name="x.xlsx", uploaded_by=coordinator)
    return {
        "proposal": proposal,
        "attachment": attachment,
        "session": session,
        "category": category,
        "batch": batch,
        "assigned": assigned,
        "assignment": assignment,
        "request": pending,
        "reply": reply,
        "snippet": snippet,
        "series": series,
        "export": export,
        "list_export": ListExport.objects.create(
            requested_by=coordinator,
            list_name="proposals",
            status="done",
            total=1,
            processed=1,
            file=default_storage.save("exports/x.xlsx", ContentFile(b"PK\x05\x06" + b"\x00" * 18)),
        ),
        "commitment": commitment,
        "account": clerk_a,
    }


def url_for(name, world, user=None):
    obj_kind = URLS[name][2]
    if obj_kind is None:
        return reverse(name)
    if obj_kind == "notification":
        notification = Notification.objects.create(user=user, message="x", url="/") if user else None
        return reverse(name, args=[notification.pk if notification else 1])
    return reverse(name, args=[world[obj_kind].pk])


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                continue  # walked separately below, model by model
            yield from named_urls(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def admin_urls(sysadmin):
    """The index and every registered accounts model's pages."""
    urls = [reverse("admin:index"), reverse("admin:app_list", args=["accounts"]), reverse("admin:password_change")]
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label != "accounts":
            continue
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    urls += [
        reverse("admin:accounts_user_change", args=[sysadmin.pk]),
        reverse("admin:accounts_user_history", args=[sysadmin.pk]),
        reverse("admin:accounts_user_delete", args=[sysadmin.pk]),
    ]
    return urls


def test_the_walk_knows_every_named_url():
    assert set(named_urls()) == set(URLS) | PUBLIC


@pytest.mark.parametrize("name", sorted(URLS))
def test_anonymous_visitors_are_sent_to_login(client, world, name):
    method = URLS[name][0]
    response = getattr(client, method)(url_for(name, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def expected_status(persona_name, persona, name):
    _method, roles, obj_kind = URLS[name]
    if persona.role not in roles:
        return 403
    if obj_kind in SEES and (persona_name not in SEES[obj_kind] or (name in LEAD_ONLY and persona_name != "deputy")):
        return 404
    return "ok"


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("name", sorted(URLS))
def test_each_persona_gets_exactly_what_its_role_and_visibility_allow(client, world, request, persona, name):
    persona_name = request.node.callspec.params["persona"]
    client.force_login(persona)
    method = URLS[name][0]
    response = getattr(client, method)(url_for(name, world, persona))
    expected = expected_status(persona_name, persona, name)
    if expected == "ok":
        # Allowed: the page shows, or the action runs (and may redirect with a message).
        assert response.status_code in (200, 302), (name, response.status_code)
    else:
        assert response.status_code == expected, name


@pytest.mark.parametrize("name", sorted(n for n, (method, _r, _o) in URLS.items() if method == "post"))
def test_every_action_refuses_get(client, world, coordinator, name):
    client.force_login(coordinator)
    assert client.get(url_for(name, world, coordinator)).status_code == 405


def test_a_notification_of_someone_else_is_not_found(client, world, deputy, cosigner):
    mine = Notification.objects.create(user=deputy, message="x", url="/")
    client.force_login(cosigner)
    assert client.post(reverse("accounts:notification_open", args=[mine.pk])).status_code == 404


def test_anonymous_visitors_are_sent_from_every_admin_page_to_the_one_login_page(client, sysadmin):
    for url in admin_urls(sysadmin):
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.request["PATH_INFO"] == reverse("accounts:login"), url


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_only_the_system_administrator_enters_the_admin(client, persona, sysadmin):
    client.force_login(persona)
    expected = 200 if persona.role == Role.SYSADMIN else 403
    for url in admin_urls(sysadmin):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("name", ["accounts:login", "healthz"])
def test_public_pages_open_without_signing_in(client, db, name):
    assert client.get(reverse(name)).status_code == 200


def test_proposals_are_invisible_to_administrators_even_by_query(world, sysadmin, auditor, secadmin):
    for user in (sysadmin, auditor, secadmin):
        assert not Proposal.objects.visible_to(user).exists()
