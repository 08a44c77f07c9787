"""The coordinators' import pages, the background job and the management command."""

import io
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from accounts.tests.test_worker import run_worker_until_idle
from conftest import make_user
from proposals import importing
from proposals.models import ImportBatch, Proposal
from proposals.tests import test_importing as service_tests
from proposals.tests.test_importing import make_xlsx, proposal_row

# The service tests' fixtures: the data the rows name, the coordinator importing, media in tmp.
catalogue = service_tests.catalogue
importer = service_tests.importer
media = service_tests.media

URL_NAMES = [
    ("proposals:import", []),
    ("proposals:import_template", []),
    ("proposals:import_batch", ["batch"]),
    ("proposals:import_progress", ["batch"]),
]


def upload(client, data, name="建议.xlsx"):
    content = data.getvalue() if hasattr(data, "getvalue") else data
    return client.post(reverse("proposals:import"), {"file": SimpleUploadedFile(name, content)})


def jobs():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, queue_name, status, (args ->> 'batch_id')::int FROM procrastinate_jobs ORDER BY id"
        )
        return cursor.fetchall()


@pytest.fixture
def batch(importer):
    return ImportBatch.objects.create(file="imports/x.xlsx", original_name="建议.xlsx", uploaded_by=importer)


# --- who may use the pages ------------------------------------------------------------------------


def urls(batch):
    return [reverse(name, args=[batch.pk] if args else []) for name, args in URL_NAMES]


def test_every_import_page_answers_a_coordinator(client, coordinator, batch):
    client.force_login(coordinator)
    for url in urls(batch):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["deputy", "clerk_a", "leader_a", "sysadmin", "auditor"], indirect=True)
def test_every_import_page_is_forbidden_to_other_roles(client, persona, batch):
    client.force_login(persona)
    for url in urls(batch):
        assert client.get(url).status_code == 403, url
    assert upload(client, make_xlsx([proposal_row()])).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_every_import_page_sends_anonymous_visitors_to_log_in(client, batch):
    for url in urls(batch):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_the_read_only_pages_refuse_post(client, coordinator, batch):
    client.force_login(coordinator)
    for url in urls(batch)[1:]:
        assert client.post(url).status_code == 405, url


# --- the page and the template --------------------------------------------------------------------


def test_the_page_documents_the_columns_and_lists_recent_batches(client, coordinator, batch):
    client.force_login(coordinator)
    page = client.get(reverse("proposals:import")).content.decode()

    assert reverse("proposals:import_template") in page
    for column in importing.COLUMNS:
        assert f"<td>{column.header}</td>" in page
    assert reverse("proposals:import_batch", args=[batch.pk]) in page
    assert 'enctype="multipart/form-data"' in page


def test_the_template_is_an_xlsx_whose_example_row_is_valid(client, coordinator, catalogue):
    client.force_login(coordinator)
    response = client.get(reverse("proposals:import_template"))

    assert response["Content-Type"] == importing.XLSX_MIME_TYPE
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('建议导入模板.xlsx')}"
    rows = importing.read_rows(io.BytesIO(response.content))
    assert [r.number for r in rows] == [2]
    result = importing.validate_rows(rows)
    assert result.errors == []
    assert [r.title for r in result.valid] == ["关于充分发挥吉林省科教资源优势，创新引领吉林省振兴发展的建议"]
    assert len(result.valid[0].suggestions) == 5


def test_the_template_explains_every_column_on_a_second_sheet(client, coordinator):
    import openpyxl

    client.force_login(coordinator)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("proposals:import_template")).content))

    assert workbook.sheetnames == ["建议", "填写说明"]
    explained = [row[0] for row in workbook["填写说明"].iter_rows(min_row=2, max_row=11, values_only=True)]
    assert explained == [c.header for c in importing.COLUMNS]


# --- uploading ----------------------------------------------------------------------------------


def test_a_small_file_is_imported_in_the_request(client, importer, catalogue):
    client.force_login(importer)
    response = upload(client, make_xlsx([proposal_row(1), proposal_row(2)]))

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("proposals:import_batch", args=[batch.pk])
    assert (batch.status, batch.created_count, batch.uploaded_by) == ("done", 2, importer)
    assert batch.original_name == "建议.xlsx"
    assert Proposal.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "已导入 2 件，0 件已存在未变。" in page
    assert "hx-trigger" not in page


def test_an_invalid_file_shows_every_error_escaped_and_imports_nothing(client, importer, catalogue):
    client.force_login(importer)
    rows = [proposal_row(1, lead="<script>x</script>"), proposal_row(2, title="")]
    response = upload(client, make_xlsx(rows), name="<b>坏.xlsx")

    page = client.get(response.url).content.decode()
    assert "校验未通过" in page
    assert "<td>第2行</td>" in page and "<td>领衔代表</td>" in page
    assert "<td>第3行</td>" in page and "请填写标题。" in page
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "&lt;b&gt;坏.xlsx" in page
    assert Proposal.objects.count() == 0


def test_a_csv_renamed_xlsx_gets_a_clear_message(client, importer, catalogue):
    client.force_login(importer)
    response = upload(client, "会次,标题\n省十四届人大三次会议,关于……\n".encode("gbk"), name="建议.xlsx")

    page = client.get(response.url).content.decode()
    assert "无法读取此文件。请上传 Excel 工作簿（.xlsx 格式）" in page
    assert ImportBatch.objects.get().status == "invalid"


def test_an_upload_without_a_file_shows_the_form_again(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("proposals:import"), {})

    assert response.status_code == 200
    assert "field--error" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_large_file_is_queued_and_the_worker_imports_it(client, job_queue, catalogue, importer):
    client.force_login(importer)
    response = upload(client, make_xlsx([proposal_row(n) for n in range(1, 202)]))

    batch = ImportBatch.objects.get()
    assert batch.status == "pending"
    assert Proposal.objects.count() == 0
    assert jobs() == [("proposals.tasks.process_import", "imports", "todo", batch.pk)]
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "文件较大，已转入后台处理" in page

    run_worker_until_idle()

    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.processed_rows, batch.total_rows) == ("done", 201, 201, 201)
    assert Proposal.objects.count() == 201
    assert jobs()[0][2] == "succeeded"


def test_the_job_does_nothing_for_a_batch_already_finished(job_queue, catalogue, importer):
    from proposals import tasks

    batch = importing.create_batch(ContentFile(make_xlsx([proposal_row()]).getvalue()), "a.xlsx", importer)
    importing.process_batch(batch.pk)
    tasks.process_import.defer(batch_id=batch.pk)

    run_worker_until_idle()

    assert Proposal.objects.count() == 1
    assert ImportBatch.objects.get().created_count == 1


# --- progress -----------------------------------------------------------------------------------


def test_the_progress_fragment_shows_the_percentage_and_polls_while_running(client, coordinator, batch):
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", total_rows=5000, processed_rows=1800)
    client.force_login(coordinator)
    fragment = client.get(reverse("proposals:import_progress", args=[batch.pk])).content.decode()

    assert '<progress max="100" value="36"' in fragment
    assert "36%" in fragment
    assert f'hx-get="{reverse("proposals:import_progress", args=[batch.pk])}"' in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert "<html" not in fragment


def test_the_progress_fragment_stops_polling_when_the_batch_is_finished(client, coordinator, batch):
    errors = [{"row": 2, "column": "标题", "message": "请填写标题。"}]
    ImportBatch.objects.filter(pk=batch.pk).update(status="invalid", total_rows=10, processed_rows=10, errors=errors)
    client.force_login(coordinator)
    fragment = client.get(reverse("proposals:import_progress", args=[batch.pk])).content.decode()

    assert "100%" in fragment
    assert "hx-trigger" not in fragment
    assert "发现 1 处问题，没有导入任何建议" in fragment
    assert reverse("proposals:import_batch", args=[batch.pk]) in fragment


def test_a_batch_is_visible_to_every_coordinator(client, batch):
    other = make_user("p_coordinator_2", Role.COORDINATOR, full_name="钱进")
    client.force_login(other)

    assert client.get(reverse("proposals:import_batch", args=[batch.pk])).status_code == 200


def test_an_unknown_batch_is_404(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("proposals:import_batch", args=[999999])).status_code == 404


# --- the management command ---------------------------------------------------------------------


def test_the_command_imports_a_file_and_says_how_many(tmp_path, catalogue, importer):
    path = tmp_path / "建议.xlsx"
    path.write_bytes(make_xlsx([proposal_row(1), proposal_row(2)]).getvalue())
    out = io.StringIO()

    call_command("import_proposals", str(path), stdout=out)
    assert out.getvalue().strip() == "已导入 2 件，0 件已存在未变。"
    call_command("import_proposals", str(path), "--user", importer.username, stdout=out)
    assert out.getvalue().strip().endswith("已导入 0 件，2 件已存在未变。")

    assert Proposal.objects.count() == 2
    assert set(ImportBatch.objects.values_list("uploaded_by__username", flat=True)) == {importer.username}


def test_the_command_reports_every_error_and_fails(tmp_path, catalogue, importer):
    path = tmp_path / "建议.xlsx"
    path.write_bytes(make_xlsx([proposal_row(1, title=""), proposal_row(2, category="乱写")]).getvalue())
    err = io.StringIO()

    with pytest.raises(CommandError, match="没有导入任何建议：发现 2 处问题"):
        call_command("import_proposals", str(path), stderr=err)

    assert err.getvalue().splitlines() == ["第2行【标题】请填写标题。", "第3行【分类】没有名为“乱写”的分类。"]
    assert Proposal.objects.count() == 0


def test_the_command_needs_a_user_when_there_are_several_coordinators(tmp_path, catalogue, importer, coordinator):
    path = tmp_path / "建议.xlsx"
    path.write_bytes(make_xlsx([proposal_row(1)]).getvalue())

    with pytest.raises(CommandError, match="请用 --user 指定导入人"):
        call_command("import_proposals", str(path))
    with pytest.raises(CommandError, match="没有用户名为“nobody”的在用交办工作人员账号"):
        call_command("import_proposals", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_proposals", str(tmp_path / "missing.xlsx"), "--user", importer.username)
    assert Proposal.objects.count() == 0


def test_the_example_category_of_the_template_exists_in_the_demo_data():
    from proposals.demo import CATEGORIES

    aspect, name = importing.EXAMPLE_CATEGORY
    assert name in CATEGORIES[aspect]
