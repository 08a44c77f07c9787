"""Reading replies back into structure: the seed, three real web copies, the app's own
rendered text, the variants web copies use, and files that cannot be read."""

import codecs
import datetime
import io
import json
import pathlib
import re
import zipfile
from pathlib import Path

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals.extraction import chinese_numeral
from replies import scaffold
from replies.management.commands.parse_reply import Command
from replies.parsing import KEYS, MAX_BYTES, ParseError, parse_file, parse_path, parse_text

DATA = Path(__file__).resolve().parent / "data"
SEED = DATA / "seed-reply-jilin-2024-56.txt"
REQUIRED_KEYS = {
    "title",
    "session",
    "proposal_number",
    "proposal_kind",
    "proposal_title",
    "doc_number",
    "category",
    "salutation",
    "deputies",
    "opening",
    "sections",
    "closing",
    "signature",
    "date",
    "cc",
    "contact",
    "disclosure",
    "warnings",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def sample(name):
    return parse_path(DATA / name)


def reply(*lines, number="吉科发规划〔2024〕56号", title="对省十四届人大三次会议第53号代表建议的答复"):
    """A short reply in the seed's shape; `lines` go after its date."""
    return "\n".join(
        [
            number,
            title,
            "王宇辉代表：",
            "您在省十四届人大三次会议上提出的《关于加强科技成果转化的建议》收悉，现答复如下：",
            "一、关于“瞄准项目”的建议",
            "我厅启动了7个重大科技专项。",
            "感谢您对科技工作的关注与支持。",
            "吉林省科学技术厅",
            "2024年5月14日",
            *lines,
        ]
    )


# --- the seed and the real samples -------------------------------------------------------------


def test_the_seed_reply_is_read_field_by_field():
    result = sample("seed-reply-jilin-2024-56.txt")
    assert result["title"] == "对省十四届人大三次会议第53号代表建议的答复"
    assert result["session"] == "省十四届人大三次会议"
    assert result["proposal_number"] == 53
    assert result["proposal_kind"] == "代表建议"
    assert result["proposal_title"] == "关于充分发挥吉林省科教资源优势，创新引领吉林省振兴发展的建议"
    assert result["doc_number"] == "吉科发规划〔2024〕56号"
    assert result["category"] is None
    assert result["salutation"] == "王宇辉代表"
    assert result["deputies"] == ["王宇辉"]
    assert result["opening"].startswith("您在省十四届人大三次会议上提出的《")
    assert result["opening"].endswith("现答复如下：")
    assert [(s["number"], s["heading"]) for s in result["sections"]] == [
        (1, "关于“瞄准项目，确定科教资源优势的经济优势转化重点。”的建议"),
        (2, "关于“注重创新引领，构建科教优势向现实生产力优势转化的体制基础。”的建议"),
        (3, "关于“聚焦人才，厚植科教优势向生产力优势转化的中坚力量。”的建议"),
        (4, "关于“突出创新引领，构建彰显吉林省特色优势的现代化产业体系。”的建议"),
        (5, "关于“突出企业创新主体作用，构建创新联合体。”的建议"),
    ]
    third = result["sections"][2]["body"].split("\n")
    assert [p[:3] for p in third] == ["为吸引", "一是政", "二是强"]
    assert result["sections"][4]["body"].startswith("为强化企业创新主体地位")
    # The app writes 下一步 as the first closing paragraph (scaffold.NEXT_STEPS), so the seed's
    # 下一步 paragraph, which follows section 五's body without a numeral, is read as closing too.
    closing = result["closing"].split("\n")
    assert [p[:3] for p in closing] == ["下一步", "感谢您"]
    assert closing[1].startswith("感谢您对我省科教事业")
    assert result["signature"] == "吉林省科学技术厅"
    assert result["date"] == "2024-05-14"
    assert result["cc"] == []
    assert result["contact"] == {"name": None, "phone": None}
    assert result["disclosure"] is None
    assert result["warnings"] == []


def test_the_hainan_reply_with_its_page_furniture_is_read_field_by_field():
    result = sample("real-reply-02.txt")
    assert result["title"] == "对海南省人大三届四次会议代表建议第2063号的答复"
    assert result["session"] == "海南省人大三届四次会议"
    assert result["proposal_number"] == 2063
    assert result["proposal_kind"] == "代表建议"
    assert result["proposal_title"] == "关于要求通过立法治理“白色污染”的建议"
    assert result["doc_number"] == "琼土环资函〔2006〕187号"
    assert result["category"] == "B"
    assert result["salutation"] == "王远健等7位代表"
    assert result["deputies"] == ["王远健"]
    # Without 一、 headings the answer has nowhere to go but the opening.
    opening = result["opening"].split("\n")
    assert opening[0] == "你们提出的《关于要求通过立法治理“白色污染”的建议》收悉。现答复如下:"
    assert opening[1].startswith("省委、省人大以及省政府对通过立法治理")
    assert result["sections"] == []
    assert result["closing"].startswith("衷心感谢你们对我省环境保护的关心和支持")
    assert result["signature"] is None  # the web copy has no signature line
    assert result["date"] == "2006-05-25"
    assert result["cc"] == ["省人大办公厅", "省政府办公厅"]
    assert result["contact"] == {"name": "王保汉", "phone": "65338011"}
    assert result["disclosure"] is None
    assert result["warnings"] == ["未识别到落款单位。", "未识别到“一、”“二、”等分条答复，正文已并入开头。"]


def test_the_gaoping_reply_with_its_title_over_two_lines_is_read_field_by_field():
    result = sample("real-reply-05.txt")
    assert result["title"] == "关于对市七届人大五次会议第71号建议的答复"
    assert result["session"] == "市七届人大五次会议"
    assert result["proposal_number"] == 71
    assert result["proposal_kind"] == "代表建议"
    assert result["proposal_title"] == "关于改善神农卫生院就医环境的建议"
    assert result["doc_number"] == "高卫体发〔2023〕148号"
    assert result["category"] is None
    assert result["salutation"] == "尊敬的王爱珍代表"
    assert result["deputies"] == ["王爱珍"]
    assert result["opening"].startswith("您好!您所提的“关于改善神农卫生院就医环境的建议”已收悉")
    assert result["sections"] == [
        {"number": 1, "heading": "您这一提案提得很好,表明您对我市基层医疗卫生事业的高度关注。", "body": ""},
        {
            "number": 2,
            "heading": "需要向您说明的是:目前北京阜外医院心血管神农分院项目场地平整已完成,"
            "现场办公区和生活区以及东侧场地外协队伍生活彩钢房搭设完成,水电开始安装,土方已开挖,"
            "同步加快土地手续办理。",
            "body": "",
        },
    ]
    assert result["closing"] == "以上答复您是否满意,如有意见,敬请反馈。\n此致\n敬礼"
    assert result["signature"] == "高平市卫生健康和体育局"  # 领导签字: before it is furniture
    assert result["date"] == "2023-06-29"
    assert result["cc"] == []
    assert result["contact"] == {"name": None, "phone": None}
    assert result["disclosure"] is None
    assert result["warnings"] == []


def test_the_qingyuan_reply_with_a_garbled_date_and_no_number_says_so():
    result = sample("real-reply-10.txt")
    # The page's own heading comes first; the document's title is the one above the addressee.
    assert result["title"] == "对县八届人大二次会议第72号建议答复"
    assert result["session"] == "县八届人大二次会议"
    assert result["proposal_number"] == 72
    assert result["proposal_kind"] == "代表建议"
    assert result["proposal_title"] == "关于加强县城小区基础设施建设的建议"
    assert result["doc_number"] is None
    assert result["category"] is None
    assert result["salutation"] == "高松代表"
    assert result["deputies"] == ["高松"]
    assert len(result["opening"].split("\n")) == 3
    assert result["sections"] == []
    assert result["closing"] == "衷心感谢您对城市建设工作的关心和支持,并欢迎今后提出更多宝贵意见。"
    # No plain signature line: the 承办单位 label gives it, as the web copy wrote it.
    assert result["signature"] == "清原满族自治县住房和城乡建设"
    assert result["date"] is None
    assert result["cc"] == ["县人大人事委", "县政府办公室"]
    assert result["contact"] == {"name": None, "phone": None}
    assert result["disclosure"] is None
    assert "日期“0二十六日”无法识别。" in result["warnings"]
    assert "未识别到文号。" in result["warnings"]


# --- the app's own rendered reply --------------------------------------------------------------


def app_reply(**changes):
    content = scaffold.ReplyContent(
        title="对省十四届人大三次会议第53号代表建议的答复",
        addressee="王宇辉代表：",
        opening="您在省十四届人大三次会议上提出的《关于加强科技成果转化的建议》收悉，经认真研究办理，现答复如下：",
        sections=[
            scaffold.Section(
                heading="关于“瞄准项目，确定转化重点”的建议",
                body="我厅坚持围绕产业链部署创新链。\n（一）强化攻关。\n1.启动7个重大科技专项。\n（1）谋划新项目。",
            ),
            scaffold.Section(heading="关于“注重创新引领”的建议", body="一是修订条例。二是推进改革。"),
            scaffold.Section(heading="关于“聚焦人才”的建议", body=""),
            scaffold.Section(heading="关于“构建创新联合体”的建议", body="推进企业与高校深度合作。"),
        ],
        closing=["下一步，我们将继续推进科技成果转化。", "感谢您对科技工作的关注与支持。"],
        signature="吉林省科学技术厅",
        date=datetime.date(2024, 5, 14),
        number="吉科发规划〔2024〕56号",
        disclosure=scaffold.Disclosure.PUBLIC,
        contact_name="赵磊",
        contact_phone="0431-88888888",
        cc="省人大常委会代表工作委员会，省政府办公厅",
    )
    for name, value in changes.items():
        setattr(content, name, value)
    return content


@pytest.mark.parametrize("category_line", [None, "B", "类别：B"])
def test_the_apps_own_rendered_reply_parses_back_field_for_field(category_line):
    content = app_reply()
    lines = scaffold.render_text(content).split("\n")
    if category_line:
        lines.insert(1, category_line)
    result = parse_text("\n".join(lines))
    assert result["title"] == content.title
    assert result["doc_number"] == content.number
    assert result["category"] == ("B" if category_line else None)
    assert result["salutation"] == "王宇辉代表"
    assert result["deputies"] == ["王宇辉"]
    assert result["session"] == "省十四届人大三次会议"
    assert result["proposal_number"] == 53
    assert result["proposal_title"] == "关于加强科技成果转化的建议"
    assert result["opening"] == content.opening
    assert result["sections"] == [
        {"number": n, "heading": s.heading, "body": s.body} for n, s in enumerate(content.sections, 1)
    ]
    assert result["closing"] == "\n".join(content.closing)
    assert result["signature"] == content.signature
    assert result["date"] == "2024-05-14"
    assert result["cc"] == ["省人大常委会代表工作委员会", "省政府办公厅"]
    assert result["contact"] == {"name": "赵磊", "phone": "0431-88888888"}
    assert result["disclosure"] == "此件公开发布"
    assert result["warnings"] == []


@pytest.mark.parametrize("disclosure", [scaffold.Disclosure.ON_REQUEST, scaffold.Disclosure.NOT_PUBLIC])
def test_each_disclosure_note_the_app_writes_is_read_back(disclosure):
    content = app_reply(disclosure=disclosure, contact_phone="", cc="")
    result = parse_text(scaffold.render_text(content))
    assert result["disclosure"] == scaffold.Disclosure.NOTE[disclosure]
    assert result["contact"] == {"name": "赵磊", "phone": None}
    assert result["cc"] == []


def test_a_cohandlers_opinion_is_read_with_the_lead_department_as_addressee():
    content = app_reply(
        title="关于省十四届人大三次会议第53号代表建议的协办意见",
        addressee="吉林省科学技术厅：",
        opening="现将我单位对王宇辉代表在省十四届人大三次会议上提出的《关于加强科技成果转化的建议》的协办意见函告如下：",
        closing=["特此函告。"],
        signature="吉林省教育厅",
    )
    result = parse_text(scaffold.render_text(content))
    assert result["title"] == content.title
    assert result["salutation"] == "吉林省科学技术厅"
    assert result["deputies"] == []
    assert len(result["sections"]) == 4
    assert result["closing"] == "特此函告。"
    assert result["signature"] == "吉林省教育厅"


# --- what web copies do ------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["吉科发规划[2024]56号", "吉科发规划【2024】56号", "吉科发规划(2024)56号"])
def test_a_year_in_other_brackets_is_normalised_to_hexagonal_brackets(number):
    assert parse_text(reply(number=number))["doc_number"] == "吉科发规划〔2024〕56号"


@pytest.mark.parametrize(
    "text, category",
    [
        (reply(number="吉科发规划〔2024〕56号 C"), "C"),
        (reply(number="类别：C"), "C"),
        (reply(number="类别:C"), "C"),
        (reply(number="D"), "D"),
        (reply("办复类别：B类"), "B"),
        (reply("办复类别:A类"), "A"),
    ],
)
def test_the_category_is_found_wherever_it_is_written(text, category):
    result = parse_text(text)
    assert result["category"] == category
    assert result["closing"] == "感谢您对科技工作的关注与支持。"  # a footer line is not closing text


@pytest.mark.parametrize(
    "line", ["二○○六年五月二十五日", "二〇〇六年五月二十五日", "二零零六年五月二十五日", "2006-05-25", "2006年5月25日"]
)
def test_dates_in_chinese_numerals_or_arabic_digits_are_read(line):
    result = parse_text(reply().replace("2024年5月14日", line))
    assert result["date"] == "2006-05-25"
    assert result["signature"] == "吉林省科学技术厅"


def test_an_impossible_date_is_null_with_a_warning():
    result = parse_text(reply().replace("2024年5月14日", "2024年2月30日"))
    assert result["date"] is None
    assert "日期“2024年2月30日”无法识别。" in result["warnings"]


def test_the_proposal_number_may_be_written_in_brackets_in_a_title_that_names_the_proposal():
    title = "2023年清原满族自治县八届人大二次会议《关于加强县城小区基础设施建设的建议》（72号）的答复"
    result = parse_text(reply(title=title).replace("《关于加强科技成果转化的建议》", "建议"))
    assert result["title"] == title
    assert result["proposal_number"] == 72
    assert result["session"] == "清原满族自治县八届人大二次会议"
    assert result["proposal_title"] == "关于加强县城小区基础设施建设的建议"


def test_a_cppcc_proposal_is_read_as_a_proposal_to_its_members():
    text = reply(title="关于对省政协十三届二次会议第123号提案的答复").replace("王宇辉代表：", "张建国、刘晓梅委员：")
    result = parse_text(text)
    assert result["proposal_kind"] == "政协提案"
    assert result["session"] == "省政协十三届二次会议"
    assert result["proposal_number"] == 123
    assert result["deputies"] == ["张建国", "刘晓梅"]


def test_names_are_also_taken_from_a_lead_deputy_line():
    result = parse_text("领衔代表:张建国\n" + reply().replace("王宇辉代表：", "各位代表："))
    assert result["salutation"] == "各位代表"
    assert result["deputies"] == ["张建国"]


def test_half_width_punctuation_indentation_and_blank_lines_are_tolerated():
    text = reply("抄送:省人大办公厅,省政府办公厅。").replace("：", ":")
    text = "\n\n".join("\u3000\u3000" + line + "  " for line in text.split("\n"))
    result = parse_text(text)
    assert result["salutation"] == "王宇辉代表"
    assert result["sections"][0]["body"] == "我厅启动了7个重大科技专项。"
    assert result["cc"] == ["省人大办公厅", "省政府办公厅"]
    assert result["warnings"] == []


def test_a_numeral_out_of_sequence_stays_in_the_section_body():
    text = reply().replace("我厅启动了7个重大科技专项。", "我厅启动了专项。\n三、此处并非新的一条。")
    result = parse_text(text)
    assert len(result["sections"]) == 1
    assert result["sections"][0]["body"] == "我厅启动了专项。\n三、此处并非新的一条。"


def test_an_opening_on_the_addressees_line_is_kept():
    text = reply().replace("王宇辉代表：\n", "王宇辉代表：")
    result = parse_text(text)
    assert result["salutation"] == "王宇辉代表"
    assert result["opening"].startswith("您在省十四届人大三次会议上提出的")


def test_lines_after_the_date_that_are_not_notes_go_to_the_closing_with_a_warning():
    result = parse_text(reply("附件：办理情况表"))
    assert result["closing"].endswith("附件：办理情况表")
    assert "日期之后有未识别的内容，已并入结尾。" in result["warnings"]


def test_a_text_with_nothing_recognisable_gives_warnings_and_keeps_the_text():
    result = parse_text("今天天气很好。\n我们去公园散步。")
    assert set(result) == REQUIRED_KEYS
    assert result["opening"] == "今天天气很好。\n我们去公园散步。"
    for warning in ("未识别到标题。", "未识别到文号。", "未识别到日期。", "未识别到称谓（如“王宇辉代表：”）。"):
        assert warning in result["warnings"]


# --- files -------------------------------------------------------------------------------------


def test_gbk_encoded_bytes_are_decoded():
    text = reply()
    assert parse_file(text.encode("gbk"), "reply.txt") == parse_text(text)


@pytest.mark.parametrize("encoded", [codecs.BOM_UTF8 + reply().encode(), reply().encode("utf-16")])
def test_a_byte_order_mark_is_read_and_dropped(encoded):
    result = parse_file(encoded, "reply.TXT")
    assert result["doc_number"] == "吉科发规划〔2024〕56号"
    assert result == parse_text(reply())


def make_docx(lines, table=()):
    document = docx.Document()
    if table:
        grid = document.add_table(rows=len(table), cols=2)
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_docx_reads_like_the_same_text_tables_included():
    seed = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [*seed[:7], seed[-2], seed[-1]]  # title … section 二's heading, signature, date
    table = [("题目", "关于充分发挥吉林省科教资源优势的建议"), ("领衔代表：", "王宇辉")]
    result = parse_file(make_docx(lines, table), "答复.docx")
    assert result == parse_text("\n".join([cell for row in table for cell in row] + lines))
    assert result["title"] == "对省十四届人大三次会议第53号代表建议的答复"
    assert result["doc_number"] == "吉科发规划〔2024〕56号"
    assert [s["number"] for s in result["sections"]] == [1, 2]
    assert result["signature"] == "吉林省科学技术厅"
    assert result["date"] == "2024-05-14"


def zip_of(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, name, says",
    [
        (b"", "reply.txt", "文件是空的"),
        (b"", "reply.docx", "文件是空的"),
        (b"\x00\xff" * 100, "reply.txt", "不是文本文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "reply.docx", "已加密"),
        (zip_of("hello.txt", "你好"), "reply.docx", "已损坏"),
        (bytes(range(256)) * 8, "reply.docx", "已损坏"),
        (b"PK\x03\x04" + bytes(100), "reply.docx", "已损坏"),
        (reply().encode(), "reply.pdf", "不支持“.pdf”"),
        (reply().encode(), "reply", "不支持"),
        (" \n\u3000".encode(), "reply.txt", "没有文字"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_chinese_message(data, name, says):
    with pytest.raises(ParseError) as refused:
        parse_file(data, name)
    assert says in refused.value.message
    assert CHINESE.search(str(refused.value))


def test_a_file_over_50_mb_is_refused_before_it_is_read(tmp_path, monkeypatch):
    with pytest.raises(ParseError, match="超过 50 MB"):
        parse_file(bytes(MAX_BYTES + 1), "big.txt")
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing is written

    def read_bytes(self):
        raise AssertionError("read a file that was too large")

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    with pytest.raises(ParseError, match="超过 50 MB"):
        parse_path(big)


# --- the command -------------------------------------------------------------------------------


def test_the_command_prints_every_field_as_json(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_bytes(SEED.read_bytes())
    out = io.StringIO()
    call_command("parse_reply", str(path), "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == REQUIRED_KEYS == set(KEYS)
    assert printed["doc_number"] == "吉科发规划〔2024〕56号"
    assert "吉科发规划〔2024〕56号" in out.getvalue()  # not escaped as \\u…


def test_the_command_prints_a_short_summary_in_chinese():
    out = io.StringIO()
    call_command("parse_reply", str(DATA / "real-reply-10.txt"), stdout=out)
    summary = out.getvalue()
    assert "标题：对县八届人大二次会议第72号建议答复" in summary
    assert "文号：（未识别）" in summary
    assert "  - 日期“0二十六日”无法识别。" in summary


def test_the_command_refuses_an_unreadable_file_on_stderr_with_status_1(tmp_path, capsys):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="文件是空的"):
        call_command("parse_reply", str(path))
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "parse_reply", str(path)])
    assert exited.value.code == 1
    assert "文件是空的" in capsys.readouterr().err


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("parse_reply", str(tmp_path / "missing.txt"))


# --- properties --------------------------------------------------------------------------------

# Words of replies, without the characters that start a recognised line (下一步, 感谢, 代表, 答复,
# 抄送, 联系, 此件, 类别, dates …) or a heading's 、, so each paragraph must come back as text.
ALPHABET = (
    "科技教育人才项目平台建设推进发展研究成果转化企业创新服务政策资金支持工作"
    + "我们将进一步加强省市县一二三（）1，。；"
)
paragraphs = st.text(alphabet=ALPHABET, min_size=1, max_size=30)


@st.composite
def documents(draw):
    """A reply's text, and every paragraph that must survive parsing."""
    opening, intro = draw(paragraphs), draw(st.lists(paragraphs, max_size=2))
    sections = draw(st.lists(st.tuples(paragraphs, st.lists(paragraphs, max_size=3)), max_size=4))
    closing = ["感谢" + p for p in draw(st.lists(paragraphs, max_size=2))]
    end = draw(st.sampled_from([[], ["吉林省科学技术厅"], ["吉林省科学技术厅", "2024年5月14日"], ["二〇〇六年五月"]]))
    lines = ["吉科发规划〔2024〕56号", "对省十四届人大三次会议第53号代表建议的答复", "王宇辉代表：", opening, *intro]
    for n, (heading, body) in enumerate(sections, 1):
        lines += [f"{chinese_numeral(n)}、{heading}", *body]
    lines += closing + end + draw(st.sampled_from([[], ["（此件公开发布）", "抄送：省政府办公厅。"]]))
    indent, separator = draw(st.sampled_from(["", "\u3000\u3000", "  "])), draw(st.sampled_from(["\n", "\n\n", "\r\n"]))
    kept = [opening, *intro, *[h for h, _b in sections], *[p for _h, b in sections for p in b], *closing]
    kept += [line for line in end if "日" not in line]  # the date comes back as 2024-05-14
    return separator.join(indent + line for line in lines), kept, "2024年5月14日" in end


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@settings(max_examples=150, deadline=None)
@given(documents())
def test_no_paragraph_of_a_generated_reply_is_lost(document):
    text, kept, dated = document
    result = parse_text(text)
    assert set(result) == REQUIRED_KEYS
    assert result["date"] == ("2024-05-14" if dated else None)
    found = list(strings(result))
    for paragraph in kept:
        assert any(paragraph in s for s in found), paragraph


FRAGMENTS = [
    "吉科发规划〔2024〕56号",
    "琼土环资函[2006]187号 B",
    "对省十四届人大三次会议第53号代表建议的答复",
    "第2063号的答复",
    "答 复",
    "王宇辉代表：",
    "王远健等7位代表:",
    "领衔代表: 代 表 团:",
    "一、关于“瞄准项目”的建议",
    "二、",
    "下一步，继续推进。",
    "此致",
    "吉林省科学技术厅",
    "2024年5月14日",
    "二○○六年五月二十五日",
    "0二十六日",
    "（此件公开发布）",
    "（联系人：赵磊，联系电话：0431-88888888）",
    "联系单位及联系人:",
    "抄送：",
    "类别：C",
    "承办单位:",
    "https://www.hainan.gov.cn/",
]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))).map("\n".join)))
def test_any_text_parses_without_raising(text):
    result = parse_text(text)
    assert set(result) == REQUIRED_KEYS
    assert all(isinstance(w, str) for w in result["warnings"])
