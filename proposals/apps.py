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
        register_nav(NavItem(_("会次与分类"), "proposals:session_list", (Role.COORDINATOR,), order=80))
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
