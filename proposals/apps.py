from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("建议")

    def ready(self):
        from accounts.models import Role
        from accounts.registry import HomePanel, NavItem, register_nav, register_panel

        from . import home

        register_nav(NavItem(_("我的建议"), "proposals:list", (Role.DEPUTY,), order=10))
        register_nav(NavItem(_("建议"), "proposals:list", (Role.COORDINATOR,), order=10))
        register_nav(NavItem(_("督办看板"), "proposals:dashboard", (Role.COORDINATOR,), order=20))
        register_nav(NavItem(_("调整与延期申请"), "proposals:requests", (Role.COORDINATOR,), order=30))
        register_nav(NavItem(_("会次与分类"), "proposals:session_list", (Role.COORDINATOR,), order=80))
        register_nav(NavItem(_("工作日历"), "proposals:calendar", (Role.COORDINATOR,), order=85))
        register_nav(NavItem(_("交办事项"), "proposals:inbox", (Role.CLERK, Role.LEADER), order=10))
        register_panel(
            HomePanel(
                title=_("待确认的联名邀请"),
                roles=(Role.DEPUTY,),
                items=home.invitations,
                template="home/_invitations_panel.html",
                empty_text=_("没有待确认的联名邀请。"),
                order=5,
            )
        )
        register_panel(
            HomePanel(
                title=_("我的建议"),
                roles=(Role.DEPUTY,),
                items=home.my_proposals,
                template="home/_proposals_panel.html",
                empty_text=_("您还没有提出建议。"),
                order=10,
            )
        )
        register_panel(
            HomePanel(
                title=_("待审查的建议"),
                roles=(Role.COORDINATOR,),
                items=home.review_queue,
                template="home/_proposals_panel.html",
                empty_text=_("没有待审查的建议。"),
                order=10,
            )
        )
        register_panel(
            HomePanel(
                title=_("待签收的交办"),
                roles=(Role.CLERK, Role.LEADER),
                items=home.unsigned,
                template="home/_assignments_panel.html",
                empty_text=_("没有待签收的交办。"),
                order=10,
            )
        )
        register_panel(
            HomePanel(
                title=_("临期和逾期的交办"),
                roles=(Role.CLERK, Role.LEADER),
                items=home.due_soon_or_overdue,
                template="home/_assignments_panel.html",
                empty_text=_("没有临期或逾期的交办。"),
                order=20,
            )
        )
        register_panel(
            HomePanel(
                title=_("待审批的调整与延期申请"),
                roles=(Role.COORDINATOR,),
                items=home.pending_requests,
                template="home/_requests_panel.html",
                empty_text=_("没有待审批的申请。"),
                order=20,
            )
        )
