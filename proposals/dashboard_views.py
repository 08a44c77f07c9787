"""The coordinator's dashboard (督办看板): one session's figures, each a link to the proposal
list filtered to exactly the rows it counts. The queries are in proposals.dashboard."""

from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.figures import cached_figures
from accounts.models import Role
from accounts.permissions import role_required

from .dashboard import OWING_STATES, session_dashboard
from .deadlines import TrackingState
from .models import Assignment, Session

State = TrackingState
ON_TIME_CHART_LIMIT = 20

# The chart geometry, in SVG user units (the SVG scales to its box).
CHART_WIDTH, LABEL_WIDTH, BAR_SPACE, ROW, BAR = 600, 150, 370, 30, 20


def _sessions_for_selector():
    """Every session, newest first, each knowing whether it has assignments: one query."""
    in_force = Assignment.objects.current().filter(proposal__session=OuterRef("pk"))
    return list(Session.objects.annotate(has_assignments=Exists(in_force)))


def _chosen_session(sessions, requested):
    by_id = {str(s.pk): s for s in sessions}
    if requested in by_id:
        return by_id[requested]
    return next((s for s in sessions if s.has_assignments), sessions[0] if sessions else None)


class Links:
    """URLs of the proposal list for one session, filtered like the figure they sit under."""

    def __init__(self, session):
        self.base = reverse("proposals:list")
        self.session = session

    def __call__(self, **params):
        query = {"session": self.session.pk, **{k: v for k, v in params.items() if v is not None}}
        return f"{self.base}?{urlencode(query)}"


def _short(label, n=11):
    return label if len(label) <= n else label[: n - 1] + "…"


def bar_chart(*, chart_id, title, desc, bars, scale_max, percent=False):
    """Horizontal bars ready for templates/proposals/_bar_chart.svg.html. Each bar:
    label, value (number), text (shown), url, css (a modifier class), title (its full text)."""
    rows = []
    for i, bar in enumerate(bars):
        width = round(BAR_SPACE * bar["value"] / scale_max, 1) if scale_max else 0
        y = 30 + i * ROW if percent else 8 + i * ROW
        rows.append(
            {
                **bar,
                "short_label": _short(bar["label"]),
                "y": y,
                "text_y": y + BAR / 2 + 5,
                "width": width,
                "value_x": LABEL_WIDTH + width + 6,
            }
        )
    top = 30 if percent else 8
    height = top + len(rows) * ROW + 6
    ticks = (
        [{"x": LABEL_WIDTH + BAR_SPACE * t / 100, "label": f"{t}%"} for t in (0, 25, 50, 75, 100)] if percent else []
    )
    return {
        "id": chart_id,
        "title": title,
        "desc": desc,
        "bars": rows,
        "width": CHART_WIDTH,
        "height": height,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR,
        "track_width": BAR_SPACE,
        "ticks": ticks,
        "tick_top": 18,
        "tick_bottom": height - 4,
    }


def _state_chart(data, link):
    bars = [
        {
            "label": str(State(s).label),
            "value": data.by_state[s],
            "text": str(data.by_state[s]),
            "url": link(state=s),
            "css": s,
            "title": _("%(state)s：%(n)s件") % {"state": State(s).label, "n": data.by_state[s]},
        }
        for s in OWING_STATES
    ]
    return bar_chart(
        chart_id="chart-states",
        title=_("办理状态分布（件）"),
        desc=_("有承办单位处于该状态的建议件数；一件建议由几个单位办理时，可能计入不同状态。")
        + "；".join(b["title"] for b in bars),
        bars=bars,
        scale_max=max([b["value"] for b in bars] + [1]),
    )


def _on_time_chart(data, link):
    ranked = sorted((r for r in data.departments if r.replied), key=lambda r: (r.rate, -r.replied, r.name))
    bars = [
        {
            "label": r.short_name or r.name,
            "value": float(r.rate),
            "text": f"{r.rate}%",
            "url": link(department=r.department_id, state=State.REPLIED_ON_TIME),
            "css": "rate",
            "title": _("%(dept)s：按时答复%(on_time)s件，已答复%(replied)s件，按时率%(rate)s%%")
            % {"dept": r.name, "on_time": r.on_time, "replied": r.replied, "rate": r.rate},
        }
        for r in ranked[:ON_TIME_CHART_LIMIT]
    ]
    return bar_chart(
        chart_id="chart-on-time",
        title=_("各承办单位按时答复率（由低到高）"),
        desc=_("按时率 = 在期限内（按北京时间日期）答复的件数 ÷ 已答复件数。") + "；".join(b["title"] for b in bars),
        bars=bars,
        scale_max=100,
        percent=True,
    ), len(ranked) > ON_TIME_CHART_LIMIT


@role_required(Role.COORDINATOR)
def dashboard(request):
    sessions = _sessions_for_selector()
    session = _chosen_session(sessions, request.GET.get("session", ""))
    today = timezone.localdate()
    context = {"sessions": sessions, "session": session, "today": today}
    if session is not None:
        context["figures"], context["as_of"] = cached_figures(
            request,
            "dashboard",
            session,
            today,
            "proposals/_dashboard_figures.html",
            lambda: _figures(session_dashboard(session, today)),
        )
    return render(request, "proposals/dashboard.html", context)


def _figures(data):
    """The dashboard's figures, each paired with the link to the list of what it counts."""
    today, link = data.today, Links(data.session)
    for row in data.departments:
        row.links = {
            key: link(department=row.department_id, state=state)
            for key, state in (
                ("assigned", "owing"),
                ("replied", "replied"),
                ("on_time", State.REPLIED_ON_TIME),
                ("late", State.REPLIED_LATE),
                ("overdue", State.OVERDUE),
                ("unsigned", State.UNSIGNED),
            )
        }
    on_time_chart, on_time_truncated = _on_time_chart(data, link)
    return {
        "data": data,
        "tiles": [
            {"label": _("交办建议"), "value": data.owing, "url": link(state="owing")},
            *(
                {"label": State(s).label, "value": data.by_state[s], "url": link(state=s), "css": s}
                for s in (State.OVERDUE, State.DUE_SOON, State.UNSIGNED, State.IN_PROGRESS)
            ),
            {"label": _("已答复"), "value": data.replied, "url": link(state="replied")},
            {
                "label": _("按时答复率"),
                "value": f"{data.rate}%" if data.rate is not None else "—",
                "url": link(state=State.REPLIED_ON_TIME),
            },
            {
                "label": _("7日内到期"),
                "value": data.due_this_week,
                "url": link(due_from=today.isoformat(), due_before=data.due_until.isoformat()),
            },
            {"label": _("重点督办"), "value": data.key_count, "url": link(is_key="true")},
        ],
        "links": {
            "overdue": link(state=State.OVERDUE),
            "unsigned": link(state=State.UNSIGNED),
            "due": link(due_from=today.isoformat(), due_before=data.due_until.isoformat()),
            "key": link(is_key="true"),
        },
        "state_chart": _state_chart(data, link),
        "on_time_chart": on_time_chart,
        "on_time_truncated": on_time_truncated,
        "on_time_limit": ON_TIME_CHART_LIMIT,
    }
