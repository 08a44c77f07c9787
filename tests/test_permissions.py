"""Every URL × every persona: anonymous → login, wrong role → 403, right role → 200.

New URLs must be added to URLS (the test fails for any named URL it does not know), so no
view can escape the walk.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from conftest import PERSONAS

EVERYONE = tuple(Role.values)

# URLs anyone may open, signed in or not.
PUBLIC = {"accounts:login", "accounts:logout", "healthz", "set_language"}

# name → roles that may GET it (everyone else signed in gets 403)
URLS = {
    "home": EVERYONE,
    "accounts:password_change": EVERYONE,
    "accounts:password_change_done": EVERYONE,
    "accounts:test_email": (Role.SYSADMIN,),
}


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                continue  # walked separately below, model by model
            yield from named_urls(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def admin_urls(sysadmin):
    """The index and every registered accounts model's pages."""
    urls = [reverse("admin:index"), reverse("admin:app_list", args=["accounts"]), reverse("admin:password_change")]
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label != "accounts":
            continue
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    urls += [
        reverse("admin:accounts_user_change", args=[sysadmin.pk]),
        reverse("admin:accounts_user_history", args=[sysadmin.pk]),
        reverse("admin:accounts_user_delete", args=[sysadmin.pk]),
    ]
    return urls


def test_the_walk_knows_every_named_url():
    assert set(named_urls()) == set(URLS) | PUBLIC


@pytest.mark.parametrize("name", sorted(URLS))
def test_anonymous_visitors_are_sent_to_login(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_are_sent_from_every_admin_page_to_the_one_login_page(client, sysadmin):
    for url in admin_urls(sysadmin):
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.request["PATH_INFO"] == reverse("accounts:login"), url


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("name", sorted(URLS))
def test_each_persona_gets_exactly_the_pages_of_its_role(client, persona, name):
    client.force_login(persona)
    expected = 200 if persona.role in URLS[name] else 403
    assert client.get(reverse(name)).status_code == expected


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_only_the_system_administrator_enters_the_admin(client, persona, sysadmin):
    client.force_login(persona)
    expected = 200 if persona.role == Role.SYSADMIN else 403
    for url in admin_urls(sysadmin):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("name", ["accounts:login", "healthz"])
def test_public_pages_open_without_signing_in(client, db, name):
    assert client.get(reverse(name)).status_code == 200
