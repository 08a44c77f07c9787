"""The golden test: the scaffold for the seed proposal, filled with the seed reply's section
bodies, reproduces the real reply in shared/samples."""

import datetime
import re
from pathlib import Path

import pytest

from accounts.models import Department
from proposals.demo import seed_demo
from proposals.extraction import chinese_numeral
from proposals.models import Proposal
from replies import scaffold

# A copy of shared/samples/seed-reply-jilin-2024-56.txt, the reply this product was born
# from, kept with the tests so they run wherever the checkout does.
SAMPLE = Path(__file__).resolve().parent / "data" / "seed-reply-jilin-2024-56.txt"
HEADING = re.compile(r"^[一二三四五六七八九十]+、关于“")


def normalise(text):
    return re.sub(r"\s+", "", text.replace("\u3000", ""))


def sample_lines():
    return [line.strip("\u3000 ") for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip("\u3000 ")]


@pytest.fixture
def seed(db):
    seed_demo()
    proposal = Proposal.objects.get(title__startswith="关于充分发挥吉林省科教资源优势")
    proposal.number = 53
    return proposal, Department.objects.get(doc_code="吉科发规划")


def fill_from_sample(content):
    lines = sample_lines()
    starts = [i for i, line in enumerate(lines) if HEADING.match(line)]
    thanks = next(i for i, line in enumerate(lines) if line.startswith("感谢"))
    for n, (start, end) in enumerate(zip(starts, [*starts[1:], thanks], strict=True)):
        content.sections[n].body = "\n".join(lines[start + 1 : end])
    content.closing = lines[thanks:-2]
    content.date = datetime.date(2024, 5, 14)
    return content


def test_the_seed_scaffold_filled_with_the_seed_bodies_is_the_seed_reply(seed):
    proposal, department = seed
    content = fill_from_sample(scaffold.build(proposal, department))
    expected = [line for line in sample_lines() if line != "吉科发规划〔2024〕56号"]
    rendered = scaffold.render_text(content).split("\n")
    # The published web copy ends at the date; the document goes on with its 附注 and 抄送.
    end = rendered.index("2024年5月14日") + 1
    assert normalise("\n".join(rendered[:end])) == normalise("\n".join(expected))
    assert rendered[end:] == ["（此件公开发布）", "抄送：省人大常委会代表工作委员会，省政府办公厅。"]


def test_the_scaffold_has_the_seeds_title_addressee_opening_and_five_headings(seed):
    proposal, department = seed
    content = scaffold.build(proposal, department)
    assert content.title == "对省十四届人大三次会议第53号代表建议的答复"
    assert content.addressee == "王宇辉代表："
    assert content.opening == (
        "您在省十四届人大三次会议上提出的《关于充分发挥吉林省科教资源优势，创新引领吉林省振兴发展的建议》收悉，"
        "经认真研究办理，现答复如下："
    )
    assert content.numbered_headings() == [
        "一、关于“瞄准项目，确定科教资源优势的经济优势转化重点。”的建议",
        "二、关于“注重创新引领，构建科教优势向现实生产力优势转化的体制基础。”的建议",
        "三、关于“聚焦人才，厚植科教优势向生产力优势转化的中坚力量。”的建议",
        "四、关于“突出创新引领，构建彰显吉林省特色优势的现代化产业体系。”的建议",
        "五、关于“突出企业创新主体作用，构建创新联合体。”的建议",
    ]
    assert content.signature == "吉林省科学技术厅"
    assert all(not s.body for s in content.sections)
    assert content.closing[-1] == "感谢您对……的关注与支持。"


def test_a_joint_proposal_is_addressed_to_the_lead_and_the_count_of_confirmed_signers(seed, cosigner, outsider_deputy):
    proposal, _department = seed
    proposal.cosigners.create(deputy=cosigner.deputy, status="confirmed")
    proposal.cosigners.create(deputy=outsider_deputy.deputy, status="invited")
    assert scaffold.addressee(proposal) == "王宇辉等2位代表："


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (datetime.date(2024, 5, 14), "2024年5月14日"),
        (datetime.date(2026, 1, 1), "2026年1月1日"),
        (datetime.date(2025, 12, 31), "2025年12月31日"),
    ],
)
def test_dates_are_written_without_leading_zeros(d, text):
    assert scaffold.chinese_date(d) == text


def test_sections_are_numbered_in_chinese_numerals_up_to_ninety_nine():
    content = scaffold.ReplyContent("t", "a", "o", [scaffold.Section(f"第{i}") for i in range(1, 100)], [], "s")
    headings = content.numbered_headings()
    assert headings[0].startswith("一、") and headings[9].startswith("十、") and headings[10].startswith("十一、")
    assert headings[19].startswith("二十、") and headings[98].startswith("九十九、")
    assert [h.split("、")[0] for h in headings] == [chinese_numeral(i) for i in range(1, 100)]
