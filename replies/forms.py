from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from proposals.text import normalize_space

from . import numbering, scaffold
from .models import ContactRecord, DocumentSeries, Feedback, ReplySettings, Snippet

TEXTAREA = {"rows": 3}


def _line(text):
    return normalize_space(text).replace("\n", " ")


def _clean_lines(text):
    """Paragraphs one per line, trailing spaces and empty lines removed."""
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


class ReplyForm(forms.Form):
    """The parts of the reply around its sections."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("标题"), max_length=200)
    addressee = forms.CharField(label=_("主送"), max_length=100)
    opening = forms.CharField(label=_("开头语"), max_length=1000, widget=forms.Textarea(attrs=TEXTAREA))
    closing = forms.CharField(
        label=_("结束语"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("下一步打算、致谢等，每段一行。"),
    )
    signature = forms.CharField(label=_("署名"), max_length=100)
    category = forms.ChoiceField(
        label=_("办理结果类别"), required=False, help_text=_("不选时取各部分类别中解决程度最低的一类。")
    )
    disclosure = forms.ChoiceField(label=_("公开属性"), choices=scaffold.Disclosure.CHOICES)
    summary = forms.CharField(
        label=_("公开摘要"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“此件摘要公开”时必须填写：公开平台只显示这段摘要，不显示答复全文。"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=30, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    cc = forms.CharField(label=_("抄送"), max_length=300, required=False, help_text=_("多个单位用逗号隔开。"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("（按各部分确定）")),
            *[(c, f"{c} {label}") for c, label in categories],
        ]

    def clean(self):
        data = super().clean()
        for name in ("title", "addressee", "signature", "contact_name", "contact_phone", "cc"):
            if name in data:
                data[name] = _line(data[name])
        for name in ("opening", "closing", "summary"):
            if name in data:
                data[name] = _clean_lines(data[name])
        return data


class SectionForm(forms.Form):
    heading = forms.CharField(label=_("小标题"), max_length=600)
    body = forms.CharField(label=_("正文"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 6}))
    suggestions = forms.TypedMultipleChoiceField(
        label=_("答复的建议"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选的建议条目不属于本件建议。")},
    )
    category = forms.ChoiceField(label=_("类别"), required=False)

    def __init__(self, *args, suggestions=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggestions"].choices = [(s.pk, _("第%(n)s条") % {"n": s.position}) for s in suggestions]
        self.fields["category"].choices = [("", "—"), *[(c, c) for c, _label in categories]]

    def clean_heading(self):
        return _line(self.cleaned_data["heading"])

    def clean_body(self):
        return _clean_lines(self.cleaned_data["body"])


SectionFormSet = forms.formset_factory(
    SectionForm, extra=0, max_num=scaffold.MAX_SECTIONS, validate_max=True, absolute_max=scaffold.MAX_SECTIONS
)


def editor_forms(reply, data=None, *, suggestions=None):
    """The reply form and its sections' formset, bound to `data` or filled from the draft."""
    proposal = reply.assignment.proposal
    categories = proposal.session.result_categories
    suggestions = list(proposal.suggestions.all()) if suggestions is None else suggestions
    content = scaffold.ReplyContent.from_json(reply.content)
    initial = {
        "version": reply.version,
        "title": content.title,
        "addressee": content.addressee,
        "opening": content.opening,
        "closing": "\n".join(content.closing),
        "signature": content.signature,
        "category": content.category,
        "disclosure": content.disclosure,
        "summary": content.summary,
        "contact_name": content.contact_name,
        "contact_phone": content.contact_phone,
        "cc": content.cc,
    }
    sections = [
        {"heading": s.heading, "body": s.body, "suggestions": s.suggestions, "category": s.category}
        for s in content.sections
    ]
    form = ReplyForm(data, initial=initial, categories=categories)
    formset = SectionFormSet(
        data,
        initial=sections,
        prefix="section",
        form_kwargs={"suggestions": suggestions, "categories": categories},
        error_messages={"too_many_forms": _("答复最多分为%(num)d个部分。")},
    )
    return form, formset


def content_from(form, formset, reply) -> scaffold.ReplyContent:
    """The ReplyContent the valid editor forms describe (date and number stay unset: they
    are given at signing)."""
    data = form.cleaned_data
    return scaffold.ReplyContent(
        title=data["title"],
        addressee=data["addressee"],
        opening=data["opening"],
        sections=[
            scaffold.Section(
                heading=f.cleaned_data["heading"],
                body=f.cleaned_data["body"],
                suggestions=f.cleaned_data["suggestions"],
                category=f.cleaned_data["category"],
            )
            for f in formset.forms
        ],
        closing=[line for line in data["closing"].split("\n") if line],
        signature=data["signature"],
        disclosure=data["disclosure"],
        summary=data["summary"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        cc=data["cc"],
        category=data["category"],
    )


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactRecord
        fields = ["date", "form", "participants", "deputy_said", "agreement"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "deputy_said": forms.Textarea(attrs=TEXTAREA),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy_said"].max_length = 5000
        self.fields["deputy_said"].widget.attrs["maxlength"] = 5000
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean_participants(self):
        return _line(self.cleaned_data["participants"])


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["attitude", "result", "contacted", "comments"]
        widgets = {
            "attitude": forms.RadioSelect,
            "result": forms.RadioSelect,
            "contacted": forms.Select,
            "comments": forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
        }
        help_texts = {"comments": _("选择“不满意”时必须填写理由。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("attitude", "result", "contacted"):
            self.fields[name].required = True
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        self.fields["comments"].max_length = 5000


class RehandleForm(forms.Form):
    department = forms.ModelChoiceField(label=_("重新办理单位"), queryset=Department.objects.filter(is_active=True))
    confirm_third = forms.BooleanField(label=_("确认进行第三轮（及以上）办理"), required=False)
    note = forms.CharField(label=_("要求"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    """Return comments, a correction's reason, a waiver's reason."""

    text = forms.CharField(label=_("意见"), max_length=2000, widget=forms.Textarea(attrs=TEXTAREA))


class SnippetForm(forms.ModelForm):
    class Meta:
        model = Snippet
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}

    def clean_title(self):
        return _line(self.cleaned_data["title"])

    def clean_text(self):
        return _clean_lines(self.cleaned_data["text"])


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ReplySettings
        fields = ["title_template", "contact_name", "contact_phone"]

    def clean_title_template(self):
        template = _line(self.cleaned_data["title_template"])
        rest = template
        for placeholder in scaffold.TITLE_PLACEHOLDERS:
            rest = rest.replace(placeholder, "")
        if "{建议号}" not in template:
            raise forms.ValidationError(
                _("标题格式须包含{建议号}，如“%(example)s”。") % {"example": scaffold.DEFAULT_TITLE}
            )
        if "{" in rest or "}" in rest:
            raise forms.ValidationError(_("标题格式只能使用{会议全称}和{建议号}两个占位符。"))
        return template


class SeriesForm(forms.ModelForm):
    next_number = forms.IntegerField(label=_("下一个序号"), min_value=1, max_value=999999)

    class Meta:
        model = DocumentSeries
        fields = ["kind", "year", "pattern"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # the series' identity is fixed once numbers have been taken from it
            for name in ("kind", "year"):
                self.fields[name].disabled = True
            self.initial.setdefault("next_number", self.instance.last_number + 1)
        else:
            self.initial.setdefault("next_number", 1)
            self.initial.setdefault("year", timezone.localdate().year)

    def clean_pattern(self):
        try:
            return numbering.clean_pattern(self.cleaned_data["pattern"])
        except numbering.NumberingError as error:
            raise forms.ValidationError(error.message) from None

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("请填写正确的年度。"))
        return year
