from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from .calendar import uncovered_years
from .models import Assignment

# The banner's facts change only when the calendar or an assignment does, and every coordinator
# page shows it: each worker process keeps them this long (docs/performance.md). A calendar
# change clears them at once in the worker that made it (proposals.calendar.set_days).
CACHE_SECONDS = 300


def cache_key(today):
    return f"jianyi:calendar-warning:{today.isoformat()}"


def _calendar_state(today):
    """(years of this and next year's calendar missing, any provisional deadline in force)."""
    key = cache_key(today)
    state = cache.get(key)
    if state is None:
        missing = tuple(uncovered_years([today.year, today.year + 1]))
        open_provisional = Assignment.objects.filter(is_active=True, replied_at__isnull=True, provisional=True)
        provisional = not missing and open_provisional.exists()
        state = (missing, provisional)
        cache.set(key, state, CACHE_SECONDS)
    return state


def calendar_warning(request):
    """For coordinators: a banner while this year's or next year's work calendar is missing,
    or while any assignment in force has provisional deadlines. Two queries at most, at most
    once in CACHE_SECONDS per worker."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.COORDINATOR:
        return {}
    missing, provisional = _calendar_state(timezone.localdate())
    if missing:
        years = "、".join(_("%(year)s年") % {"year": y} for y in missing)
        return {
            "calendar_warning": _(
                "%(years)s的工作日历尚未录入，涉及该年的期限暂按周一至周五计算并标为临时。请在“工作日历”中录入。"
            )
            % {"years": years}
        }
    if provisional:
        return {
            "calendar_warning": _(
                "部分交办的期限涉及尚未录入工作日历的年份，暂按周一至周五计算并标为临时。请在“工作日历”中录入。"
            )
        }
    return {}
