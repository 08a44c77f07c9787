"""Importing historical replies (coordinators): upload a .txt or .docx reply, check what the
parser recognised, and save it against the proposal it answers."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Department, Role
from accounts.permissions import role_required
from proposals.models import Proposal, Session

from . import parsing, scaffold, services
from .forms import SectionFormSet

CATEGORY_CHOICES = [("", "—"), *[(c, c) for c in "ABCD"]]


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("答复文件"), help_text=gettext_lazy("支持 .txt 和 .docx，最大 50 MB。"))


class ConfirmForm(forms.Form):
    """What the parser recognised, for the coordinator to correct before saving."""

    source = forms.CharField(widget=forms.HiddenInput, required=False)
    session = forms.ModelChoiceField(label=gettext_lazy("会次"), queryset=Session.objects.all())
    proposal_number = forms.IntegerField(label=gettext_lazy("建议号"), min_value=1)
    department = forms.ModelChoiceField(label=gettext_lazy("答复单位"), queryset=Department.objects.all())
    doc_number = forms.CharField(label=gettext_lazy("文号"), max_length=60, required=False)
    category = forms.ChoiceField(label=gettext_lazy("办理结果类别"), choices=CATEGORY_CHOICES, required=False)
    date = forms.DateField(label=gettext_lazy("答复日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    salutation = forms.CharField(label=gettext_lazy("主送"), max_length=100)
    opening = forms.CharField(
        label=gettext_lazy("开头语"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    closing = forms.CharField(
        label=gettext_lazy("结束语"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    signature = forms.CharField(label=gettext_lazy("署名"), max_length=100)
    cc = forms.CharField(label=gettext_lazy("抄送"), max_length=300, required=False)
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=30, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    disclosure = forms.ChoiceField(
        label=gettext_lazy("公开属性"), choices=[("", "—"), *scaffold.Disclosure.CHOICES], required=False
    )
    summary = forms.CharField(
        label=gettext_lazy("公开摘要"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("公开属性为“此件摘要公开”时必填：公开平台只显示这段摘要。"),
    )

    def clean(self):
        data = super().clean()
        if data.get("disclosure") == scaffold.Disclosure.SUMMARY and not data.get("summary", "").strip():
            self.add_error("summary", _("摘要公开的答复须填写公开摘要。"))
        session, number = data.get("session"), data.get("proposal_number")
        if session and number:
            data["proposal"] = Proposal.objects.filter(session=session, number=number).first()
            if data["proposal"] is None:
                self.add_error(
                    "proposal_number", _("%(session)s没有第%(n)s号建议。") % {"session": session, "n": number}
                )
        return data


def _initial(parsed, source):
    """The confirm form's starting values from the parser's result."""
    session = Session.objects.filter(name=parsed["session"]).first() if parsed["session"] else None
    department = Department.objects.filter(name=parsed["signature"]).first() if parsed["signature"] else None
    contact = parsed["contact"] or {}
    disclosure = {note: key for key, note in scaffold.Disclosure.NOTE.items()}.get(parsed["disclosure"], "")
    initial = {
        "source": source,
        "session": session,
        "proposal_number": parsed["proposal_number"],
        "department": department,
        "doc_number": parsed["doc_number"] or "",
        "category": parsed["category"] or "",
        "date": parsed["date"],
        "title": parsed["title"] or "",
        "salutation": parsed["salutation"] or "",
        "opening": parsed["opening"] or "",
        "closing": parsed["closing"] or "",
        "signature": parsed["signature"] or "",
        "cc": "，".join(parsed["cc"]),
        "contact_name": contact.get("name") or "",
        "contact_phone": contact.get("phone") or "",
        "disclosure": disclosure,
    }
    sections = [{"heading": s["heading"], "body": s["body"]} for s in parsed["sections"]]
    return initial, sections


def _sections(data=None, initial=None):
    return SectionFormSet(data, initial=initial, prefix="section", form_kwargs={"suggestions": (), "categories": ()})


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def import_reply(request):
    upload = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        uploaded = upload.cleaned_data["file"]
        try:
            if uploaded.size > parsing.MAX_BYTES:
                raise parsing.ParseError(_("文件超过 50 MB，请拆分或压缩后再上传。"))
            parsed = parsing.parse_file(uploaded.read(), uploaded.name)
        except parsing.ParseError as error:
            upload.add_error("file", error.message)
        else:
            initial, sections = _initial(parsed, uploaded.name)
            context = {"form": ConfirmForm(initial=initial), "formset": _sections(initial=sections), "parsed": parsed}
            return render(request, "replies/import_confirm.html", context)
    return render(request, "replies/import.html", {"upload": upload})


@require_POST
@role_required(Role.COORDINATOR)
def import_save(request):
    form, formset = ConfirmForm(request.POST), _sections(request.POST)
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        proposal = data["proposal"]
        suggestions = list(proposal.suggestions.values_list("pk", flat=True))
        sections = [
            scaffold.Section(
                heading=f.cleaned_data["heading"],
                body=f.cleaned_data["body"],
                # the n-th section answers the n-th suggestion when the counts agree
                suggestions=[suggestions[i]] if len(suggestions) == len(formset.forms) else [],
            )
            for i, f in enumerate(formset.forms)
        ]
        content = scaffold.ReplyContent(
            title=data["title"],
            addressee=data["salutation"].rstrip("：:") + "：",
            opening=data["opening"],
            sections=sections,
            closing=[line for line in data["closing"].splitlines() if line.strip()],
            signature=data["signature"],
            date=data["date"],
            number=data["doc_number"],
            disclosure=data["disclosure"],
            summary=data["summary"].strip() if data["disclosure"] == scaffold.Disclosure.SUMMARY else "",
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            cc=data["cc"],
            category=data["category"],
        )
        try:
            reply = services.import_historical(
                proposal, data["department"], content, request.user, source=data["source"]
            )
        except services.ReplyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已导入历史答复。"))
            return redirect("replies:detail", pk=reply.pk)
    messages.error(request, _("有内容需要修改，请查看标红的提示。"))
    return render(request, "replies/import_confirm.html", {"form": form, "formset": formset})
