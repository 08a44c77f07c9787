"""The statistics page (办理情况统计), its spreadsheet (办理情况汇总表) and the draft annual
handling report (办理情况报告). Coordinators only. The queries are in reports.statistics; the
DOCX is drawn by reports.annual. Each figure is paired here with how it is computed and with
the link to the proposal list filtered to the rows it counts."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.figures import cached_figures
from accounts.models import Role
from accounts.permissions import role_required
from proposals.dashboard_views import (
    BAR,
    BAR_SPACE,
    CHART_WIDTH,
    LABEL_WIDTH,
    ROW,
    Links,
    _chosen_session,
    _sessions_for_selector,
    _short,
    bar_chart,
)

from . import annual, xlsx
from .statistics import (
    BREAKDOWNS,
    OWING_STATES,
    State,
    key_items,
    percent,
    result_categories_by_session,
    session_statistics,
)

CHART_LIMIT = 20
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Which proposal-list filter shows the rows behind each figure. The list cannot yet filter by
# contact, feedback, re-handling round or result category: those figures link to the closest
# list there is (the replied, or all, assignments of the same row), marked "closest".
FIGURE_FILTERS = {
    "assigned": {"state": "owing"},
    "replied": {"state": "replied"},
    "on_time": {"state": State.REPLIED_ON_TIME},
    "late": {"state": State.REPLIED_LATE},
    "overdue": {"state": State.OVERDUE},
    "answered": {"state": "replied"},  # closest: lead and separate only is not a filter
    "contacted": {"state": "replied"},  # closest
    "responded": {"state": "replied"},  # closest
    "dissatisfied": {"state": "replied"},  # closest
    "signed": {"state": "replied"},  # closest
    "rehandled": {"state": "owing"},  # closest
}
GROUP_FILTER = {"department": "department", "category": "category", "delegation": "delegation"}


def _pct(value):
    return f"{value}%" if value is not None else "—"


def _session_choice(sessions, raw):
    """The session asked for (or the default one), and a message when the request named a
    session that does not exist: a wrong or hand-edited address never fails."""
    raw = (raw or "").strip()
    session = _chosen_session(sessions, raw)
    notice = ""
    if raw and not any(str(s.pk) == raw for s in sessions):
        notice = _("没有找到所选的会次（%(value)s），已显示默认会次。") % {"value": raw[:20]}
    return session, notice


# --- what each figure means ----------------------------------------------------------------------


def figure_rows(figures, codes, labels):
    """The session's figures as (key, label, value, note), in reading order: the page's
    summary table, the spreadsheet's totals sheet and the report's first table."""
    first_two = "+".join(codes[:2])
    rows = [
        (
            "assigned",
            _("交办数（件次）"),
            figures.assigned,
            _("在办的交办件次（一件建议交给一个单位计一次），不含参阅；重新办理的按最新一轮计。"),
        ),
        ("replied", _("已答复"), figures.replied, _("答复或协办意见已签发的件次。")),
        (None, _("办复率"), _pct(figures.reply_rate), _("办复率 = 已答复 ÷ 交办数。")),
        ("on_time", _("按时答复"), figures.on_time, _("在答复（协办意见）期限当日或之前签发的件次，按北京时间日期。")),
        (None, _("按时答复率"), _pct(figures.on_time_rate), _("按时答复率 = 按时答复 ÷ 已答复。")),
        ("late", _("逾期答复"), figures.late, _("已答复但晚于期限的件次。")),
        ("overdue", _("逾期未答复"), figures.overdue, _("统计日已过期限仍未答复的件次。")),
        (
            "contacted",
            _("答复前有沟通"),
            figures.contacted,
            _("主办、分办单位已答复的件次中，答复日期当日或之前有沟通记录的。"),
        ),
        (
            None,
            _("沟通率"),
            _pct(figures.contact_rate),
            _("沟通率 = 答复前有沟通 ÷ 主办、分办单位已答复的件次（%(n)s）；协办单位向主办单位提出意见，不计。")
            % {"n": figures.answered},
        ),
        (
            None,
            _("平均答复天数"),
            figures.average_days if figures.average_days is not None else "—",
            _("已答复件次从交办日期到答复日期（北京时间）的天数的平均值。"),
        ),
        (
            "responded",
            _("已反馈（份）"),
            figures.responded,
            _("代表交回的反馈表份数（当前一轮答复；联名代表每人一份）；另有%(n)s份逾期未反馈，不计入满意度。")
            % {"n": figures.not_responded},
        ),
        (None, _("满意率"), _pct(figures.satisfied_rate), _("满意率 = 办理态度和办理结果均为满意的反馈表 ÷ 已反馈。")),
        (
            None,
            _("基本满意率"),
            _pct(figures.basic_rate),
            _("基本满意率 = 无不满意、但不是两项均满意的反馈表 ÷ 已反馈（与满意率分开统计）。"),
        ),
        ("dissatisfied", _("不满意（份）"), figures.dissatisfied, _("办理态度或办理结果任一项为不满意的反馈表份数。")),
        (
            None,
            _("办理态度满意率"),
            _pct(figures.attitude_satisfied_rate),
            _("办理态度评为满意的 ÷ 已反馈；基本满意%(basic)s。") % {"basic": _pct(figures.attitude_basic_rate)},
        ),
        (
            None,
            _("办理结果满意率"),
            _pct(figures.result_satisfied_rate),
            _("办理结果评为满意的 ÷ 已反馈；基本满意%(basic)s。") % {"basic": _pct(figures.result_basic_rate)},
        ),
        (
            "rehandled",
            _("重新办理"),
            figures.rehandled,
            _("交办机构决定重新办理、现处于第二轮及以后的件次。"),
        ),
        ("signed", _("已签发答复"), figures.signed, _("当前一轮已签发的答复（不含协办意见），按办理结果类别统计。")),
    ]
    for code, n in figures.result_counts:
        label = _("%(code)s类") % {"code": code} if code else _("其他类别")
        rows.append(("signed", label, n, labels.get(code, _("不在本会次办理结果类别中的答复（如历史导入）。"))))
    rows.append(
        (
            None,
            _("%(codes)s占比") % {"codes": first_two},
            _pct(figures.solved_or_planned_rate),
            _("%(codes)s占比 = %(codes)s类答复 ÷ 已签发答复（问题已解决、基本解决或正在解决、列入规划）。")
            % {"codes": first_two},
        )
    )
    return rows


def _row_links(row, link, breakdown):
    if breakdown != "total" and row.key is None:
        return {}  # 未分类 / no delegation: the list has no filter for "none"
    group = {} if breakdown == "total" else {GROUP_FILTER[breakdown]: row.key}
    return {key: link(**group, **params) for key, params in FIGURE_FILTERS.items()}


def _group_name(breakdown, row):
    if row.key is not None:
        return row.name
    return {"category": _("未分类"), "delegation": _("未填代表团")}.get(breakdown, row.name)


# --- charts ----------------------------------------------------------------------------------------


def stacked_chart(*, chart_id, title, desc, rows):
    """Horizontal 100% bars of several segments (templates/reports/_stacked_chart.svg.html).
    Each row: label, url, title (its full text), text (shown at the right), segments of
    value, css, title."""
    drawn = []
    for i, row in enumerate(rows):
        total = sum(s["value"] for s in row["segments"])
        x, segments = LABEL_WIDTH, []
        for segment in row["segments"]:
            width = round(BAR_SPACE * segment["value"] / total, 1) if total else 0
            segments.append({**segment, "x": x, "width": width})
            x += width
        y = 8 + i * ROW
        drawn.append(
            {
                **row,
                "short_label": _short(row["label"]),
                "y": y,
                "text_y": y + BAR / 2 + 5,
                "segments": [s for s in segments if s["width"]],
            }
        )
    return {
        "id": chart_id,
        "title": title,
        "desc": desc,
        "rows": drawn,
        "width": CHART_WIDTH,
        "height": 8 + len(drawn) * ROW + 6,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR,
        "track_width": BAR_SPACE,
        "value_x": LABEL_WIDTH + BAR_SPACE + 6,
    }


def _state_chart(stats, link):
    bars = [
        {
            "label": str(State(s).label),
            "value": stats.total.states[s],
            "text": str(stats.total.states[s]),
            "url": link(state=s),
            "css": s,
            "title": _("%(state)s：%(n)s件次") % {"state": State(s).label, "n": stats.total.states[s]},
        }
        for s in OWING_STATES
    ]
    return bar_chart(
        chart_id="chart-states",
        title=_("办理状态分布（件次）"),
        desc=_("各办理状态的交办件次，不含参阅。") + "；".join(b["title"] for b in bars),
        bars=bars,
        scale_max=max([b["value"] for b in bars] + [1]),
    )


def _on_time_chart(stats, link):
    ranked = sorted((r for r in stats.departments if r.replied), key=lambda r: (r.on_time_rate, -r.replied, r.name))
    bars = [
        {
            "label": r.short_name or r.name,
            "value": float(r.on_time_rate),
            "text": f"{r.on_time_rate}%",
            "url": link(department=r.key, state=State.REPLIED_ON_TIME),
            "css": "rate",
            "title": _("%(dept)s：按时答复%(on_time)s件次，已答复%(replied)s件次，按时答复率%(rate)s%%")
            % {"dept": r.name, "on_time": r.on_time, "replied": r.replied, "rate": r.on_time_rate},
        }
        for r in ranked[:CHART_LIMIT]
    ]
    return bar_chart(
        chart_id="chart-on-time",
        title=_("各承办单位按时答复率（由低到高）"),
        desc=_("按时答复率 = 按时答复 ÷ 已答复。") + "；".join(b["title"] for b in bars),
        bars=bars,
        scale_max=100,
        percent=True,
    )


def _satisfaction_chart(stats, link):
    rated = sorted(
        (r for r in stats.departments if r.responded),
        key=lambda r: (r.satisfied_rate + r.basic_rate, r.satisfied_rate, r.name),
    )
    rows = []
    for r in rated[:CHART_LIMIT]:
        title = _("%(dept)s：已反馈%(n)s份，满意%(s)s份、基本满意%(b)s份、不满意%(d)s份，满意率%(rate)s") % {
            "dept": r.name,
            "n": r.responded,
            "s": r.satisfied,
            "b": r.basic,
            "d": r.dissatisfied,
            "rate": _pct(r.satisfied_rate),
        }
        rows.append(
            {
                "label": r.short_name or r.name,
                "url": link(department=r.key, state="replied"),
                "title": title,
                "text": _pct(r.satisfied_rate),
                "segments": [
                    {"value": r.satisfied, "css": "satisfied", "title": _("满意 %(n)s份") % {"n": r.satisfied}},
                    {"value": r.basic, "css": "basic", "title": _("基本满意 %(n)s份") % {"n": r.basic}},
                    {
                        "value": r.dissatisfied,
                        "css": "dissatisfied",
                        "title": _("不满意 %(n)s份") % {"n": r.dissatisfied},
                    },
                ],
            }
        )
    return stacked_chart(
        chart_id="chart-satisfaction",
        title=_("各承办单位代表满意度"),
        desc=_("按反馈表份数，满意、基本满意、不满意的占比，右侧为满意率。") + "；".join(r["title"] for r in rows),
        rows=rows,
    )


def _results_chart(sessions, by_session):
    rows = []
    for session in sessions:
        counts = by_session.get(session.pk)
        signed = sum(counts.values()) if counts else 0
        if not signed:
            continue
        codes = [code for code, _label in session.result_categories]
        known = [(code, counts.get(code, 0)) for code in codes]
        other = signed - sum(n for _code, n in known)
        first_two = sum(n for _code, n in known[:2])
        share = _pct(percent(first_two, signed))
        parts = [_("%(code)s类%(n)s件") % {"code": code, "n": n} for code, n in known]
        if other:
            parts.append(_("其他%(n)s件") % {"n": other})
        rows.append(
            {
                "label": session.name,
                "url": Links(session)(state="replied"),
                "title": _("%(session)s：已签发答复%(n)s件，") % {"session": session.name, "n": signed}
                + "、".join(parts)
                + _("，%(codes)s占比%(share)s") % {"codes": "+".join(codes[:2]), "share": share},
                "text": share,
                "segments": [
                    {"value": n, "css": f"result-{i}", "title": _("%(code)s类 %(n)s件") % {"code": code, "n": n}}
                    for i, (code, n) in enumerate(known)
                ]
                + (
                    [{"value": other, "css": "result-other", "title": _("其他 %(n)s件") % {"n": other}}]
                    if other
                    else []
                ),
            }
        )
    return stacked_chart(
        chart_id="chart-results",
        title=_("各会次办理结果类别"),
        desc=_("各会次已签发答复按办理结果类别的占比，右侧为前两类（如A+B）占比。")
        + "；".join(r["title"] for r in rows),
        rows=rows,
    )


# --- the page -------------------------------------------------------------------------------------


@role_required(Role.COORDINATOR)
def statistics(request):
    sessions = _sessions_for_selector()
    session, notice = _session_choice(sessions, request.GET.get("session"))
    today = timezone.localdate()
    context = {"sessions": sessions, "session": session, "notice": notice, "today": today}
    if session is not None:
        context["figures"], context["as_of"] = cached_figures(
            request,
            "statistics",
            session,
            today,
            "reports/_statistics_figures.html",
            lambda: _page(session_statistics(session, today), sessions),
        )
    return render(request, "reports/statistics.html", context)


def _page(stats, sessions):
    link = Links(stats.session)
    labels = dict(map(tuple, stats.categories_labels))
    summary = [
        {"label": label, "value": value, "note": note, "url": link(**FIGURE_FILTERS[key]) if key else None}
        for key, label, value, note in figure_rows(stats.total, stats.codes, labels)
    ]
    tables = []
    for breakdown in BREAKDOWNS:
        rows = stats.breakdown(breakdown)
        for row in rows:
            row.label = _group_name(breakdown, row)
            row.links = _row_links(row, link, breakdown)
        tables.append({"id": breakdown, "title": BREAKDOWN_TITLES[breakdown](), "rows": rows})
    return {
        "stats": stats,
        "summary": summary,
        "tables": tables,
        "first_two": "+".join(stats.codes[:2]),
        "state_chart": _state_chart(stats, link),
        "on_time_chart": _on_time_chart(stats, link),
        "satisfaction_chart": _satisfaction_chart(stats, link),
        "results_chart": _results_chart(sessions, result_categories_by_session(sessions)),
        "satisfaction": _satisfaction_table(stats.total),
        "chart_limit": CHART_LIMIT,
    }


BREAKDOWN_TITLES = {
    "department": lambda: _("承办单位"),
    "category": lambda: _("分类"),
    "delegation": lambda: _("代表团"),
}


def _satisfaction_table(figures):
    """满意度 by aspect: (aspect, satisfied, basic, dissatisfied, satisfied rate, basic rate)."""
    n = figures.responded
    rows = [
        (_("总体（按反馈表）"), figures.satisfied, figures.basic, figures.dissatisfied),
        (_("办理态度"), figures.attitude_satisfied, figures.attitude_basic, figures.attitude_dissatisfied),
        (_("办理结果"), figures.result_satisfied, figures.result_basic, figures.result_dissatisfied),
    ]
    return [
        {
            "aspect": aspect,
            "satisfied": s,
            "basic": b,
            "dissatisfied": d,
            "satisfied_rate": _pct(percent(s, n)),
            "basic_rate": _pct(percent(b, n)),
        }
        for aspect, s, b, d in rows
    ]


# --- the spreadsheet ------------------------------------------------------------------------------


def _breakdown_columns(codes):
    """(header, value of a Figures row) for the per-breakdown sheets."""
    first_two = "+".join(codes[:2])
    return [
        (_("交办数"), lambda r: r.assigned),
        (_("已答复"), lambda r: r.replied),
        (_("办复率（%）"), lambda r: r.reply_rate),
        (_("按时答复"), lambda r: r.on_time),
        (_("按时答复率（%）"), lambda r: r.on_time_rate),
        (_("逾期答复"), lambda r: r.late),
        (_("逾期未答复"), lambda r: r.overdue),
        (_("已答复（主办、分办）"), lambda r: r.answered),
        (_("答复前有沟通"), lambda r: r.contacted),
        (_("沟通率（%）"), lambda r: r.contact_rate),
        (_("平均答复天数"), lambda r: r.average_days),
        (_("已反馈（份）"), lambda r: r.responded),
        (_("未反馈（份）"), lambda r: r.not_responded),
        (_("满意（份）"), lambda r: r.satisfied),
        (_("基本满意（份）"), lambda r: r.basic),
        (_("不满意（份）"), lambda r: r.dissatisfied),
        (_("满意率（%）"), lambda r: r.satisfied_rate),
        (_("基本满意率（%）"), lambda r: r.basic_rate),
        (_("办理态度满意率（%）"), lambda r: r.attitude_satisfied_rate),
        (_("办理态度基本满意率（%）"), lambda r: r.attitude_basic_rate),
        (_("办理结果满意率（%）"), lambda r: r.result_satisfied_rate),
        (_("办理结果基本满意率（%）"), lambda r: r.result_basic_rate),
        (_("重新办理"), lambda r: r.rehandled),
        (_("已签发答复"), lambda r: r.signed),
        *(((_("%(code)s类") % {"code": code}), (lambda r, code=code: r.results.get(code, 0))) for code in codes),
        (_("%(codes)s占比（%%）") % {"codes": first_two}, lambda r: r.solved_or_planned_rate),
    ]


def statistics_workbook(stats) -> bytes:
    """办理情况汇总表: the totals, then one sheet per breakdown, Chinese headers."""
    workbook = xlsx.new_workbook()
    labels = dict(map(tuple, stats.categories_labels))
    totals = xlsx.Sheet(workbook, _("汇总"), [_("指标"), _("数值"), _("计算方法")], widths=[22, 12, 80])
    totals.append([_("会次"), stats.session.name, ""])
    totals.append([_("统计日期"), stats.today, _("逾期未答复按此日计算。")])
    for _key, label, value, note in figure_rows(stats.total, stats.codes, labels):
        totals.append([label, value, note])
    columns = _breakdown_columns(stats.codes)
    for breakdown in BREAKDOWNS:
        title = BREAKDOWN_TITLES[breakdown]()
        sheet = xlsx.Sheet(workbook, title, [title, *(h for h, _v in columns)], widths=[28] + [12] * len(columns))
        for row in stats.breakdown(breakdown):
            sheet.append([_group_name(breakdown, row), *(value(row) for _h, value in columns)])
    return xlsx.to_bytes(workbook)


def _session_or_redirect(request, raw):
    """For the downloads: the session named (or the default one when none is named), or a
    redirect to the statistics page with a message."""
    sessions = _sessions_for_selector()
    session, notice = _session_choice(sessions, raw)
    if notice:
        messages.error(request, _("没有找到所选的会次，请在统计页重新选择。"))
        return None
    if session is None:
        messages.error(request, _("还没有会次，无法生成统计。"))
        return None
    return session


@role_required(Role.COORDINATOR)
def statistics_xlsx(request):
    session = _session_or_redirect(request, request.GET.get("session"))
    if session is None:
        return redirect("reports:statistics")
    stats = session_statistics(session, timezone.localdate())
    name = _("%(session)s办理情况汇总表（%(day)s）.xlsx") % {"session": session.name, "day": f"{stats.today:%Y%m%d}"}
    return HttpResponse(
        statistics_workbook(stats),
        content_type=XLSX_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )


# --- the annual report ----------------------------------------------------------------------------


@require_POST
@role_required(Role.COORDINATOR)
def annual_report(request):
    session = _session_or_redirect(request, request.POST.get("session"))
    if session is None:
        return redirect("reports:statistics")
    today = timezone.localdate()
    stats = session_statistics(session, today)
    labels = dict(map(tuple, stats.categories_labels))
    document = annual.build(
        stats,
        figures=figure_rows(stats.total, stats.codes, labels),
        satisfaction=_satisfaction_table(stats.total),
        key_items=key_items(session, today),
        group_name=_group_name,
    )
    name = _("关于%(session)s代表建议办理情况的报告（草稿）.docx") % {"session": session.name}
    return HttpResponse(
        document,
        content_type=DOCX_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
