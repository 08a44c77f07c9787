# Signed replies become searchable (proposals.search) and publishable on the portal.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import proposals.search

PUBLISHED = ("public", "summary", "title_only")


def backfill(apps, schema_editor):
    """Replies signed before this migration: their signed text for search, their disclosure,
    and publication on the day they were signed (the default rule: published at issue)."""
    Reply = apps.get_model("replies", "Reply")
    for reply in Reply.objects.filter(signed_version__isnull=False).select_related("signed_version"):
        content = reply.signed_version.content
        parts = [content.get("title", ""), content.get("addressee", ""), content.get("opening", "")]
        for section in content.get("sections", []):
            parts += [section.get("heading", ""), section.get("body", "")]
        parts += [*content.get("closing", []), content.get("signature", "")]
        reply.search_text = "\n".join(p for p in parts if p)
        reply.disclosure = content.get("disclosure", "")
        if reply.kind == "reply" and reply.disclosure in PUBLISHED and content.get("date"):
            reply.published_on = content["date"]
        reply.save(update_fields=["search_text", "disclosure", "published_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0009_search_and_publication"),
        ("replies", "0006_feedback_rehandling_followup"),
    ]

    operations = [
        migrations.AddField(
            model_name="reply",
            name="disclosure",
            field=models.CharField(blank=True, max_length=12, verbose_name="公开属性"),
        ),
        migrations.AddField(
            model_name="reply",
            name="published_on",
            field=models.DateField(blank=True, null=True, verbose_name="公开日期"),
        ),
        migrations.AddField(
            model_name="reply",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="reply",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=proposals.search.SearchDocument("search_text"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="reply_search_vector"),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(
                condition=models.Q(("published_on__isnull", False)),
                fields=["-published_on", "-id"],
                name="reply_published",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
