"""The draft annual handling report (关于……代表建议办理情况的报告（草稿）) as a DOCX for the
standing committee: the standard tables filled from the statistics, the narrative left to
the office as 【请填写：……】 placeholders.

The page, the fonts (named for East Asian text so Word and WPS use the official ones) and the
page numbers are the reply document's (replies.docx_writer, GB/T 9704-2012); the tables are
set in 小四 so that a nine-column table fits the 156 mm type area."""

import io

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Pt

from replies.docx_writer import _chars, _font, _page_number, _setup_page
from replies.rendering import LINE_PITCH, TITLE_PT

from .statistics import REPLY_MODES, percent

TABLE_PT = 12  # 小四
NOT_ASSIGNED = "—"


def placeholder(text):
    return _("【请填写：%(text)s】") % {"text": text}


def _pct(value):
    return f"{value}%" if value is not None else "—"


def _date(d):
    return f"{d.year}年{d.month}月{d.day}日"


class Writer:
    def __init__(self, title):
        self.document = Document()
        section = _setup_page(self.document)
        self.document.settings.odd_and_even_pages_header_footer = True
        _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
        self.document.core_properties.title = title
        self.document.core_properties.author = "Jianyi"
        self.document.core_properties.comments = "草稿"

    def title(self, text):
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(LINE_PITCH)
        _font(paragraph.add_run(text), "title", TITLE_PT)

    def centred(self, text):
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(text), "kai")

    def heading(self, text, role="hei"):
        paragraph = self.document.add_paragraph()
        _font(paragraph.add_run(text), role)
        _chars(paragraph, first_line=2)

    def paragraph(self, text):
        paragraph = self.document.add_paragraph()
        _font(paragraph.add_run(text))
        _chars(paragraph, first_line=2)

    def table(self, caption, headers, rows):
        """A captioned table: the caption in 黑体, the header row in 黑体, cells in 仿宋."""
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(caption), "hei", TABLE_PT + 2)
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            self._cell(cell, text, "hei")
        for values in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                self._cell(cell, value)
        self.document.add_paragraph()
        return table

    def _cell(self, cell, value, role="body"):
        paragraph = cell.paragraphs[0]
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.first_line_indent = Pt(0)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run("" if value is None else str(value)), role, TABLE_PT)

    def bytes(self):
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _result_label(code):
    return _("%(code)s类") % {"code": code} if code else _("其他类别")


def build(stats, *, figures, satisfaction, key_items, group_name) -> bytes:
    """The DOCX. `figures` are the (key, label, value, note) rows of the session's totals,
    `satisfaction` the by-aspect rows, `key_items` the key-supervised proposals with their
    assignments in force (reports.statistics.key_items)."""
    session, total = stats.session, stats.total
    title = _("关于%(session)s代表建议办理情况的报告（草稿）") % {"session": session.name}
    w = Writer(title)
    w.title(title)
    w.centred(_("（统计截至%(date)s）") % {"date": _date(stats.today)})
    w.paragraph(placeholder(_("总体情况概述，如建议的提出、审查立案和交办情况")))

    w.heading(_("一、基本情况"))
    w.paragraph(
        _(
            "截至%(date)s，本次会议代表建议共交办承办单位%(assigned)s件次，已答复%(replied)s件次，"
            "办复率%(reply_rate)s；按时答复率%(on_time_rate)s；答复前与代表沟通率%(contact_rate)s。"
            "代表反馈满意率%(satisfied)s、基本满意率%(basic)s。"
        )
        % {
            "date": _date(stats.today),
            "assigned": total.assigned,
            "replied": total.replied,
            "reply_rate": _pct(total.reply_rate),
            "on_time_rate": _pct(total.on_time_rate),
            "contact_rate": _pct(total.contact_rate),
            "satisfied": _pct(total.satisfied_rate),
            "basic": _pct(total.basic_rate),
        }
    )
    w.table(
        _("表1  总体办理情况"),
        [_("指标"), _("数值"), _("计算方法")],
        [(label, value, note) for _key, label, value, note in figures],
    )

    w.heading(_("二、办理工作情况"))
    w.paragraph(placeholder(_("承办单位办理工作的主要做法和成效")))
    w.table(
        _("表2  各承办单位办理情况"),
        [
            _("承办单位"),
            _("交办数"),
            _("已答复"),
            _("办复率"),
            _("按时答复率"),
            _("沟通率"),
            _("满意率"),
            _("基本满意率"),
            _("不满意"),
        ],
        [
            (
                row.name,
                row.assigned,
                row.replied,
                _pct(row.reply_rate),
                _pct(row.on_time_rate),
                _pct(row.contact_rate),
                _pct(row.satisfied_rate),
                _pct(row.basic_rate),
                row.dissatisfied,
            )
            for row in stats.departments
        ],
    )
    w.table(
        _("表3  各类建议办理情况"),
        [_("分类"), _("交办数"), _("已答复"), _("办复率"), _("按时答复率"), _("满意率"), _("前两类占比")],
        [
            (
                group_name("category", row),
                row.assigned,
                row.replied,
                _pct(row.reply_rate),
                _pct(row.on_time_rate),
                _pct(row.satisfied_rate),
                _pct(row.solved_or_planned_rate),
            )
            for row in stats.categories
        ],
    )
    labels = dict(map(tuple, stats.categories_labels))
    w.table(
        _("表4  答复办理结果类别"),
        [_("类别"), _("含义"), _("件数"), _("占比")],
        [
            (
                _result_label(code),
                labels.get(code, ""),
                n,
                _pct(percent(n, total.signed)),
            )
            for code, n in total.result_counts
        ]
        + [(_("合计"), "", total.signed, _pct(percent(total.signed, total.signed)))],
    )
    w.paragraph(placeholder(_("办理结果分析，如已解决、正在解决的主要事项")))

    w.heading(_("三、代表满意度"))
    w.table(
        _("表5  代表对办理工作的评价（已反馈%(n)s份）") % {"n": total.responded},
        [_("评价项目"), _("满意"), _("基本满意"), _("不满意"), _("满意率"), _("基本满意率")],
        [
            (r["aspect"], r["satisfied"], r["basic"], r["dissatisfied"], r["satisfied_rate"], r["basic_rate"])
            for r in satisfaction
        ],
    )
    w.paragraph(
        _("代表不满意的反馈%(d)s份，交办机构决定重新办理的%(r)s件次。")
        % {"d": total.dissatisfied, "r": total.rehandled}
    )
    w.paragraph(placeholder(_("不满意建议的重新办理和沟通情况")))

    w.heading(_("四、重点督办建议办理情况"))
    w.table(
        _("表6  重点督办建议"),
        [_("建议号"), _("标题"), _("领衔代表"), _("督办领导"), _("主办单位"), _("办理状态")],
        [
            (
                _("第%(n)s号") % {"n": p.number} if p.number else "",
                p.title,
                p.lead_deputy.name,
                p.supervising_leader or NOT_ASSIGNED,
                "、".join(_lead_departments(p)) or _("尚未交办"),
                "；".join(f"{a.department.short_name or a.department.name}：{a.state.label}" for a in p.in_force)
                or NOT_ASSIGNED,
            )
            for p in key_items
        ],
    )
    w.paragraph(placeholder(_("重点督办建议的督办措施和办理成效")))

    w.heading(_("五、存在的问题"))
    w.paragraph(placeholder(_("办理工作中存在的主要问题")))
    w.heading(_("六、下一步工作"))
    w.paragraph(placeholder(_("下一步工作打算")))

    signature = w.document.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.space_before = Pt(LINE_PITCH)
    _font(signature.add_run(placeholder(_("报告单位"))))
    dated = w.document.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(dated.add_run(_date(stats.today)))
    return w.bytes()


def _lead_departments(proposal):
    return [a.department.name for a in proposal.in_force if a.mode in REPLY_MODES]
