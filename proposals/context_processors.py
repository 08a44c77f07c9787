from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from .calendar import uncovered_years
from .models import Assignment


def calendar_warning(request):
    """For coordinators: a banner while this year's or next year's work calendar is missing,
    or while any assignment in force has provisional deadlines. Two queries at most."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.COORDINATOR:
        return {}
    this_year = timezone.localdate().year
    missing = uncovered_years([this_year, this_year + 1])
    if missing:
        years = "、".join(_("%(year)s年") % {"year": y} for y in missing)
        return {
            "calendar_warning": _(
                "%(years)s的工作日历尚未录入，涉及该年的期限暂按周一至周五计算并标为临时。请在“工作日历”中录入。"
            )
            % {"years": years}
        }
    if Assignment.objects.filter(is_active=True, replied_at__isnull=True, provisional=True).exists():
        return {
            "calendar_warning": _(
                "部分交办的期限涉及尚未录入工作日历的年份，暂按周一至周五计算并标为临时。请在“工作日历”中录入。"
            )
        }
    return {}
