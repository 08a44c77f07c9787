from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("建议")

    def ready(self):
        from accounts.models import Role
        from accounts.registry import HomePanel, register_panel

        from .models import Proposal

        register_panel(
            HomePanel(
                title=_("我的建议"),
                roles=(Role.DEPUTY,),
                items=lambda user: Proposal.objects.visible_to(user).for_home()[:20],
                template="home/_proposals_panel.html",
                empty_text=_("您还没有提出建议。"),
                order=10,
            )
        )
        register_panel(
            HomePanel(
                title=_("待审查的建议"),
                roles=(Role.COORDINATOR,),
                items=lambda user: (
                    Proposal.objects.visible_to(user).filter(status=Proposal.Status.SUBMITTED).for_home()[:20]
                ),
                template="home/_proposals_panel.html",
                empty_text=_("没有待审查的建议。"),
                order=10,
            )
        )
