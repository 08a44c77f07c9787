"""Coordinators' set-up pages: sessions with their deadline policy, and the categories."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditAction, Role
from accounts.permissions import role_required

from .forms import CategoryForm, SessionForm
from .models import Category, Session

COORDINATOR = Role.COORDINATOR


@role_required(COORDINATOR)
def session_list(request):
    sessions = Session.objects.annotate(proposal_count=Count("proposals"))
    return render(request, "proposals/session_list.html", {"sessions": sessions})


@role_required(COORDINATOR)
def session_create(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save()
        audit.record(request, AuditAction.SETTINGS_CHANGED, obj=session, created=True)
        messages.success(request, _("已创建会次“%(name)s”。") % {"name": session.name})
        return redirect("proposals:session_list")
    return render(request, "proposals/session_form.html", {"form": form})


@role_required(COORDINATOR)
def session_edit(request, pk):
    session = get_object_or_404(Session, pk=pk)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(request, AuditAction.SETTINGS_CHANGED, obj=session, fields=form.changed_data)
        messages.success(request, _("已保存会次“%(name)s”。") % {"name": session.name})
        return redirect("proposals:session_list")
    return render(request, "proposals/session_form.html", {"form": form, "session": session})


@role_required(COORDINATOR)
def category_list(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        category = form.save()
        messages.success(request, _("已添加分类“%(name)s”。") % {"name": category.name})
        return redirect("proposals:category_list")
    aspects = Category.objects.filter(parent__isnull=True).prefetch_related("children")
    return render(request, "proposals/category_list.html", {"form": form, "aspects": aspects})


@role_required(COORDINATOR)
def category_edit(request, pk):
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存分类“%(name)s”。") % {"name": category.name})
        return redirect("proposals:category_list")
    return render(request, "proposals/category_form.html", {"form": form, "category": category})
