from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Deputy
from accounts.widgets import fast_selects

from .models import Category, Proposal, Session, default_result_categories
from .text import normalize_space, normalize_title, plain

MAX_SUGGESTIONS = 50
MAX_SUGGESTION_CHARS = 2000
MAX_BODY_CHARS = 20000


class CategoryChoiceField(forms.ModelChoiceField):
    """Classes (类) grouped under their aspect (方面)."""

    def __init__(self, **kwargs):
        kwargs["queryset"] = Category.objects.none()
        super().__init__(**kwargs)

    def set_choices(self):
        leaves = list(
            Category.objects.filter(parent__isnull=False, is_active=True, parent__is_active=True)
            .select_related("parent")
            .order_by("parent__position", "parent__id", "position", "id")
        )
        self.queryset = Category.objects.filter(pk__in=[c.pk for c in leaves])
        groups = {}
        for c in leaves:
            groups.setdefault(c.parent.name, []).append((c.pk, c.name))
        self.choices = [("", "---------"), *groups.items()]


class ProposalForm(forms.ModelForm):
    """The deputy's proposal. Suggestions arrive as an ordered list of `suggestion` fields,
    which the page lets the deputy add, remove and reorder."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Proposal
        fields = ["title", "body", "category", "hoped_departments", "agrees_to_publish"]
        field_classes = {"category": CategoryChoiceField}
        widgets = {
            "title": forms.TextInput(attrs={"maxlength": 200, "placeholder": _("关于……的建议")}),
            "body": forms.Textarea(attrs={"rows": 12}),
            "hoped_departments": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "title": {"required": _("请填写标题。"), "max_length": _("标题最多200字（现为%(show_value)s字）。")}
        }
        help_texts = {
            "title": _("一事一议。最多200字，保存时自动整理为“关于……的建议”的形式。"),
            "body": _("说明问题和理由。最多20000字。粘贴全文后可自动提取具体建议。"),
            "hoped_departments": _("可选，供交办时参考。"),
            "agrees_to_publish": _("同意后，答复办理后可以在公开平台发布（不含您的联系方式）。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].set_choices()
        self.fields["category"].required = False  # a draft may be saved without it; submission checks it
        self.fields["hoped_departments"].queryset = Department.objects.filter(is_active=True)
        self.fields["hoped_departments"].required = False
        self.fields["body"].required = False
        self.suggestions = []

    def clean_title(self):
        title = normalize_title(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("请填写标题。"))
        if len(title) > 200:
            raise forms.ValidationError(_("标题最多200字（现为%(n)s字）。") % {"n": len(title)})
        return title

    def clean_body(self):
        body = normalize_space(self.cleaned_data.get("body") or "")
        if len(body) > MAX_BODY_CHARS:
            raise forms.ValidationError(_("正文最多20000字（现为%(n)s字）。") % {"n": len(body)})
        return body

    def clean(self):
        cleaned = super().clean()
        raw = self.data.getlist("suggestion") if hasattr(self.data, "getlist") else []
        suggestions = [normalize_space(plain(s)) for s in raw]
        suggestions = [s for s in suggestions if s]
        self.suggestions = suggestions
        if len(suggestions) > MAX_SUGGESTIONS:
            self.add_error(None, _("具体建议最多%(n)s条。") % {"n": MAX_SUGGESTIONS})
        for i, text in enumerate(suggestions, 1):
            if len(text) > MAX_SUGGESTION_CHARS:
                self.add_error(
                    None,
                    _("第%(i)s条建议超过%(max)s字（现为%(n)s字）。")
                    % {"i": i, "max": MAX_SUGGESTION_CHARS, "n": len(text)},
                )
        return cleaned


class StaffEntryForm(ProposalForm):
    """A coordinator keys in a paper proposal for a deputy."""

    deputy = forms.ModelChoiceField(label=_("领衔代表"), queryset=Deputy.objects.none())
    session = forms.ModelChoiceField(label=_("会次"), queryset=Session.objects.all())

    class Meta(ProposalForm.Meta):
        fields = ["session", "deputy", *ProposalForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = Deputy.objects.filter(is_active=True).select_related("delegation")
        self.fields["deputy"].label_from_instance = lambda d: (
            f"{d.name}（{d.delegation.name}）" if d.delegation_id else d.name
        )
        self.fields["category"].required = True
        self.fields["body"].required = True

    def clean(self):
        cleaned = super().clean()
        if not self.suggestions:
            self.add_error(None, _("请至少填写一条具体建议。"))
        return cleaned


def open_sessions(now=None):
    return Session.objects.filter(submission_deadline__gt=now or timezone.now()).order_by("submission_deadline")


class InviteForm(forms.Form):
    name = forms.CharField(
        label=_("代表姓名"), max_length=60, help_text=_("重名时请注明代表团，如：王伟（长春代表团）。")
    )


class ReturnForm(forms.Form):
    message = forms.CharField(label=_("修改意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


class NotAcceptForm(forms.Form):
    reason = forms.ChoiceField(label=_("不予立案理由"), choices=Proposal.NotAcceptedReason.choices)
    disposition = forms.ChoiceField(label=_("处理方式"), choices=Proposal.Disposition.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("理由为“其他”或处理方式为“退回代表”时必填；会告知代表。"),
    )


class MergeForm(forms.Form):
    number = forms.IntegerField(label=_("并入建议号"), min_value=1, help_text=_("同一会次已立案建议的编号。"))


class AttachmentForm(forms.Form):
    # Empty files are let through to validate_attachment, whose message names the file.
    file = forms.FileField(
        allow_empty_file=True,
        label=_("附件"),
        help_text=_("PDF、DOCX、XLSX、JPG、PNG，每个不超过20 MB，每件建议最多10个。"),
    )


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "name",
            "level",
            "term",
            "session_no",
            "period",
            "opens_on",
            "closes_on",
            "submission_deadline",
            "reply_months",
            "extended_reply_months",
            "cohandler_opinion_months",
            "assign_within_workdays",
            "sign_for_workdays",
            "reassign_window_workdays",
            "rehandling_months",
            "feedback_window_months",
            "due_soon_days",
            "publish_within_workdays",
            "auto_publish_workdays",
            "count_from_close",
            "cc_congress_office",
            "cc_government_office",
            "contact_required",
            "result_categories",
        ]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "submission_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result_categories"] = ResultCategoriesField(
            label=_("办理结果类别"),
            initial=default_result_categories,
            help_text=_("每行一类：代码、空格、说明，按解决程度从高到低排列，如“A 所提问题已经解决或者基本解决”。"),
        )

    def clean_name(self):
        return normalize_space(self.cleaned_data["name"])

    def clean(self):
        data = super().clean()
        auto, limit = data.get("auto_publish_workdays"), data.get("publish_within_workdays")
        if auto is not None and limit is not None and auto > limit:
            self.add_error(
                "auto_publish_workdays",
                _("自动公开不能晚于公开期限（%(n)s个工作日）。") % {"n": limit},
            )
        return data


class ResultCategoriesField(forms.CharField):
    """[[code, label], …] edited as lines of “code label”."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{code} {label}" for code, label in value)
        return value

    def to_python(self, value):
        rows, seen = [], set()
        for line in normalize_space(value or "").split("\n"):
            if not line:
                continue
            code, _sep, label = line.partition(" ")
            if not label.strip() or len(code) > 4:
                raise forms.ValidationError(
                    _("“%(line)s”的格式不对：每行写类别代码（最多4个字）、空格和说明。") % {"line": line}
                )
            if code in seen:
                raise forms.ValidationError(_("类别代码“%(code)s”重复了。") % {"code": code})
            seen.add(code)
            rows.append([code, label.strip()])
        if len(rows) < 2:
            raise forms.ValidationError(_("请至少设置两个办理结果类别。"))
        return rows


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "parent", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.filter(parent__isnull=True).exclude(pk=self.instance.pk)
        self.fields["parent"].help_text = _("不选则新建一个“方面”；选择方面则在其下新建“类”。")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("parent") and self.instance.children.exists():
            self.add_error("parent", _("此方面下已有分类，不能再归入其他方面。"))
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class ReassignForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    suggested_department = forms.ModelChoiceField(
        label=_("建议承办单位"), queryset=Department.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fast_selects(self)  # on every proposal page a department user opens


class ExtendForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    until = forms.DateField(label=_("延期至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
