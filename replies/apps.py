from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = _("答复办理")

    def ready(self):
        from accounts.models import Role
        from accounts.registry import HomePanel, NavItem, register_nav, register_panel
        from proposals.extensions import DetailPanel, register_demo_step, register_detail_panel

        from . import demo, panels

        department = (Role.CLERK, Role.LEADER)
        register_nav(NavItem(_("答复"), "replies:list", (*department, Role.COORDINATOR), order=15))
        register_nav(NavItem(_("常用语"), "replies:snippets", department, order=60))
        register_nav(NavItem(_("文号"), "replies:series", (*department, Role.COORDINATOR), order=70))
        register_nav(NavItem(_("答复设置"), "replies:settings", (Role.LEADER,), order=75))
        register_nav(NavItem(_("历史答复导入"), "replies:import", (Role.COORDINATOR,), order=78))
        register_nav(NavItem(_("重新办理"), "replies:rehandling_queue", (Role.COORDINATOR,), order=35))
        register_nav(NavItem(_("跟踪办理"), "replies:followups", (*department, Role.COORDINATOR), order=40))
        register_nav(NavItem(_("代表反馈"), "replies:feedback_list", (Role.COORDINATOR,), order=38))
        register_detail_panel(DetailPanel("replies/_proposal_panel.html", panels.proposal_panel))
        register_demo_step(demo.seed_history)
        register_panel(
            HomePanel(
                title=_("待签发的答复"),
                roles=(Role.LEADER,),
                items=panels.to_sign,
                template="home/_replies_panel.html",
                empty_text=_("没有待签发的答复。"),
                order=5,
            )
        )
        register_panel(
            HomePanel(
                title=_("退回修改的答复"),
                roles=(Role.CLERK,),
                items=panels.to_revise,
                template="home/_replies_panel.html",
                empty_text=_("没有退回修改的答复。"),
                order=5,
            )
        )
        register_panel(
            HomePanel(
                title=_("待反馈的答复"),
                roles=(Role.DEPUTY,),
                items=panels.awaiting_feedback,
                template="home/_replies_panel.html",
                empty_text=_("没有待反馈的答复。"),
                order=15,
            )
        )
        register_panel(
            HomePanel(
                title=_("收到的答复"),
                roles=(Role.DEPUTY,),
                items=panels.received,
                template="home/_replies_panel.html",
                empty_text=_("还没有收到答复。"),
                order=20,
            )
        )
