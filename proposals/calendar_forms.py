from django import forms
from django.utils.translation import gettext_lazy as _

from .calendar import MAX_YEAR, MIN_YEAR
from .models import WorkCalendarDay


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    is_workday = forms.TypedChoiceField(
        label=_("类型"),
        choices=[("1", _("工作日（上班）")), ("0", _("休息日（放假）"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(
        label=_("名称"),
        required=False,
        max_length=WorkCalendarDay._meta.get_field("name").max_length,
        help_text=_("节假日或调休名称，如“春节”“国庆节调休上班”；普通日期留空。"),
    )

    def clean_date(self):
        d = self.cleaned_data["date"]
        if not MIN_YEAR <= d.year <= MAX_YEAR:
            raise forms.ValidationError(_("日期应在%(min)s年至%(max)s年之间。") % {"min": MIN_YEAR, "max": MAX_YEAR})
        return d

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label=_("日历文件（.xlsx 或 CSV）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
