"""The spreadsheet import as a service: reading, validating every row, importing all or nothing."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile

from accounts.models import Role
from conftest import make_user
from proposals import importing
from proposals.models import Category, CoSigner, ImportBatch, Proposal, ProposalEvent, Session, Suggestion

SESSION = "省十四届人大三次会议"
HEADERS = [c.header for c in importing.COLUMNS]


def proposal_row(n=1, **overrides):
    """A valid row as {header: value}; `overrides` by column key."""
    row = {
        "session": SESSION,
        "lead": "王宇辉",
        "cosigners": "刘晓梅",
        "title": f"关于加强第{n}片冰雪旅游区宣传的建议",
        "body": "冰雪旅游是我省的优势产业，但宣传推介力度不足。",
        "suggestions": "1. 加大宣传投入。\n2. 打造冰雪旅游品牌。",
        "category": "经济建设/科技创新",
        "departments": "吉林省科学技术厅",
        "external_number": f"2024-{n:04d}",
        "publish": "是",
    }
    row.update(overrides)
    return {importing.HEADERS[key]: value for key, value in row.items()}


def make_xlsx(rows, headers=HEADERS):
    """An .xlsx in memory with `headers` in row 1 and one line per row dict."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("建议")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def run_batch(user, data, name="建议.xlsx"):
    """Store `data` as an upload would and process it; the finished batch."""
    content = data.getvalue() if hasattr(data, "getvalue") else data
    batch = importing.create_batch(ContentFile(content), name, user)
    importing.process_batch(batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def catalogue(db, deputy, cosigner, department_a, department_b):
    """What the rows name: the session, the seed deputies, categories and departments."""
    Session.objects.create(
        name=SESSION,
        level="provincial",
        term=14,
        session_no=3,
        opens_on=datetime.date(2024, 1, 24),
        closes_on=datetime.date(2024, 1, 28),
        submission_deadline=datetime.datetime(2024, 1, 27, 12, 0, tzinfo=datetime.UTC),
    )
    economy = Category.objects.create(name="经济建设")
    society = Category.objects.create(name="社会事业")
    Category.objects.create(name="科技创新", parent=economy)
    Category.objects.create(name="教育", parent=society)
    Category.objects.create(name="其他", parent=economy)
    Category.objects.create(name="其他", parent=society)


@pytest.fixture
def importer(db):
    return make_user("p_importer", Role.COORDINATOR, full_name="周敏")


def errors_of(batch):
    return [(e["row"], e["column"]) for e in batch.errors]


# --- a valid file -------------------------------------------------------------------------------


def test_a_valid_file_imports_every_row_as_a_submitted_proposal(catalogue, importer, deputy, cosigner, department_a):
    batch = run_batch(importer, make_xlsx([proposal_row(1), proposal_row(2, cosigners="", departments="")]))

    assert (batch.status, batch.created_count, batch.unchanged_count, batch.errors) == ("done", 2, 0, [])
    assert (batch.total_rows, batch.processed_rows, batch.percent) == (2, 2, 100)
    assert batch.finished_at is not None
    first = Proposal.objects.get(external_number="2024-0001")
    assert first.status == Proposal.Status.SUBMITTED
    assert first.channel == Proposal.Channel.IMPORT
    assert first.submitted_at is not None
    assert first.lead_deputy.user == deputy
    assert first.created_by == importer
    assert first.title == "关于加强第1片冰雪旅游区宣传的建议"
    assert str(first.category) == "经济建设 › 科技创新"
    assert list(first.suggestions.values_list("position", "text")) == [(1, "加大宣传投入。"), (2, "打造冰雪旅游品牌。")]
    assert first.search_text == "关于加强第1片冰雪旅游区宣传的建议\n加大宣传投入。\n打造冰雪旅游品牌。"
    assert list(first.hoped_departments.all()) == [department_a]
    assert [(c.deputy.user, c.status) for c in first.cosigners.all()] == [(cosigner, CoSigner.Status.CONFIRMED)]
    event = first.events.get()
    assert (event.kind, event.actor, event.to_status) == (ProposalEvent.Kind.IMPORTED, importer, "submitted")
    assert event.details["batch"] == batch.pk
    assert event.details["row"] == 2
    assert not Proposal.objects.get(external_number="2024-0002").cosigners.exists()


def test_a_title_is_completed_and_a_publishing_choice_and_numeric_external_number_are_read(catalogue, importer):
    row = proposal_row(title="《加强冰雪旅游宣传》", publish="否", external_number=53)
    batch = run_batch(importer, make_xlsx([row]))

    assert batch.status == "done", batch.errors
    proposal = Proposal.objects.get()
    assert proposal.title == "关于加强冰雪旅游宣传的建议"
    assert proposal.agrees_to_publish is False
    assert proposal.external_number == "53"


def test_a_deputy_sharing_a_name_is_found_by_the_delegation_in_brackets(catalogue, importer):
    make_user("p_wang_a", Role.DEPUTY, full_name="王伟", delegation="长春代表团")
    wang_b = make_user("p_wang_b", Role.DEPUTY, full_name="王伟", delegation="延边代表团")
    batch = run_batch(importer, make_xlsx([proposal_row(lead="王伟(延边代表团)", cosigners="")]))

    assert batch.status == "done", batch.errors
    assert Proposal.objects.get().lead_deputy.user == wang_b


def test_a_class_name_alone_is_enough_when_it_is_unique(catalogue, importer):
    batch = run_batch(importer, make_xlsx([proposal_row(category="教育")]))

    assert batch.status == "done", batch.errors
    assert str(Proposal.objects.get().category) == "社会事业 › 教育"


def test_html_in_the_text_is_stored_verbatim(catalogue, importer):
    title = '关于<script>alert("x")</script>的建议'
    body = "<b>正文</b> & <img src=x onerror=alert(1)>"
    batch = run_batch(importer, make_xlsx([proposal_row(title=title, body=body, suggestions="<i>一条</i>")]))

    assert batch.status == "done", batch.errors
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.body) == (title, body)
    assert proposal.suggestions.get().text == "<i>一条</i>"


# --- suggestions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("加大宣传投入。\n打造品牌。", ["加大宣传投入。", "打造品牌。"]),
        ("1、加大宣传投入。\n2、打造品牌。", ["加大宣传投入。", "打造品牌。"]),
        ("（一）加大宣传投入。（二）打造品牌。", ["加大宣传投入。", "打造品牌。"]),
        ("1. 加大投入：\n一是资金；二是人员。\n2. 打造品牌。", ["加大投入：\n一是资金；二是人员。", "打造品牌。"]),
        ("1. 只有一条。", ["只有一条。"]),
        ("1.5亿元专项资金用于宣传。", ["1.5亿元专项资金用于宣传。"]),
        ("  \n ", []),
    ],
)
def test_suggestions_are_split_by_number_or_by_line(cell, expected):
    assert importing.split_suggestions(cell) == expected


# --- row errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"session": "省十四届人大九次会议"}, "会次", "没有名为“省十四届人大九次会议”的会次"),
        ({"session": ""}, "会次", "请填写会次"),
        ({"lead": "李不存在"}, "领衔代表", "没有找到名为“李不存在”的在任代表"),
        ({"lead": ""}, "领衔代表", "请填写领衔代表"),
        ({"lead": "王宇辉、刘晓梅"}, "领衔代表", "领衔代表只能有一位"),
        ({"lead": "王宇辉（延边代表团）"}, "领衔代表", "延边代表团没有名为“王宇辉”的在任代表"),
        ({"cosigners": "刘晓梅、赵磊"}, "联名代表", "“赵磊”不是人大代表"),
        ({"title": ""}, "标题", "请填写标题"),
        ({"title": "长" * 200}, "标题", "标题最多200字（现为205字）"),
        ({"title": 2024}, "标题", "此格是数字 2024，应填写文字"),
        ({"title": datetime.datetime(2024, 1, 26)}, "标题", "此格是日期或时间，应填写文字"),
        ({"body": ""}, "正文", "请填写正文"),
        ({"body": 3.5}, "正文", "此格是数字 3.5"),
        ({"suggestions": ""}, "具体建议", "请至少填写一条具体建议"),
        ({"suggestions": "\n".join(f"第{i}条" for i in range(51))}, "具体建议", "具体建议最多50条"),
        ({"category": "经济建设/教育"}, "分类", "“经济建设”方面下没有“教育”类"),
        ({"category": "国防/科技创新"}, "分类", "没有名为“国防”的方面"),
        ({"category": "其他"}, "分类", "有多个名为“其他”的类"),
        ({"category": "经济建设"}, "分类", "“经济建设”是方面，请填写其下的类"),
        ({"category": "乱写"}, "分类", "没有名为“乱写”的分类"),
        ({"category": ""}, "分类", "请填写分类"),
        ({"departments": "吉林省科学技术厅、省外事办"}, "希望承办单位", "没有名为“省外事办”的承办单位"),
        ({"external_number": ""}, "外部编号", "请填写外部编号"),
        ({"external_number": "号" * 41}, "外部编号", "外部编号最多40字"),
        ({"external_number": datetime.date(2024, 1, 1)}, "外部编号", "此格是日期或时间"),
        ({"publish": "也许"}, "同意公开", "请填写“是”或“否”"),
    ],
)
def test_every_row_error_is_reported_with_its_row_and_column_and_nothing_is_imported(
    catalogue, importer, clerk_a, overrides, column, message
):
    batch = run_batch(importer, make_xlsx([proposal_row(1), proposal_row(2, **overrides)]))

    assert batch.status == "invalid"
    assert errors_of(batch) == [(3, column)]
    assert message in batch.errors[0]["message"]
    assert batch.created_count == 0
    assert Proposal.objects.count() == 0


def test_a_name_shared_by_two_deputies_must_name_the_delegation(catalogue, importer):
    make_user("p_wang_a", Role.DEPUTY, full_name="王伟", delegation="长春代表团")
    make_user("p_wang_b", Role.DEPUTY, full_name="王伟", delegation="延边代表团")
    batch = run_batch(importer, make_xlsx([proposal_row(lead="王伟")]))

    assert errors_of(batch) == [(2, "领衔代表")]
    assert "有多位名为“王伟”的代表，请注明代表团" in batch.errors[0]["message"]


def test_all_errors_of_all_rows_are_listed_in_row_and_column_order(catalogue, importer):
    rows = [
        proposal_row(1, title="", category="乱写"),
        proposal_row(2),
        proposal_row(3, session="无此会次", suggestions=""),
    ]
    batch = run_batch(importer, make_xlsx(rows))

    assert errors_of(batch) == [(2, "标题"), (2, "分类"), (4, "会次"), (4, "具体建议")]
    assert Proposal.objects.count() == 0


def test_a_duplicate_external_number_inside_the_file_is_an_error(catalogue, importer):
    rows = [proposal_row(1), proposal_row(2, external_number="2024-0001")]
    batch = run_batch(importer, make_xlsx(rows))

    assert errors_of(batch) == [(3, "外部编号")]
    assert batch.errors[0]["message"] == "外部编号“2024-0001”与第2行重复。"
    assert Proposal.objects.count() == 0


# --- re-importing -------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(catalogue, importer):
    data = make_xlsx([proposal_row(1), proposal_row(2)])
    run_batch(importer, data)
    before = list(Proposal.objects.order_by("pk").values())

    again = run_batch(importer, data)

    assert (again.status, again.created_count, again.unchanged_count) == ("done", 0, 2)
    assert list(Proposal.objects.order_by("pk").values()) == before
    assert Suggestion.objects.count() == 4
    assert ProposalEvent.objects.count() == 2


def test_a_file_with_one_new_row_imports_only_that_row(catalogue, importer):
    run_batch(importer, make_xlsx([proposal_row(1)]))
    batch = run_batch(importer, make_xlsx([proposal_row(1), proposal_row(2)]))

    assert (batch.created_count, batch.unchanged_count) == (1, 1)
    assert Proposal.objects.count() == 2


def test_the_same_external_number_with_different_content_is_an_error(catalogue, importer):
    run_batch(importer, make_xlsx([proposal_row(1)]))
    changed = proposal_row(1, title="关于另一件事的建议", category="教育")
    batch = run_batch(importer, make_xlsx([proposal_row(2), changed]))

    assert batch.status == "invalid"
    assert errors_of(batch) == [(3, "外部编号")]
    message = batch.errors[0]["message"]
    assert "外部编号“2024-0001”在省十四届人大三次会议中已经导入过" in message
    assert "本行的标题、分类与已导入的不同" in message
    assert Proposal.objects.count() == 1


def test_a_batch_is_processed_once_however_often_it_is_run(catalogue, importer):
    batch = importing.create_batch(ContentFile(make_xlsx([proposal_row(1)]).getvalue()), "a.xlsx", importer)

    assert importing.process_batch(batch.pk) is True
    assert importing.process_batch(batch.pk) is False
    assert Proposal.objects.count() == 1


# --- files that are not what they should be -----------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "会次,领衔代表,标题\n省十四届人大三次会议,王宇辉,关于……的建议\n".encode("gbk"),  # a CSV renamed .xlsx
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),  # a picture
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,  # an old .xls (OLE container)
        make_xlsx([proposal_row(1)]).getvalue()[:300],  # a truncated download
        b"",
    ],
    ids=["csv", "png", "xls", "truncated", "empty-file"],
)
def test_a_file_that_is_not_an_xlsx_gets_one_chinese_message_and_nothing_is_imported(catalogue, importer, content):
    batch = run_batch(importer, content)

    assert batch.status == "invalid"
    assert len(batch.errors) == 1
    assert batch.errors[0]["row"] is None
    assert "无法读取此文件。请上传 Excel 工作簿（.xlsx 格式）" in batch.errors[0]["message"]
    assert Proposal.objects.count() == 0


def test_read_rows_refuses_an_empty_workbook(catalogue):
    out = io.BytesIO()
    openpyxl.Workbook().save(out)

    with pytest.raises(importing.ImportFileError, match="表格是空的"):
        importing.read_rows(out)


def test_read_rows_refuses_a_sheet_with_only_the_header(catalogue):
    with pytest.raises(importing.ImportFileError, match="表格中只有列名，没有建议"):
        importing.read_rows(make_xlsx([]))


def test_a_missing_required_column_is_named(catalogue, importer):
    headers = [h for h in HEADERS if h not in ("标题", "分类")]
    batch = run_batch(importer, make_xlsx([proposal_row(1)], headers=headers))

    assert batch.status == "invalid"
    assert batch.errors == [
        {
            "row": None,
            "column": "",
            "message": "表格缺少必填的列：标题、分类。第一个工作表的第1行应为列名，请使用本页提供的导入模板。",
        }
    ]


def test_optional_columns_may_be_left_out_and_unknown_columns_are_ignored(catalogue, importer):
    headers = ["序号", *[h for h in HEADERS if h not in ("联名代表", "希望承办单位", "同意公开")], "备注"]
    row = {**proposal_row(1), "序号": 1, "备注": "无"}
    batch = run_batch(importer, make_xlsx([row], headers=headers))

    assert batch.status == "done", batch.errors
    assert Proposal.objects.get().agrees_to_publish is True


def test_blank_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers(catalogue, importer):
    batch = run_batch(importer, make_xlsx([proposal_row(1), {}, proposal_row(2, title="")]))

    assert errors_of(batch) == [(4, "标题")]


# --- a large file -------------------------------------------------------------------------------


def large_file(rows):
    return make_xlsx(
        proposal_row(
            n,
            cosigners="刘晓梅" if n % 2 else "",
            suggestions=f"1. 第{n}件的第一条建议。\n2. 第{n}件的第二条建议。\n3. 第{n}件的第三条建议。",
        )
        for n in range(1, rows + 1)
    )


def test_a_5000_row_file_validates_and_imports_in_a_fixed_number_of_queries(
    catalogue, importer, django_assert_max_num_queries
):
    small = importing.create_batch(ContentFile(large_file(3).getvalue()), "small.xlsx", importer)
    data = large_file(5000)
    large = importing.create_batch(ContentFile(data.getvalue()), "large.xlsx", importer)

    # Claim, batch, row count; five look-ups; four for rows imported before; five inserts;
    # the result; savepoints. None per row (progress is written on a connection of its own).
    with django_assert_max_num_queries(22):
        importing.process_batch(small.pk)
    with django_assert_max_num_queries(22):
        importing.process_batch(large.pk)

    large.refresh_from_db()
    # The small file's three rows are in the large one too: they are recognised, not doubled.
    assert (large.status, large.created_count, large.unchanged_count) == ("done", 4997, 3)
    assert (large.total_rows, large.processed_rows) == (5000, 5000)
    assert Proposal.objects.filter(channel="import").count() == 5000
    assert Suggestion.objects.count() == 3 * 5000


def test_a_file_over_the_row_limit_is_refused(catalogue, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)

    with pytest.raises(importing.ImportFileError, match="一次最多导入3件建议"):
        importing.read_rows(make_xlsx([proposal_row(n) for n in range(1, 5)]))


def test_progress_is_committed_on_its_own_outside_the_import_transaction(transactional_db, importer):
    from django.db import transaction

    batch = importing.create_batch(ContentFile(b"x"), "a.xlsx", importer)
    writer = importing._ProgressWriter(batch.pk)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            writer(7)
            raise RuntimeError  # the import's transaction rolls back…
    finally:
        writer.close()
    # …and what a polling page has read stays: it was committed on another connection.
    assert ImportBatch.objects.get(pk=batch.pk).processed_rows == 7
