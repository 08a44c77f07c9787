"""Every UI string is translatable and the English catalogue is complete."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def entries():
    """(msgid, [msgstr…], flags) for each entry of the .po file, header excluded."""
    text = CATALOGUE.read_text(encoding="utf-8")
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            yield fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")], flags


def test_the_english_catalogue_translates_every_string():
    missing = [msgid for msgid, strs, flags in entries() if "fuzzy" in flags or not all(strs)]
    assert missing == []


def test_the_english_catalogue_is_not_empty():
    assert len(list(entries())) > 50


@pytest.mark.parametrize("role", Role)
def test_every_role_name_has_an_english_label(role):
    with translation.override("en"):
        label = str(role.label)
    assert label.isascii(), label


def test_the_home_page_in_english_has_no_chinese_left_but_data(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    # Only the user's own name (data, not UI) and the language's own name may be Chinese.
    chinese = set(re.findall(r"[\u4e00-\u9fff]+", page)) - {"李敏", "简体中文"}
    assert chinese == set()


def test_a_users_language_does_not_outlive_their_request(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.get(reverse("home"))
    assert translation.get_language() == "zh-hans"
